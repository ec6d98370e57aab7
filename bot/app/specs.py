"""Every slash command, as data: the one description of the command surface both front ends share.

Pure Python (no discord.py): the Discord cogs declare the same commands with decorators, and
``tests/console/test_specs.py`` builds the real bot's command tree and checks that it and
:data:`COMMANDS` agree in both directions, option by option. The console parses and validates
what people type against these specs, so a command added on Discord without a spec here fails
that test instead of going missing in the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.states import CatchUp, ThreadMode


class Kind(StrEnum):
    """An option's type, as Discord names it (the value is what the console shows)."""

    STR = "text"
    INT = "whole number"
    FLOAT = "number"
    BOOL = "true/false"
    CHANNEL = "channel"
    ROLE = "role"
    USER = "user"
    ATTACHMENT = "file"


@dataclass(frozen=True, slots=True)
class Choice:
    value: str | int | float
    label: str


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a command. ``min_value``/``max_value`` bound numbers, ``min_length``/``max_length`` text."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    min_value: int | float | None = None
    max_value: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    default: str | int | float | bool | None = None  # what the command uses when the option is left out
    channel_types: tuple[int, ...] = ()  # Discord channel types allowed (0 text, 5 announcement)
    autocomplete: bool = False  # Discord suggests values as you type


@dataclass(frozen=True, slots=True)
class Command:
    """A leaf command: ``("story",)``, ``("reading", "pause")``, ``("schedule", "post-now")``."""

    path: tuple[str, ...]
    description: str
    options: tuple[Option, ...] = ()
    guild_only: bool = False  # only in a server, never in DMs
    admin: bool = False  # Manage Server: hidden from others, and checked on every use
    names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(o.name for o in self.options))

    @property
    def name(self) -> str:
        """``"schedule post-now"``: the path as typed after the slash."""
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


def _choices(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in pairs)


RATINGS = _choices(
    ("G", "G: General audiences"),
    ("PG", "PG: Older children (9+)"),
    ("T", "T: Teen (13+)"),
    ("M", "M: Mature (16+)"),
    ("E", "E: Explicit (18+)"),
    ("U", "U: Unrated"),
)
CATCH_UP = _choices(
    (CatchUp.SHIFT, "shift: post the missed one at once, then carry on (default)"),
    (CatchUp.LATE, "late: post missed ones one by one, ten minutes apart"),
    (CatchUp.SKIP, "skip: jump ahead and say what was skipped"),
)
THREAD = _choices(
    (ThreadMode.NONE, "no thread: post in the channel"),
    (ThreadMode.SINGLE, "one thread for the whole story, opened now"),
    (ThreadMode.EACH, "a new thread for each installment"),
)
TITLE = "Title, author or fandom"
EVERY = "daily, weekdays, weekly, friday, 6 hours, or cron"
AT = "Local time of day, e.g. 20:00"
ROLE = "A role to mention on each release"
CATCH_UP_HELP = "What to do after the bot was down"
LINK = "A story's page on a site FanFicFare supports (AO3, FanFiction.net, …)"
UNDESCRIBED = "…"  # what Discord shows for an option nobody described


def _schedule_step(name: str, description: str) -> Command:
    """The schedule subcommands that take nothing but the schedule's number."""
    schedule = Option("schedule", Kind.INT, UNDESCRIBED, required=True, autocomplete=True)
    return Command(("schedule", name), description, (schedule,), guild_only=True, admin=True)


GROUPS: dict[str, str] = {
    "reading": "Steer the live reading in this channel",
    "schedule": "Serial readings: release a story installment by installment on a schedule.",
}

