"""The composition root and command line: ``python -m bot [command]``.

Resources are built here, once, and handed to whatever needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tomllib
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import bot
from bot.app.intake import Intake, Outcome, Saved
from bot.cli_output import ExitCode, ProgressBar, library_table, quiet_broken_stdout
from bot.core.errors import StoryNotFound, StorytellerError
from bot.core.wording import counted
from bot.library.loader import scan_folder
from bot.reading.ports import Clock
from bot.services import Services as App
from bot.settings import Settings, SettingsError
from bot.store.database import Database

log = logging.getLogger("bot")

HOW_TO_CONNECT = (
    "No DISCORD_TOKEN set: to connect to Discord, put your bot token in .env "
    "(copy .env.example; token from https://discord.com/developers/applications)."
)


async def cmd_import(app: App, args: argparse.Namespace) -> int:
    links = [p for p in args.paths if is_link(p)]
    paths = [Path(p) for p in args.paths if not is_link(p)]
    failed = False
    if paths or not links:
        bar = ProgressBar()
        report = await app.importer.import_paths(paths or None, progress=bar)
        bar.finish()
        for result in report.results:
            print(result.line())
        print(report.summary())
        failed = bool(report.failed)
    intake = Intake(app, Clock.system())
    for url in links:
        try:
            saved = await intake.link(None, url, progress=_progress)
        except StorytellerError as exc:
            print(f"failed     {url}: {exc}")
            failed = True
            continue
        print(link_line(saved, url))
    return 1 if failed else 0


_LINK_WORDS = {Outcome.ADDED: "imported", Outcome.UPDATED: "updated", Outcome.UNCHANGED: "unchanged"}


def link_line(saved: Saved, url: str) -> str:
    """A link's report line, shaped like a file's: ``imported   slug  (url) 9 chapters``."""
    record = saved.record
    if saved.outcome == Outcome.ALREADY:
        return f"duplicate  {url}: duplicate of {record.slug}"
    text = f"{_LINK_WORDS[saved.outcome]:<10} {record.slug}  ({url}) {counted(record.chapter_count, 'chapter')}"
    return text + "".join(f"\n           note: {n}" for n in saved.notices)


async def cmd_update(app: App, args: argparse.Namespace) -> int:
    """``update``: fetch every story that came from a link again; new chapters appear in place."""
    results = await Intake(app, Clock.system()).refresh_links(progress=lambda r: print(r.line()))
    if not results:
        print("No stories came from a link: nothing to update. `python -m bot import URL` adds one.")
        return 0
    updated = sum(r.saved is not None and r.saved.outcome == Outcome.UPDATED for r in results)
    failed = sum(r.saved is None for r in results)
    unchanged = len(results) - updated - failed
    linked = counted(len(results), "linked story", "linked stories")
    print(f"{linked}: {updated} updated, {unchanged} unchanged, {failed} failed")
    return 1 if failed else 0


def is_link(argument: str) -> bool:
    return argument.lower().startswith(("http://", "https://"))


async def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # stdout keeps one line per story, as for files


async def cmd_stories(app: App, args: argparse.Namespace) -> int:
    described = [app.catalog.describe(r) for r in await app.stories.all()]
    print(json.dumps(described, indent=2, ensure_ascii=False) if args.json else library_table(described))
    return 0


async def cmd_preview(app: App, args: argparse.Namespace) -> int:
    record = await app.catalog.find(args.slug)
    installments = await app.catalog.installments(record, args.minutes)
    if args.json:
        data = {
            "slug": record.slug,
            "title": record.title,
            "installments": [
                {
                    "number": i.number,
                    "chapter": i.chapter_number,
                    "chapter_title": i.chapter_title,
                    "part": i.part,
                    "parts_in_chapter": i.parts_in_chapter,
                    "words": i.words,
                    "messages": list(i.messages),
                }
                for i in installments
            ],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"{record.title}: {len(installments)} installments")
    for i in installments:
        minutes = i.words / app.settings.words_per_minute
        print(
            f"\n=== Installment {i.number}: {i.chapter_title} (part {i.part}/{i.parts_in_chapter}, "
            f"{i.words} words, {minutes:.1f} min, {len(i.messages)} messages) ==="
        )
        for n, message in enumerate(i.messages, 1):
            print(f"--- message {n} ({len(message)} characters) ---\n{message}")
    return 0


async def cmd_run(app: App, args: argparse.Namespace) -> int:
    """Import the stories folder, then serve: on Discord with a token, else in the console."""
    if not app.settings.has_token and not sys.stdin.isatty():
        print(HOW_TO_CONNECT, file=sys.stderr)
        return ExitCode.USAGE
    if not app.settings.has_token:
        print(HOW_TO_CONNECT)
        return await cmd_console(app, argparse.Namespace(speed=1.0, age_restricted=False))
    report = await app.importer.import_paths()
    for result in report.results:  # at every start: what changed, not a line per unchanged story
        if result.outcome.value != "unchanged":
            print(result.line())
    print(f"Library: {report.summary()}")
    from bot.discord_adapter.runner import run_bot

    return await run_bot(app.settings, app)


async def cmd_console(app: App, args: argparse.Namespace) -> int:
    """The offline console: at a terminal, line editing and history; piped, every line then exit 0."""
    from bot.console.app import Console
    from bot.console.terminal import Screen

    report = await app.importer.import_paths()
    for result in report.results:
        if result.outcome.value == "failed":
            print(result.line(), file=sys.stderr)
    print(f"Library: {report.summary()}", file=sys.stderr)
    interactive = sys.stdin.isatty()
    screen = Screen(sys.stdout) if interactive and sys.stdout.isatty() else None
    if screen is not None and sys.stderr.isatty():  # log lines too go above the prompt, not through it
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stderr:
                handler.setStream(screen)  # type: ignore[arg-type]
    console = Console(app, out=screen or sys.stdout, speed=args.speed, age_restricted=args.age_restricted)
    return await console.run(sys.stdin, interactive=interactive, screen=screen, signals=True)


async def cmd_sync(app: App, args: argparse.Namespace) -> int:
    if not app.settings.has_token:
        print(HOW_TO_CONNECT, file=sys.stderr)
        return ExitCode.USAGE
    from bot.discord_adapter.runner import sync_commands

    return await sync_commands(app.settings, app, args.guild)


async def cmd_feedback(app: App, args: argparse.Namespace) -> int:
    from bot.reading.feedback import as_markdown, feedback_report

    removed = None
    try:
        record = await app.catalog.find(args.slug, args.guild)
    except StoryNotFound:
        removed = await app.shelves.removed(args.slug, args.guild) if args.guild is not None else None
        if removed is None:
            raise
        record = removed
    report = await feedback_report(record, app.catalog, app.responses, removed=removed is not None)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.format == "json" else as_markdown(report))
    return 0


async def cmd_stats(app: App, args: argparse.Namespace) -> int:
    from bot.reading.stats import STATS_KEY, RequestStats

    saved = await app.bot_state.get(STATS_KEY)
    if saved is None:
        print("No request counts yet: the bot saves them while it runs on Discord and when it stops.")
        return 0
    print(saved if args.json else RequestStats.from_json(saved).report())
    return 0


async def cmd_migrate_db(app: App, args: argparse.Namespace) -> int:
    """Copy this database (the one the settings name) into an empty PostgreSQL database, verified."""
    from bot.discord_adapter.heartbeat import STALE_AFTER, heartbeat_age, heartbeat_path
    from bot.store.move import copy_database

    age = heartbeat_age(heartbeat_path(app.settings))
    if age is not None and age < STALE_AFTER:
        print(
            f"storyteller: the bot is running on this database (it beat {age:.0f} s ago); "
            "stop it first, so that nothing changes while it is copied",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    target = args.to
    if not target.startswith(("postgresql://", "postgres://")):
        print("storyteller: --to must be a postgresql:// URL", file=sys.stderr)
        return ExitCode.USAGE
    async with await Database.open(target) as destination:
        print(f"Copying {app.db.path} into {destination.path} ...")
        copied = await copy_database(app.db, destination)
    print(f"Copied and verified, row for row: {copied.summary()}.")
    print("Now set DATABASE_URL to that URL (and keep the SQLite file as a backup until you are happy).")
    return 0


class Check(NamedTuple):
    """One line of ``python -m bot check``: passed when ``code`` is 0, else the exit code it stands for."""

    code: int
    text: str

    def line(self) -> str:
        return f"{'✓' if self.code == ExitCode.OK else '✗'} {self.text}"


def cmd_check(args: argparse.Namespace) -> int:
    """``check``: one line per check; exit 0 when all pass, else the code of the first that failed.

    ``--health`` only asks whether the running bot is connected (its heartbeat is fresh), and exits
    0 or 1 only: a container health check reserves 2. Neither opens a gateway connection.
    """
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(Check(ExitCode.USAGE, f"configuration: {exc}").line())
        return ExitCode.FAILED if args.health else ExitCode.USAGE
    if args.health:
        checks = [check_heartbeat(settings)]
    else:
        from bot.discord_adapter.runner import setup_logging

        setup_logging(settings)
        where = ".env and the environment" if Path(".env").is_file() else "the environment; no .env here"
        configuration = Check(ExitCode.OK, f"configuration: every setting can be used (from {where})")
        stories = check_stories_folder(settings.stories_dir)
        new = settings.database_url is None and not settings.database_path.exists()
        database, discord = asyncio.run(_database_and_discord(settings, new))
        checks = [configuration, database, stories, discord]
    for check in checks:
        line = check.line()
        print(line.replace(settings.discord_token, "[token hidden]") if settings.discord_token else line)
    return next((c.code for c in checks if c.code != ExitCode.OK), ExitCode.OK)


async def _database_and_discord(settings: Settings, new: bool) -> tuple[Check, Check]:
    return await check_database(settings, new), await check_discord(settings)


async def check_database(settings: Settings, new: bool) -> Check:
    """Open it as every command does: it opens, passes quick_check and takes a write (a new file is created)."""
    try:
        async with await Database.open(settings.database_target, create_folder=settings.creates_database_folder) as db:
            path = db.path
            stories = await App(settings, db).stories.count()
            schema = await db.user_version()
    except StorytellerError as exc:
        return Check(int(getattr(exc, "exit_code", ExitCode.FAILED)), str(exc))
    library = "created: a new, empty library" if new else f"{stories} stor{'y' if stories == 1 else 'ies'}"
    checked = "opens, passes quick_check, takes writes" if db.dialect.name == "sqlite" else "connects, migrated"
    return Check(ExitCode.OK, f"database {path}: {checked} (schema {schema}; {library})")


def check_stories_folder(folder: Path) -> Check:
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        return Check(ExitCode.FAILED, f"stories folder {folder}: {problem}; create it, or set STORIES_DIR")
    if not os.access(folder, os.R_OK | os.X_OK):
        return Check(ExitCode.FAILED, f"stories folder {folder}: not readable; make it readable for this user")
    scan = scan_folder(folder.resolve())
    count = len(scan.stories)
    text = f"stories folder {folder}: {count} story file{'s' * (count != 1)}"
    return Check(ExitCode.OK, text + (f", {len(scan.skipped)} other files skipped" if scan.skipped else ""))


async def check_discord(settings: Settings) -> Check:
    """With a token, the login request alone; without one, what ``python -m bot`` will do instead."""
    if not settings.has_token:
        return Check(
            ExitCode.OK,
            "Discord: no DISCORD_TOKEN set; `python -m bot` opens the offline console at a terminal "
            "(and exits 2 anywhere else)",
        )
    from bot.discord_adapter.runner import DiscordUnreachable, TokenRefused, probe_login

    try:
        who = await probe_login(settings)
    except TokenRefused as exc:
        return Check(exc.exit_code, "Discord: token refused; check DISCORD_TOKEN in .env (Bot → Reset Token)")
    except DiscordUnreachable as exc:
        return Check(exc.exit_code, f"Discord unreachable: {exc}")
    return Check(ExitCode.OK, f"Discord: token accepted as {who}")


def check_heartbeat(settings: Settings) -> Check:
    """Is the running bot connected? It touches its heartbeat file every 30 s while it is."""
    from bot.discord_adapter.heartbeat import STALE_AFTER, heartbeat_age, heartbeat_path

    path = heartbeat_path(settings)
    try:
        age = heartbeat_age(path)
    except OSError as exc:
        return Check(ExitCode.FAILED, f"bot: cannot read the heartbeat {path} ({exc.strerror})")
    if age is None:
        return Check(
            ExitCode.FAILED,
            f"bot: no heartbeat at {path}: not running on Discord, or not connected yet (the console writes none)",
        )
    if age >= STALE_AFTER:
        return Check(ExitCode.FAILED, f"bot: last heartbeat {age:.0f} s ago at {path}: not connected to Discord")
    return Check(ExitCode.OK, f"bot: connected to Discord (heartbeat {age:.0f} s ago)")


def package_version() -> str:
    """The installed package's version; in a checkout that was never installed, pyproject.toml's."""
    try:
        return metadata.version("storyteller-bot")
    except metadata.PackageNotFoundError:
        pass
    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return bot.__version__


class PrintVersion(argparse.Action):
    """``--version``: ``storyteller 0.1.0``, looked up only when asked (the metadata takes tens of ms)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"storyteller {package_version()}")
        parser.exit()


