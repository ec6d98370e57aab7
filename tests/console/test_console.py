"""The offline console: every command, the same use cases, numbered choices for buttons, and a
terminal program that never blocks its readings."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable

import pytest
from discord import AppCommandOptionType

from bot.console.app import FAREWELL
from bot.console.options import UNKNOWN_COMMAND
from bot.console.terminal import Screen
from bot.core.text import plain_words
from tests.conftest import ROOT, SHIPPED_STORY
from tests.console.conftest import leaves
from tests.test_cli import run

BODY_WORDS = plain_words(SHIPPED_STORY.read_text(encoding="utf-8").split("\n\n", 1)[1])
CHOICES = "[5] Slower"
THE_END = "— *The end"


async def until(condition: Callable[[], bool], limit: float = 15.0) -> None:
    """Until ``condition()`` holds: the output is written by readings running in other tasks."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def example(parameter) -> str:
    """A valid value for a Discord parameter, for the console."""
    if parameter.choices:
        return str(parameter.choices[0].value)
    return {
        AppCommandOptionType.string: "fight-for-me",
        AppCommandOptionType.integer: str(int(parameter.min_value or 1)),
        AppCommandOptionType.number: f"{parameter.min_value or 1:g}",
        AppCommandOptionType.boolean: "true",
        AppCommandOptionType.channel: "#console",
        AppCommandOptionType.role: "<@&42>",
        AppCommandOptionType.user: "<@1>",
        AppCommandOptionType.attachment: str(SHIPPED_STORY),
    }[parameter.type]


async def test_every_command_of_the_discord_tree_runs_in_the_console(discord_tree, console):
    app, out = console
    commands = leaves(discord_tree.get_commands())
    assert len(commands) >= 20
    # One schedule first, so that the schedule subcommands have something to act on.
    await app.handle("/schedule create fight-for-me every:daily at:20:00")
    for command in sorted(commands, key=lambda c: c.qualified_name == "schedule cancel"):
        for spelled in ("required", "all"):
            given = [p for p in command.parameters if p.required or spelled == "all"]
            line = f"/{command.qualified_name} " + " ".join(f'"{p.name}:{example(p)}"' for p in given)
            before = len(out.getvalue())
            assert await app.handle(line) is True
            said = out.getvalue()[before:]
            assert said.strip(), line
            assert UNKNOWN_COMMAND not in said and "Traceback" not in said, (line, said)
            assert "Something went wrong" not in said and "no option" not in said, (line, said)
            assert "takes no options" not in said and "needs the option" not in said, (line, said)
    text = out.getvalue()
    assert "Schedule #1: Fight For Me" in text and "Schedule #1 cancelled." in text
    assert "Your feedback for the author of Fight For Me: type it on the next line" in text


async def test_unknown_commands_and_options_say_what_exists(console):
    app, out = console
    await app.handle("/nope")
    await app.handle("/schedule frobnicate 1")
    await app.handle("/story fight-for-me colour:red")
    text = out.getvalue()
    assert "✖ Unknown command /nope. Type /help for the list of commands." in text
    assert "✖ Unknown command /schedule frobnicate. /schedule has: create, list, status, show, edit" in text
    assert "✖ /story has no option `colour`. Its options: title, private." in text
    await app.handle("/help")
    assert "/schedule post-now schedule:N" in out.getvalue() and "/catchup [from_start:true|false]" in out.getvalue()
    before = len(out.getvalue())
    await app.handle("/help reading")
    assert "/reading pause" in out.getvalue()[before:] and "/story" not in out.getvalue()[before:]


async def test_errors_are_plain_text_without_discords_bold_markers(console):
    app, out = console
    await app.handle("/remove story:fight-for-me")  # a shared story: its title is bold on Discord
    line = next(t for t in out.getvalue().splitlines() if t.startswith("✖"))
    assert "Fight For Me is in the shared library" in line and "**" not in line


def test_piped_story_prints_card_and_whole_story_and_exits_0(tmp_path):
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--speed", "1000"],
        input="/story fight-for-me\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("══ Fight For Me ══")
    assert "Rating: G" in out and "by Singing Violin" in out
    body = out.split(CHOICES, 1)[1].split(THE_END, 1)[0]
    assert plain_words(body) == BODY_WORDS