COMMANDS: tuple[Command, ...] = (
    Command(
        ("story",),
        "Read a story: its card, then the story itself at a human pace.",
        (
            Option(
                "title",
                Kind.STR,
                "Title, author or fandom: pick a suggestion, or type a slug",
                required=True,
                autocomplete=True,
            ),
            Option(
                "private",
                Kind.BOOL,
                "Read it to yourself only, page by page (remembers where you stopped)",
                default=False,
            ),
        ),
    ),
    Command(
        ("summary",),
        "Show a story's card with the author's summary, and what this channel has read so far.",
        (Option("title", Kind.STR, TITLE, required=True, autocomplete=True),),
    ),
    Command(
        ("recap",),
        "What this channel's story has told so far, with no spoilers past the last post.",
        (
            Option(
                "installments",
                Kind.INT,
                "Only the last N installments (default: everything read here so far)",
                min_value=1,
                max_value=1000,
            ),
        ),
    ),
    Command(
        ("rating",),
        "Show a story's rating and warnings, what they mean, and where it may be read.",
        (Option("title", Kind.STR, TITLE, required=True, autocomplete=True),),
    ),
    Command(("reading", "pause"), "Pause the live reading in this channel."),
    Command(("reading", "resume"), "Resume the paused reading in this channel."),
    Command(("reading", "stop"), "Stop the live reading in this channel."),
    Command(("reading", "status"), "What is being read here, how far it has got, and why it waits if it does."),
    Command(
        ("library",),
        "Browse the library: every story, or those matching a search, fandom or rating.",
        (
            Option("search", Kind.STR, "Words from a title, author, fandom, tag or summary", default=""),
            Option("fandom", Kind.STR, "Only stories from this fandom", default="", autocomplete=True),
            Option("rating", Kind.STR, "Only stories with this rating", choices=RATINGS, default=""),
        ),
    ),
    Command(
        ("settings",),
        "Show or change how Storyteller behaves in this server (admins).",
        (
            Option("max_rating", Kind.STR, "The highest rating read in this server", choices=RATINGS[:5]),
            Option("reader_role", Kind.ROLE, "Only this role (and admins) may start live readings"),
            Option("everyone_reads", Kind.BOOL, "Let everyone start live readings again (clears the reader role)"),
            Option("threads", Kind.BOOL, "Open each live reading in a new thread"),
            Option("timezone", Kind.STR, "The server's time zone, e.g. Europe/Paris", autocomplete=True),
        ),
        guild_only=True,
        admin=True,
    ),
    Command(
        ("import",),
        "Add a story to this server's shelf, from a file or a link (admins).",
        (
            Option("file", Kind.ATTACHMENT, "A story file: .txt, .md, .html or .epub"),
            Option("url", Kind.STR, LINK, max_length=2000),
            Option("rating", Kind.STR, "The story's rating, if its file gives none", choices=RATINGS[:5]),
        ),
        guild_only=True,
        admin=True,
    ),
    Command(
        ("remove",),
        "Remove a story this server added with /import; its readings end (admins).",
        (Option("story", Kind.STR, "A story on this server's shelf", required=True, autocomplete=True),),
        guild_only=True,
        admin=True,
    ),
    Command(
        ("schedule", "create"),
        "Schedule a story into a channel, installment by installment.",
        (
            Option("story", Kind.STR, "The story to release", required=True, autocomplete=True),
            Option("channel", Kind.CHANNEL, "Where installments are posted", required=True, channel_types=(0, 5)),
            Option("start", Kind.STR, "First day, YYYY-MM-DD (default: today)"),
            Option("every", Kind.STR, EVERY, default="daily"),
            Option("at", Kind.STR, AT, default="20:00"),
            Option("timezone", Kind.STR, "IANA time zone (default: the server's)", autocomplete=True),
            Option("minutes", Kind.FLOAT, "Reading minutes per installment", min_value=0.5, max_value=120.0),
            Option("catch_up", Kind.STR, CATCH_UP_HELP, choices=CATCH_UP, default=CatchUp.SHIFT.value),
            Option("role", Kind.ROLE, ROLE),
            Option(
                "thread",
                Kind.STR,
                "Post in the channel, in one thread for the whole story, or a new thread per installment",
                choices=THREAD,
                default="none",
            ),
            Option(
                "more",
                Kind.INT,
                "Add a More! button: this many readers pressing it release the next installment early",
                min_value=1,
                max_value=1000,
            ),
        ),
        guild_only=True,
        admin=True,
    ),
    Command(("schedule", "list"), "The schedules in this server.", guild_only=True, admin=True),
    _schedule_step("status", "When the next post is, and what is wrong if anything is."),
    _schedule_step("show", "A schedule's plan: cadence, progress, the next posts and when it ends."),
    Command(
        ("schedule", "edit"),
        "Change when a schedule releases, its catch-up policy or the role it mentions.",
        (
            Option("schedule", Kind.INT, UNDESCRIBED, required=True, autocomplete=True),
            Option("every", Kind.STR, EVERY),
            Option("at", Kind.STR, AT),
            Option("timezone", Kind.STR, "IANA time zone", autocomplete=True),
            Option("catch_up", Kind.STR, CATCH_UP_HELP, choices=CATCH_UP),
            Option("role", Kind.ROLE, ROLE),
            Option("no_role", Kind.BOOL, "Stop mentioning a role", default=False),
        ),
        guild_only=True,
        admin=True,
    ),
    _schedule_step("pause", "Hold a schedule until you resume it."),
    _schedule_step("resume", "Resume a paused schedule; a release it missed posts now."),
    _schedule_step("skip", "Skip the next installment."),
    _schedule_step("post-now", "Release the next installment now."),
    _schedule_step("cancel", "Delete a schedule. What was posted stays in the channel."),
    Command(
        ("catchup",),
        "Read, privately, the installments this channel has already had.",
        (
            Option(
                "from_start",
                Kind.BOOL,
                "Start again from the first installment instead of where you left off",
                default=False,
            ),
        ),
        guild_only=True,
    ),
    Command(
        ("reactions",),
        "How this server reacted to a story: totals, the most-reacted installments, a chart.",
        (Option("title", Kind.STR, TITLE, required=True, autocomplete=True),),
        guild_only=True,
    ),
    Command(
        ("feedback",),
        "Leave feedback for a story's author.",
        (Option("title", Kind.STR, TITLE, required=True, autocomplete=True),),
    ),
)

BY_PATH: dict[tuple[str, ...], Command] = {c.path: c for c in COMMANDS}


@dataclass(frozen=True, slots=True)
class Field:
    """A text box in a form Discord shows after a command (a modal); the console asks for it."""

    name: str
    label: str
    min_length: int | None = None
    max_length: int | None = None


# /feedback opens a form for the text: the console prompts for it instead.
FEEDBACK_TEXT = Field("text", "Your feedback", min_length=2, max_length=2000)
FORMS: dict[tuple[str, ...], tuple[Field, ...]] = {("feedback",): (FEEDBACK_TEXT,)}


def top_level() -> list[str]:
    """The names typed right after the slash: commands and groups, in declaration order."""
    return list(dict.fromkeys(c.path[0] for c in COMMANDS))


def subcommands(group: str) -> list[Command]:
    return [c for c in COMMANDS if len(c.path) > 1 and c.path[0] == group]
