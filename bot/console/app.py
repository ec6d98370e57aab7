"""The console: type slash commands, pick numbered choices where Discord would show buttons."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from bot.console.publisher import CONSOLE_CHANNEL, CONSOLE_GUILD, ConsolePublisher
from bot.console.render import choices, rating_card, story_card
from bot.core.errors import StorytellerError
from bot.core.gating import check
from bot.core.pacing import reading_script
from bot.core.ratings import Rating
from bot.core.states import Control
from bot.core.zones import time_zone
from bot.reading.live import ReadingStatus
from bot.reading.ports import Clock
from bot.services import Services

CONSOLE_USER = 1
HELP = """Commands (as on Discord):
  /story TITLE [private:true]   read a story here (or page by page, privately)
  /summary TITLE                the story card with its summary
  /rating TITLE                 the rating, warnings, and where it may be read
  /library [search:WORDS] [fandom:NAME] [rating:G|PG|T|M|E|U]
  /reading pause|resume|stop|status
  /settings [max_rating:T] [timezone:Europe/Paris]
  /schedule create STORY [every:daily] [at:20:00] [timezone:Europe/Paris] [catch_up:shift|late|skip]
                  [thread:none|single|each] [minutes:5]
  /schedule list|status ID|pause ID|resume ID|skip ID|post-now ID|cancel ID
  NUMBER                        pick one of the numbered choices shown last
  /help, /quit"""

Action = Callable[[], Awaitable[None]]


class Console:
    """One terminal, one channel: the commands run against the same services as the bot."""

    def __init__(self, services: Services, *, out: TextIO, speed: float = 1.0, age_restricted: bool = False) -> None:
        self.services = services
        self.out = out
        self.publisher = ConsolePublisher(out, age_restricted=age_restricted)
        clock = Clock.scaled(speed) if speed != 1 else Clock.system()
        self.readings = services.readings(self.publisher, clock)
        self.live = self.readings.live
        self.scheduler = self.readings.engine
        self.serials = self.readings.serials
        self._choices: list[Action] = []
        self._created: list[int] = []  # schedules made in this session: piped input waits for them

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def offer(self, options: list[tuple[str, Action]]) -> None:
        self._choices = [action for _, action in options]
        self.say(choices([label for label, _ in options]))

    async def handle(self, line: str) -> bool:
        """Run one line; ``False`` when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.isdigit():
                await self._choose(int(line))
                return True
            command, args, options = parse(line)
            if command in {"quit", "exit"}:
                return False
            handler = self._commands().get(command)
            if handler is None:
                self.say(f"Unknown command `{line.split()[0]}`. Type /help for the list.")
            else:
                await handler(args, options)
        except StorytellerError as exc:
            self.say(f"✖ {exc}")
        except ValueError as exc:
            self.say(f"✖ {exc}")
        return True

    def _commands(self) -> dict[str, Callable[[str, dict[str, str]], Awaitable[None]]]:
        return {
            "story": self.story,
            "summary": self.summary,
            "rating": self.rating,
            "library": self.library,
            "reading": self.reading,
            "settings": self.settings,
            "schedule": self.schedule,
            "help": self.help,
        }

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self._choices):
            self.say("No such choice.")
            return
        await self._choices[number - 1]()

    async def help(self, args: str, options: dict[str, str]) -> None:
        self.say(HELP)

    async def story(self, args: str, options: dict[str, str]) -> None:
        record = await self.services.catalog.find(options.get("title", args))
        venue = await self.live.venue(CONSOLE_CHANNEL)
        check(record.rating, venue)
        self.say(story_card(record, self.services.catalog.describe(record), venue))
        if options.get("private", "").lower() in {"true", "yes", "1"}:
            await self._page(record.id, await self.services.progress.page(CONSOLE_USER, record.id))
            return
        await self.live.start(channel_id=CONSOLE_CHANNEL, guild_id=CONSOLE_GUILD, record=record, user_id=CONSOLE_USER)
        self.offer([(c.value.capitalize(), self._control(c)) for c in Control])

    def _control(self, action: Control) -> Action:
        async def run() -> None:
            status = await self.live.control(CONSOLE_CHANNEL, action)
            self.say("⏹️ Reading stopped." if status is None else describe_status(status))

        return run

    async def _page(self, story_id: int, page: int) -> None:
        record = await self.services.stories.by_id(story_id)
        if record is None:
            raise StorytellerError("That story is no longer in the library.")
        pages = [p.text for p in reading_script(await self.services.catalog.installments(record))]
        page = max(0, min(page, len(pages) - 1))
        await self.services.progress.set_page(CONSOLE_USER, story_id, page, self.live.clock.now())
        self.say(f"\n{pages[page]}\n\n— page {page + 1} of {len(pages)} —")
        options: list[tuple[str, Action]] = []
        if page > 0:
            options.append(("Previous", lambda: self._page(story_id, page - 1)))
        if page < len(pages) - 1:
            options.append(("Next", lambda: self._page(story_id, page + 1)))
        self.offer(options)

    async def summary(self, args: str, options: dict[str, str]) -> None:
        record = await self.services.catalog.find(options.get("title", args))
        venue = await self.live.venue(CONSOLE_CHANNEL)
        self.say(story_card(record, self.services.catalog.describe(record), venue))

    async def rating(self, args: str, options: dict[str, str]) -> None:
        record = await self.services.catalog.find(options.get("title", args))
        self.say(rating_card(record, await self.live.venue(CONSOLE_CHANNEL)))

    async def library(self, args: str, options: dict[str, str], page: int = 0) -> None:
        search = options.get("search", args)
        rating = options.get("rating", "").upper()
        if rating:
            Rating.parse_level(rating)
        records, total = await self.services.stories.browse(
            search=search, fandom=options.get("fandom", ""), rating=rating, offset=page * 10, limit=10
        )
        if not records:
            self.say("No story matches." if total == 0 and (search or rating) else "The library is empty.")
            return
        for r in records:
            self.say(f"  {r.slug:<30} {r.rating.level.value:<2} {r.words:>8,} words  {r.title} · {r.meta.author}")
        pages = -(-total // 10)
        self.say(f"Page {page + 1} of {pages} · {total} stories")
        nav: list[tuple[str, Action]] = []
        if page > 0:
            nav.append(("Previous", lambda: self.library(args, options, page - 1)))
        if page < pages - 1:
            nav.append(("Next", lambda: self.library(args, options, page + 1)))
        if nav:
            self.offer(nav)

    async def reading(self, args: str, options: dict[str, str]) -> None:
        action = args.strip().lower()
        if action == "status":
            self.say(describe_status(await self.live.status(CONSOLE_CHANNEL)))
            return
        try:
            control = Control(action)
        except ValueError:
            raise ValueError("Use /reading pause, resume, stop or status.") from None
        await self._control(control)()

    async def settings(self, args: str, options: dict[str, str]) -> None:
        current = await self.services.guilds.get(CONSOLE_GUILD)
        changed = current
        if "max_rating" in options:
            changed = replace(changed, max_rating=Rating.parse_level(options["max_rating"]))
        if "timezone" in options:
            changed = replace(changed, timezone=str(time_zone(options["timezone"])))
        if changed != current:
            await self.services.guilds.save(changed)
        self.say(f"Highest rating allowed: {changed.max_rating.value} · time zone: {changed.timezone}")

    async def schedule(self, args: str, options: dict[str, str]) -> None:
        action, _, rest = args.partition(" ")
        action = action.lower()
        if action == "create":
            record = await self.services.catalog.find(options.get("story", rest))
            zone = options.get("timezone") or (await self.services.guilds.get(CONSOLE_GUILD)).timezone
            schedule, preview = await self.serials.create(
                guild_id=CONSOLE_GUILD,
                channel_id=CONSOLE_CHANNEL,
                record=record,
                user_id=CONSOLE_USER,
                every=options.get("every", "daily"),
                at=options.get("at"),
                timezone=zone,
                catch_up=options.get("catch_up", "shift"),
                thread=options.get("thread", "none"),
                minutes=float(options["minutes"]) if "minutes" in options else None,
            )
            self._created.append(schedule.id)
            firsts = ", ".join(local_time(t, schedule.timezone) for t in preview.first)
            self.say(
                f"Schedule #{schedule.id}: {record.title}, {schedule.cadence.describe()} ({schedule.timezone}), "
                f"{preview.installments} installments. First posts: {firsts}. "
                f"Ends {local_time(preview.last, schedule.timezone)}."
            )
            return
        if action == "list":
            for s in await self.serials.schedules.for_guild(CONSOLE_GUILD):
                self.say(
                    f"#{s.id} {s.state}, {min(s.next_installment - 1, s.total)}/{s.total} posted, "
                    f"next {local_time(s.next_due, s.timezone) if s.next_due else '—'}"
                )
            return
        steps: dict[str, Callable[[int, int], Awaitable[object]]] = {
            "pause": self.serials.pause,
            "resume": self.serials.resume,
            "skip": self.serials.skip,
            "post-now": self.serials.post_now,
            "cancel": self.serials.cancel,
        }
        if not rest.strip().lstrip("#").isdigit() or (action not in steps and action != "status"):
            raise ValueError("Use /schedule create, list, or status|pause|resume|skip|post-now|cancel ID.")
        schedule_id = int(rest.strip().lstrip("#"))
        if action != "status":
            await steps[action](CONSOLE_GUILD, schedule_id)
            if action == "cancel":
                self.say(f"Schedule #{schedule_id} cancelled.")
                return
        status = await self.serials.status(CONSOLE_GUILD, schedule_id)
        s = status.schedule
        upcoming = self.serials.upcoming(s)
        self.say(
            f"#{s.id} {status.title}: {s.state}, {min(s.next_installment - 1, s.total)}/{s.total} posted, "
            f"next {local_time(upcoming[0], s.timezone) if upcoming else '—'}"
            + (f"\nWhat is wrong: {status.problem}" if status.problem else "")
        )

    async def _schedules_running(self) -> bool:
        for schedule_id in self._created:
            schedule = await self.serials.schedules.get(schedule_id)
            if schedule is not None and schedule.state == "active":
                return True
        return False

    async def run(self, stdin: TextIO, *, interactive: bool) -> int:
        """Read commands until the end of input; piped input waits for the work it started."""
        if interactive:
            self.say("Storyteller console. Type /help for commands, /quit to leave.")
        self.scheduler.start()
        try:
            while True:
                if interactive:
                    line = await asyncio.to_thread(_prompt, stdin)
                else:
                    line = stdin.readline()
                if not line:
                    break
                if not await self.handle(line):
                    break
            await self.live.wait_all()
            while await self._schedules_running():
                await self.scheduler.clock.sleep(60)
            await self.scheduler.idle()
        finally:
            await self.scheduler.close()
            await self.live.close()
        return 0


def _prompt(stdin: TextIO) -> str:
    sys.stdout.write("> ")
    sys.stdout.flush()
    return stdin.readline()


def local_time(when: datetime, zone: str) -> str:
    return when.astimezone(time_zone(zone)).strftime("%a %d %b %H:%M")


def describe_status(status: ReadingStatus) -> str:
    text = (
        f"{status.state.capitalize()}: {status.title}, message {min(status.position + 1, status.total)} "
        f"of {status.total}, speed ×{status.speed:g}, about {status.minutes_left:.0f} min left"
    )
    return text + (f"\nWhy it paused: {status.reason}" if status.reason else "")


def parse(line: str) -> tuple[str, str, dict[str, str]]:
    """``/story fight-for-me private:true`` -> ("story", "fight-for-me", {"private": "true"})."""
    if not line.startswith("/"):
        raise ValueError("Commands start with /, e.g. /story fight-for-me. Type /help for the list.")
    try:
        words = shlex.split(line[1:])
    except ValueError:
        words = line[1:].split()
    if not words:
        raise ValueError("Type /help for the list of commands.")
    command, rest = words[0].lower(), words[1:]
    options: dict[str, str] = {}
    positional = []
    for word in rest:
        key, sep, value = word.partition(":")
        if sep and key.isidentifier() and key.lower() == key:
            options[key] = value
        else:
            positional.append(word)
    return command, " ".join(positional), options
