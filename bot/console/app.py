"""The console: every slash command of the bot, typed in a terminal, run by the same use cases.

A line is parsed against the command specs (:mod:`bot.app.specs`, checked against the Discord
tree by the tests) and dispatched to the use case Discord calls (:mod:`bot.app`). Buttons become
numbered choices; the feedback form becomes a prompt for the next line. The console is one server
with one channel, and the person typing is its admin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

from bot.app import Actor
from bot.app.chart import reactions_chart_async
from bot.app.pages import Page, PageKind
from bot.app.readings import control_text, status_text
from bot.app.responses import ReactionsReport
from bot.app.schedules import ScheduleChange, ScheduleRequest
from bot.app.settings import SettingsChange
from bot.app.shelf import imported_text, removed_text
from bot.app.specs import BY_PATH, COMMANDS, FEEDBACK_TEXT
from bot.app.wiring import App
from bot.console import render
from bot.console.options import UNKNOWN_COMMAND, Invocation, Place, help_text, parse_line
from bot.console.publisher import CONSOLE_CHANNEL, CONSOLE_GUILD, ConsolePublisher
from bot.console.terminal import PROMPT, LineReader, Screen
from bot.core.errors import InvalidOption, NoReading, StorytellerError, echo
from bot.core.scope import GuildScope
from bot.core.states import Control
from bot.reading.ports import Clock
from bot.services import Services

log = logging.getLogger(__name__)

CONSOLE_USER = 1
CHANNEL_NAME = "console"
HISTORY_FILE = "console-history"
CHANNEL_FILE = "console-channel.json"
QUIT = {"/quit", "/exit", "/q"}
FAREWELL = "Bye. A reading under way stops here and carries on where it was at the next start."

Action = Callable[[], Awaitable[None]]
Handler = Callable[[Invocation], Awaitable[None]]
Form = Callable[[str], Awaitable[None]]


class Console:
    """One terminal, one channel: the commands run against the same services as the bot."""

    def __init__(
        self,
        services: Services,
        *,
        out: TextIO,
        speed: float = 1.0,
        age_restricted: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        self.services = services
        self.out = out
        self.data_dir = data_dir if data_dir is not None else services.settings.database_path.parent
        self.publisher = ConsolePublisher(out, age_restricted=age_restricted, history=self.data_dir / CHANNEL_FILE)
        self.clock = Clock.scaled(speed) if speed != 1 else Clock.system()
        # Only the console's own server: a database shared with the bot keeps its readings for Discord.
        self.readings = services.readings(self.publisher, self.clock, GuildScope.only(CONSOLE_GUILD))
        self.app = App.build(services, self.readings, self.clock)
        self.actor = Actor(
            user_id=CONSOLE_USER,
            guild_id=CONSOLE_GUILD,
            channel_id=CONSOLE_CHANNEL,
            name="you",
            manage_guild=True,
            manage_messages=True,
        )
        self.place = Place(CONSOLE_CHANNEL, CHANNEL_NAME)
        self.handlers: dict[tuple[str, ...], Handler] = {
            ("story",): self.story,
            ("summary",): self.summary,
            ("recap",): self.recap,
            ("rating",): self.rating,
            ("reading", "pause"): self._control(Control.PAUSE),
            ("reading", "resume"): self._control(Control.RESUME),
            ("reading", "stop"): self._control(Control.STOP),
            ("reading", "status"): self.reading_status,
            ("library",): self.library,
            ("settings",): self.settings,
            ("schedule", "create"): self.schedule_create,
            ("schedule", "list"): self.schedule_list,
            ("schedule", "status"): self.schedule_status,
            ("schedule", "show"): self.schedule_show,
            ("schedule", "edit"): self.schedule_edit,
            ("schedule", "pause"): self._schedule_step("pause", "Paused."),
            ("schedule", "resume"): self._schedule_step("resume", "Resumed."),
            ("schedule", "skip"): self._schedule_step("skip", "Skipped one installment."),
            ("schedule", "post-now"): self._schedule_step("post_now", "Releasing the next installment now."),
            ("schedule", "cancel"): self.schedule_cancel,
            ("catchup",): self.catchup,
            ("reactions",): self.reactions,
            ("feedback",): self.feedback,
            ("import",): self.import_story,
            ("remove",): self.remove,
        }
        missing = set(BY_PATH) - set(self.handlers)
        assert not missing, f"console commands missing: {sorted(missing)}"
        self._choices: list[Action] = []
        self._form: Form | None = None
        self._created: list[int] = []  # schedules made in this session: piped input waits for them
        self._started = False

    # Output ----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def offer(self, options: list[tuple[str, Action]]) -> None:
        self._choices = [action for _, action in options]
        if options:
            self.say(render.choices([label for label, _ in options]))

    # Lines -----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Run one line; ``False`` when the user asked to quit."""
        line = line.strip()
        if self._form is not None and not line.startswith("/"):
            form, self._form = self._form, None
            await self._guard(lambda: form(line) if line else self._cancelled())
            return True
        self._form = None
        if not line:
            return True
        if line.split()[0].lower() in QUIT:
            return False
        await self._guard(lambda: self._run(line))
        return True

    async def _cancelled(self) -> None:
        self.say("Cancelled: nothing was sent.")

    async def _guard(self, step: Action) -> None:
        try:
            await step()
        except StorytellerError as exc:
            self.say(f"✖ {render.plain(str(exc))}")
        except Exception:
            reference = secrets.token_hex(3)
            log.exception("Unexpected error in the console (reference %s)", reference)
            self.say(f"✖ Something went wrong on Storyteller's side. Reference: `{reference}`.")

    async def _run(self, line: str) -> None:
        if line.isdigit():
            await self._choose(int(line))
            return
        first, _, topic = line.partition(" ")
        if first.lower() in {"/help", "/?"}:
            self.say(self._help(topic.strip().lstrip("/").lower()))
            return
        invocation = parse_line(line, self.place)
        await self.handlers[invocation.path](invocation)

    @staticmethod
    def _help(topic: str) -> str:
        """Every command, or those of one command or group (``/help schedule``)."""
        if not topic:
            return help_text()
        chosen = [c for c in COMMANDS if c.name == topic or c.path[0] == topic]
        if not chosen:
            raise InvalidOption(f"{UNKNOWN_COMMAND} /{echo(topic, 40)}. Type /help for the list of commands.")
        return help_text(chosen)

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self._choices):
            raise InvalidOption("No such choice." if self._choices else "There is nothing to choose right now.")
        await self._choices[number - 1]()

    # Stories ---------------------------------------------------------------------------

    async def story(self, call: Invocation) -> None:
        title, private = call.values["title"], call.values["private"]
        if private:
            opened = await self.app.private.open(self.actor, title)
            self.say(render.story_card(opened.card))
            if opened.welcome_back is not None:
                self.say(f"Welcome back: you stopped at page {opened.welcome_back + 1}.")
            self._page(opened.page)
            return
        prepared = await self.app.readings.prepare(self.actor, title)
        self.say(render.story_card(prepared.card))
        if prepared.open_thread:
            self.say(f"── thread: {prepared.card.record.title} ──")
        await self.app.readings.start(self.actor, prepared)
        self.offer([(c.value.capitalize(), self._press(c)) for c in Control])

    def _page(self, page: Page) -> None:
        self.say(render.page(page))
        turn = self.app.private.page if page.kind is PageKind.STORY else self.app.catchup.page

        def go(to: int) -> Action:
            async def run() -> None:
                self._page(await turn(self.actor, page.owner, to))

            return run

        options: list[tuple[str, Action]] = []
        if not page.first:
            options.append(("Previous", go(page.page - 1)))
        if not page.last:
            options.append(("Next", go(page.page + 1)))
        self.offer(options)

    async def summary(self, call: Invocation) -> None:
        self.say(render.story_card(await self.app.stories.summary(self.actor, call.values["title"])))

    async def recap(self, call: Invocation) -> None:
        self.say(render.recap(await self.app.stories.recap(self.actor, call.values["installments"])))

    async def rating(self, call: Invocation) -> None:
        self.say(render.rating_card(await self.app.stories.rating(self.actor, call.values["title"])))

    async def library(self, call: Invocation, page: int = 0) -> None:
        v = call.values
        result = await self.app.stories.library(
            search=v["search"], fandom=v["fandom"], rating=v["rating"], page=page, guild_id=self.actor.guild_id
        )
        self.say(render.library_page(result))
        nav: list[tuple[str, Action]] = []
        if result.page > 0:
            nav.append(("Previous", lambda: self.library(call, result.page - 1)))
        if result.page < result.pages - 1:
            nav.append(("Next", lambda: self.library(call, result.page + 1)))
        self.offer(nav)

    # Live readings ---------------------------------------------------------------------

    def _press(self, action: Control) -> Action:
        async def run() -> None:
            self.say(control_text(await self.app.readings.control(self.actor, CONSOLE_CHANNEL, action)))

        return run

    def _control(self, action: Control) -> Handler:
        async def run(call: Invocation) -> None:
            await self._press(action)()

        return run

    async def reading_status(self, call: Invocation) -> None:
        self.say(status_text(await self.app.readings.status(self.actor)))

    # Settings --------------------------------------------------------------------------

    async def settings(self, call: Invocation) -> None:
        v = call.values
        if not call.given:
            self.say(render.settings(await self.app.settings.show(self.actor)))
            return
        change = SettingsChange(
            max_rating=v["max_rating"],
            reader_role_id=v["reader_role"],
            everyone_reads=bool(v["everyone_reads"]),
            threads=v["threads"],
            timezone=v["timezone"],
        )
        self.say(render.settings(await self.app.settings.change(self.actor, change)))

    # Schedules -------------------------------------------------------------------------

    async def schedule_create(self, call: Invocation) -> None:
        v = call.values
        request = ScheduleRequest(
            story=v["story"],
            channel_id=v["channel"],
            start=v["start"],
            every=v["every"],
            at=v["at"],
            timezone=v["timezone"],
            minutes=v["minutes"],
            catch_up=v["catch_up"],
            role_id=v["role"],
            thread=v["thread"],
            more=v["more"],
        )
        created = await self.app.schedules.create(self.actor, request)
        self._created.append(created.schedule.id)
        self.say(render.schedule_created(created))

    async def schedule_list(self, call: Invocation) -> None:
        self.say(render.schedule_lines(await self.app.schedules.list(self.actor)))

    async def schedule_status(self, call: Invocation) -> None:
        self.say(render.schedule_report(await self.app.schedules.status(self.actor, call.values["schedule"])))

    async def schedule_show(self, call: Invocation) -> None:
        report = await self.app.schedules.show(self.actor, call.values["schedule"])
        self.say(render.schedule_report(report, plan=True))

    async def schedule_edit(self, call: Invocation) -> None:
        v = call.values
        change = ScheduleChange(
            every=v["every"],
            at=v["at"],
            timezone=v["timezone"],
            catch_up=v["catch_up"],
            role_id=v["role"],
            clear_role=bool(v["no_role"]),
        )
        report = await self.app.schedules.edit(self.actor, v["schedule"], change)
        self.say(render.schedule_report(report, prefix="Saved."))

    def _schedule_step(self, name: str, done: str) -> Handler:
        async def run(call: Invocation) -> None:
            step = getattr(self.app.schedules, name)
            self.say(render.schedule_report(await step(self.actor, call.values["schedule"]), prefix=done))

        return run

    async def schedule_cancel(self, call: Invocation) -> None:
        cancelled = await self.app.schedules.cancel(self.actor, call.values["schedule"])
        self.say(f"Schedule #{cancelled} cancelled.")

    # Readers ---------------------------------------------------------------------------

    async def catchup(self, call: Invocation) -> None:
        opened = await self.app.catchup.open(self.actor, from_start=call.values["from_start"])
        self.say(f"Catching up on {opened.title}")
        if opened.previously:
            self.say(f"Previously: {' '.join(opened.previously)}")
        self._page(opened.page)

    async def reactions(self, call: Invocation) -> None:
        report = await self.app.responses.reactions(self.actor, call.values["title"])
        self.say(render.reactions(report, await self._chart(report)))

    async def _chart(self, report: ReactionsReport) -> str | None:
        """The chart Discord attaches, as a PNG in the data folder."""
        if not report.per_installment:
            return None
        path = self.data_dir / f"reactions-{report.record.slug}.png"
        png = await reactions_chart_async(
            report.record.title, list(report.per_installment), report.installments, fallback=report.record.slug
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        except OSError as exc:
            log.warning("Could not write the reactions chart to %s: %s", path, exc)
            return None
        return str(path)

    async def feedback(self, call: Invocation) -> None:
        form = await self.app.responses.feedback_form(self.actor, call.values["title"])
        low, high = FEEDBACK_TEXT.min_length, FEEDBACK_TEXT.max_length
        self.say(
            f"{FEEDBACK_TEXT.label} for the author of {form.title}: type it on the next line "
            f"({low} to {high} characters; an empty line cancels)."
        )

        async def submit(text: str) -> None:
            await self.app.responses.submit_feedback(self.actor, form.story_id, text)
            self.say("Thank you: your feedback is saved for the author.")

        self._form = submit

    # The shelf -------------------------------------------------------------------------

    async def import_story(self, call: Invocation) -> None:
        file: Path | None = call.values.get("file")
        url: str | None = call.values.get("url") or None
        declared = (file.name, (await asyncio.to_thread(file.stat)).st_size) if file is not None else None
        self.app.shelf.check_request(self.actor, file=declared, url=url)
        if file is not None:
            data = await asyncio.to_thread(file.read_bytes)
            imported = await self.app.shelf.import_file(self.actor, file.name, data, rating=call.values.get("rating"))
        else:
            assert url is not None  # check_request insists on one of the two

            async def progress(text: str) -> None:
                self.say(text)

            imported = await self.app.shelf.import_link(self.actor, url, progress, rating=call.values.get("rating"))
        self.say(imported_text(imported))
        self.say(render.story_card(imported.card))

    async def remove(self, call: Invocation) -> None:
        self.say(removed_text(await self.app.shelf.remove(self.actor, call.values["story"])))

    # The session -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start delivering: a reading interrupted last time carries on where it was."""
        if self._started:
            return
        self._started = True
        await self.readings.start()
        with contextlib.suppress(NoReading):
            status = await self.app.readings.status(self.actor)
            if status.state == "running":
                self.say(f"Carrying on where the last session stopped:\n{status_text(status)}")

    async def close(self) -> None:
        """Stop at a message boundary; the database keeps where every reading and schedule was."""
        await self.readings.close()

    async def _schedules_running(self) -> bool:
        for schedule_id in self._created:
            schedule = await self.services.schedules.get(schedule_id)
            if schedule is not None and schedule.state == "active":
                return True
        return False

    async def wait_for_work(self) -> None:
        """Until the readings and the schedules this session started are done (piped input)."""
        await self.readings.idle()
        while await self._schedules_running():
            await self.clock.sleep(60)
        await self.readings.idle()

    async def run(
        self,
        stdin: TextIO,
        *,
        interactive: bool,
        screen: Screen | None = None,
        signals: bool = False,
    ) -> int:
        """Read commands until /quit or the end of input.

        At a terminal (``interactive``), /quit, /exit, Ctrl+D and Ctrl+C stop at once: a reading
        under way stops at a message boundary and resumes at the next start. Piped input runs
        every line, then waits for the readings and schedules those lines started.
        """
        lines = LineReader(
            stdin,
            prompt=PROMPT if interactive else None,
            screen=screen,
            history=self.data_dir / HISTORY_FILE if interactive else None,
        )
        stop = asyncio.Event()
        if signals:
            _on_signals(stop.set)
        quitting = False
        try:
            if interactive:
                self.say("Storyteller console. Type /help for the commands, /quit (or Ctrl+D) to leave.")
            await self.start()
            while True:
                line = await _unless(stop, lines.readline())
                if stop.is_set() or (line is None and interactive):
                    quitting = True
                    break
                if line is None:
                    break
                if not await self.handle(line):
                    quitting = True
                    break
            if not quitting:
                await _unless(stop, self.wait_for_work())
        finally:
            if signals:
                _on_signals(None)
            await self.close()
            lines.close()
            if screen is not None:
                screen.end()
        if quitting and interactive:
            self.say(FAREWELL)
        return 0


async def _unless(stop: asyncio.Event, work: Awaitable[Any]) -> Any:
    """``work``'s result, or ``None`` as soon as ``stop`` is set (the work is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def _on_signals(callback: Callable[[], None] | None) -> None:
    """Ctrl+C (and SIGTERM) end the session cleanly, the same way as /quit."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            if callback is None:
                loop.remove_signal_handler(sig)
            else:
                loop.add_signal_handler(sig, callback)