Command = Callable[[App, argparse.Namespace], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storyteller", description="Paced serial readings of stories in Discord.")
    parser.add_argument("--version", action=PrintVersion)
    parser.set_defaults(command=cmd_run, standalone=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "import", help="import story files, folders or links into the shared library (default: the stories folder)"
    )
    p.add_argument("paths", nargs="*", metavar="PATH|URL", help="story files, folders, or story pages (needs [fetch])")
    p.set_defaults(command=cmd_import)

    p = sub.add_parser(
        "update",
        help="fetch every story that came from a link again, for new chapters",
        description="Fetch every story that came from a link again, on every shelf: new chapters appear in "
        "place and serials waiting for them post them. Needs the fetch extra; run it as often as you like.",
    )
    p.set_defaults(command=cmd_update)

    p = sub.add_parser("stories", help="list the library")
    p.add_argument("--json", action="store_true", help="print JSON objects instead of a table")
    p.set_defaults(command=cmd_stories)

    p = sub.add_parser("preview", help="show a story's installments and messages as they will post")
    p.add_argument("slug", help="the story's slug or title")
    p.add_argument("--minutes", type=_positive_float, default=None, help="reading minutes per installment")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(command=cmd_preview)

    p = sub.add_parser("feedback", help="export readers' reactions and feedback per installment, for the author")
    p.add_argument("slug", help="the story's slug or title")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument(
        "--guild", type=int, metavar="ID", help="a story on this server's shelf (also one it removed with /remove)"
    )
    p.set_defaults(command=cmd_feedback)

    p = sub.add_parser("console", help="the bot's commands offline, in this terminal")
    p.add_argument("--speed", type=_speed, default=1.0, help="pace readings N times faster (e.g. 1000)")
    p.add_argument("--age-restricted", action="store_true", help="treat the console as an age-restricted channel")
    p.set_defaults(command=cmd_console)

    p = sub.add_parser("sync", help="sync the slash commands with Discord, then exit")
    p.add_argument("--guild", type=int, default=None, metavar="ID", help="sync to one guild only (instant)")
    p.set_defaults(command=cmd_sync)

    p = sub.add_parser("stats", help="what Discord answered the bot's requests: 429s, 5xx, invalid requests")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(command=cmd_stats)

    p = sub.add_parser(
        "migrate-db",
        help="copy this database into an empty PostgreSQL database, verifying every table's count",
        description="Copy everything in the database the settings name (SQLite by default) into an empty "
        "PostgreSQL database: stories, chapters, readings, schedules, deliveries, posts, reactions, feedback "
        "and settings. Stop the bot first. It refuses a database that is not empty, and keeps nothing there "
        "unless every count matches.",
    )
    p.add_argument("--to", required=True, metavar="postgresql://…", help="the empty PostgreSQL database")
    p.set_defaults(command=cmd_migrate_db)

    p = sub.add_parser("check", help="check the settings, the database, the stories folder and Discord, then exit")
    p.add_argument(
        "--health", action="store_true", help="only whether the running bot is connected (for health checks)"
    )
    p.set_defaults(standalone=cmd_check)  # it reports a bad setting or database as a line of its own
    return parser


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be between 0.1 and 100000")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.1 <= value <= 600:
        raise argparse.ArgumentTypeError("must be between 0.1 and 600 minutes")
    return value


async def run_command(settings: Settings, command: Command, args: argparse.Namespace) -> int:
    async with await Database.open(settings.database_target, create_folder=settings.creates_database_folder) as db:
        return await command(App(settings, db), args)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure a person can fix ends in one ``storyteller: ...`` line and an exit code.

    The codes are :class:`ExitCode` (README, "Exit codes and error lines"). Output cut short by its
    reader (``| head``) ends quietly with 141, like the standard tools killed by SIGPIPE.
    """
    try:
        code = _main(argv)
        sys.stdout.flush()  # a reader that went away shows here, not in the exit flush
        return code
    except BrokenPipeError:
        quiet_broken_stdout()
        return ExitCode.BROKEN_PIPE


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.standalone is not None:
        try:
            return int(args.standalone(args))
        except KeyboardInterrupt:
            return ExitCode.INTERRUPTED
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"storyteller: configuration error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    from bot.discord_adapter.runner import setup_logging

    setup_logging(settings)
    try:
        return asyncio.run(run_command(settings, args.command, args))
    except StorytellerError as exc:
        text = str(exc)
        if settings.discord_token:
            text = text.replace(settings.discord_token, "[token hidden]")
        print(f"storyteller: {text}", file=sys.stderr)
        return int(getattr(exc, "exit_code", ExitCode.FAILED))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