def test_no_token_and_no_terminal_exits_2_with_how_to_connect(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and ".env" in result.stderr


async def test_buttons_are_numbered_choices(console):
    app, out = console
    await app.handle("/story fight-for-me")
    await app.handle("3")  # Stop
    await app.readings.idle()
    assert "⏹️ Reading stopped." in out.getvalue()
    assert "The end of" not in out.getvalue()
    await app.handle("7")
    assert "✖ No such choice." in out.getvalue()


async def test_private_reading_pages_forward_and_back_with_private_spelled_as_in_the_readme(console):
    app, out = console
    await app.handle("/story fight-for-me private: True")
    assert "— page 1 of" in out.getvalue()
    await app.handle("1")  # Next (no Previous on the first page)
    assert "— page 2 of" in out.getvalue()
    await app.handle("1")  # Previous
    assert out.getvalue().count("— page 1 of") == 2
    await app.handle("1")  # Next again
    await app.handle("/story fight for me private:true")  # the title is not "fight for me private:true"
    assert "Welcome back: you stopped at page 2." in out.getvalue()


async def test_ratings_apply_in_the_console(console):
    app, out = console
    await app.handle("/story grey-areas")
    assert "✖ This story is rated M" in out.getvalue()
    await app.handle("/summary grey-areas")
    assert "Mature summary" not in out.getvalue() and "Summary hidden" in out.getvalue()
    await app.handle("/rating grey-areas")
    assert "Where it may be read: Only in age-restricted channels." in out.getvalue()


async def test_library_settings_and_errors(console):
    app, out = console
    await app.handle("/library rating:G")
    assert "fight-for-me" in out.getvalue() and "grey-areas" not in out.getvalue()
    await app.handle("/settings timezone:Mars/Olympus")
    assert "`Mars/Olympus` is not a time zone name" in out.getvalue()
    await app.handle("/settings max_rating:T timezone:Europe/Paris threads: no")
    assert "Highest rating allowed: T" in out.getvalue() and "Time zone: Europe/Paris" in out.getvalue()
    await app.handle("/reading status")
    assert "Nothing is being read" in out.getvalue()
    await app.handle("/schedule create fight-for-me minutes:nan")
    assert "✖ The option `minutes` takes a number from 0.5 to 120: `nan` is not one." in out.getvalue()


async def test_catchup_recap_reactions_and_feedback(console, services):
    app, out = console
    await app.handle("/schedule create fight-for-me every:daily at:20:00 minutes:1")
    await app.handle("/schedule post-now 1")
    await until(lambda: "installment 1 of 5" in out.getvalue())
    await app.readings.idle()
    await app.handle("/catchup")
    assert "Catching up on Fight For Me" in out.getvalue() and "— page 1 of" in out.getvalue()
    await app.handle("/recap installments:1")
    assert "── Previously in Fight For Me ──" in out.getvalue()
    await app.handle("/reactions fight-for-me")
    assert "No reactions to Fight For Me in this server yet." in out.getvalue()
    await app.handle("/feedback fight-for-me")
    await app.handle("Lovely, and so sad.")
    assert "Thank you: your feedback is saved for the author." in out.getvalue()
    await app.handle("/feedback fight-for-me")
    await app.handle("")
    assert "Cancelled: nothing was sent." in out.getvalue()
    await app.handle("/schedule show 1")
    assert "Ends:" in out.getvalue()
    await app.handle("/schedule edit 1 at:21:00 catch_up:late")
    assert "Saved.\n#1 Fight For Me" in out.getvalue()


async def test_schedule_in_the_console_releases_every_installment_on_compressed_time(make_console):
    console, out = make_console(speed=2_000_000)  # a day in about 40 ms
    lines = io.StringIO(
        '/schedule create fight-for-me every: daily at:20:00 "timezone:Europe/Paris" minutes:1\n/schedule list\n'
    )
    assert await console.run(lines, interactive=False) == 0
    text = out.getvalue()
    assert "Schedule #1: Fight For Me, daily at 20:00 (Europe/Paris), 5 installments" in text
    assert [line.split("installment ")[1] for line in text.splitlines() if line.startswith("📖")] == [
        f"{n} of 5" for n in range(1, 6)
    ]
    body = "\n".join(line for line in text.splitlines() if not line.startswith(("📖", "Schedule", "#")))
    assert plain_words(body) == BODY_WORDS


async def test_piped_input_held_open_does_not_freeze_a_reading(make_console):
    console, out = make_console(speed=10_000)
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r", encoding="utf-8") as stdin:
        session = asyncio.create_task(console.run(stdin, interactive=False))
        os.write(write_end, b"/story fight-for-me\n")
        await until(lambda: THE_END in out.getvalue())  # the whole story, while stdin stays open
        assert not session.done()
        os.write(write_end, b"/reading status\n")
        await until(lambda: "Nothing is being read" in out.getvalue())
        os.close(write_end)
        assert await asyncio.wait_for(session, 15) == 0
    body = out.getvalue().split(CHOICES, 1)[1].split(THE_END, 1)[0]
    assert plain_words(body) == BODY_WORDS


def story_part(text: str, after: str) -> str:
    return text.split(after, 1)[1] if after in text else ""


async def test_quit_mid_reading_stops_and_the_next_start_resumes_it_with_every_message_once(make_console):
    first, out1 = make_console(speed=150)  # a message about every half second
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r", encoding="utf-8") as stdin:
        session = asyncio.create_task(first.run(stdin, interactive=False))
        os.write(write_end, b"/story fight-for-me\n")
        await until(lambda: plain_words(story_part(out1.getvalue(), CHOICES)) != [])
        async with asyncio.timeout(15):  # printed is not yet recorded: quit once a message is
            while (await first.app.readings.status(first.actor)).position == 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        os.write(write_end, b"/quit\n")
        assert await asyncio.wait_for(session, 15) == 0
        os.close(write_end)
    assert THE_END not in out1.getvalue()

    second, out2 = make_console(speed=10_000)
    status = await second.app.readings.status(second.actor)
    assert status.state == "running" and 0 < status.position < status.total
    assert await second.run(io.StringIO(""), interactive=False) == 0
    resumed = out2.getvalue()
    assert resumed.startswith("Carrying on where the last session stopped:\n▶️ Reading Fight For Me")
    assert THE_END in resumed
    heard = story_part(out1.getvalue(), CHOICES) + resumed.split("\n\n", 1)[1]  # after the status lines
    assert plain_words(heard.split(THE_END, 1)[0]) == BODY_WORDS


async def test_end_of_input_at_a_terminal_quits_without_waiting_and_keeps_the_prompt(make_console):
    """Ctrl+D at the prompt: the reading stops where it is (and resumes next time); no waiting."""
    screen_out = io.StringIO()
    screen = Screen(screen_out)
    console, _ = make_console(speed=150, out=screen)
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r", encoding="utf-8") as stdin:
        session = asyncio.create_task(console.run(stdin, interactive=True, screen=screen))
        os.write(write_end, b"/story fight-for-me\n")
        await until(lambda: plain_words(story_part(screen_out.getvalue(), CHOICES)) != [])
        os.close(write_end)  # Ctrl+D
        assert await asyncio.wait_for(session, 15) == 0
    text = screen_out.getvalue()
    assert text.startswith("Storyteller console.") and FAREWELL in text and THE_END not in text
    assert "\r\x1b[K" in text  # output that came while the prompt waited went above it
    status = await console.app.readings.status(console.actor)
    assert status.state == "running"


def test_screen_redraws_the_prompt_below_text_printed_while_it_waits():
    out = io.StringIO()
    screen = Screen(out)
    screen.write("before\n")
    screen.waiting("> ")
    screen.write("\nA message.\n")
    screen.waiting(None)
    assert out.getvalue() == "before\n\r\x1b[K\nA message.\n> "


@pytest.mark.parametrize("line", ["/quit", "/exit", "/QUIT now"])
async def test_quit_words(console, line):
    app, _ = console
    assert await app.handle(line) is False


def test_ctrl_c_stops_the_console_cleanly_and_the_reading_resumes_at_the_next_start(tmp_path):
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "bot", "console", "--speed", "30"]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("/story fight-for-me\n")
        process.stdin.flush()  # and held open: the console must not wait for more
        seen = ""
        while CHOICES not in seen or not plain_words(story_part(seen, CHOICES)):
            seen += process.stdout.readline()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        seen += process.stdout.read()
        process.stdin.close()
    assert THE_END not in seen
    faster = [*command[:-1], "10000"]
    resumed = subprocess.run(faster, cwd=tmp_path, env=env, input="", capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("Carrying on where the last session stopped:")
    heard = story_part(seen, CHOICES) + resumed.stdout.split("\n\n", 1)[1]
    assert plain_words(heard.split(THE_END, 1)[0]) == BODY_WORDS


async def test_reactions_show_totals_the_top_installments_and_a_chart(console):
    app, out = console
    await app.handle("/story fight-for-me")
    await until(lambda: THE_END in out.getvalue())
    await app.readings.idle()
    await app.app.responses.react(1, 99, "❤️")  # the console's first message: the story's first post
    await app.app.responses.react(1, 98, "😢")
    await app.handle("/reactions fight-for-me")
    text = out.getvalue()
    assert "Reactions: Fight For Me" in text and "Installment 1: 2 reactions" in text
    assert "❤️ 1" in text and "  1 " + "█" * 40 + " 2" in text


async def test_a_story_read_again_is_printed_again_in_full(console):
    app, out = console
    for times in (1, 2):
        await app.handle("/story fight-for-me")
        await until(lambda n=times: out.getvalue().count(THE_END) == n)
        await app.readings.idle()
    second = out.getvalue().split(THE_END, 1)[1].split(CHOICES, 1)[1]
    assert plain_words(second.split(THE_END, 1)[0]) == BODY_WORDS


async def test_stopping_readings_mid_post_leaves_the_console_working(console):
    """/reading stop cancels a post under way; the database must stay usable for the next command."""
    app, out = console
    for n in range(8):
        await app.handle("/story fight-for-me")
        await asyncio.sleep(0.002 * n)  # somewhere in the middle of the reading's posts
        await app.handle("/reading stop")
    await app.handle("/settings threads:true")
    text = out.getvalue()
    assert "Something went wrong" not in text, text[-1500:]
    assert text.count("⏹️ Reading stopped.") == 8 and "Settings saved." in text
