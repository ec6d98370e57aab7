"""Fuzz: thousands of random invocations of every command and option, through the real discord.py stack.

Invocations are generated from the command specs (``bot/app/specs.py``), so a new command or option
is fuzzed without touching this file: arbitrary Unicode up to Discord's 6,000 characters for text,
the edges of every number range, booleans, channels and roles, typed into every autocomplete, and
the feedback form submitted; by an admin and by a member (who is let to see the admin commands, so
the bot's own checks are what refuses them), in an ordinary and an age-restricted channel.

Every interaction must be answered exactly once (a message, a form, suggestions, or a defer then a
follow-up), well within Discord's 3 seconds; every request the bot makes must keep to Discord's
limits (:func:`bot.discord_adapter.limits.violations`); nothing may fail unexpectedly; and after it
all the bot still answers ``/rating fight-for-me``. Hypothesis generates the batches with a fixed
seed (``derandomize``), so a run is the same on every machine.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.app import specs
from bot.core.errors import FetchFailed
from bot.core.states import Control
from bot.discord_adapter.errors import error_text
from bot.discord_adapter.limits import violations
from bot.library.fetch import FetchedStory, checked_url
from bot.services import LinkFetcher
from tests.discord_adapter.conftest import age_restrict

BATCHES = 200
PER_BATCH = 10  # invocations per hypothesis example; autocompletes and form submissions come on top
SEGMENTS = 4  # each on a fresh bot: SimCord's settling slows down as a long session's timers pile up
DEADLINE = 3.0  # seconds, Discord's limit for the first response
TEXT_MAX = 6000  # what Discord delivers at most for a string option
INT_EDGE = 2**53 - 1  # Discord's integer range

GOOD = {  # values that get past the parsing, so the fuzz reaches what comes after it too
    "title": ["fight-for-me", "midnight-heat", "grey-areas", "Fight For Me", "singing violin"],
    "story": ["fight-for-me", "midnight-heat", "grey-areas"],
    "every": ["daily", "weekdays", "weekly", "friday", "6 hours", "0 20 * * 1,3,5", "* * * * *"],
    "at": ["20:00", "8pm", "00:00", "23:59", "24:00", "12am"],
    "start": ["2026-12-01", "2020-01-01", "2999-12-31", "2026-02-30"],
    "timezone": ["Europe/Paris", "UTC", "America/New_York", "Pacific/Kiritimati", "Mars/Olympus"],
    "search": ["fight", "Angel", "night"],
    "fandom": ["Angel", "Original"],
    "url": ["https://archiveofourown.org/works/1", "http://test1.com?sid=2", "ftp://x", "https://u:p@h/s"],
}

# Arbitrary Unicode, short or long (long ones are cheap repetitions: generating 6,000 random
# characters per option would make the fuzz slow without finding more).
chunk = st.text(st.characters(codec=None), max_size=24)
long_text = st.builds(lambda s, n: (s * n)[:TEXT_MAX], chunk.filter(bool), st.integers(1, TEXT_MAX))
any_text = st.one_of(chunk, long_text, st.just("x" * TEXT_MAX), st.just(" " * 50), st.just("`*_~|>@everyone"))
STORY_TEXT = b"Title: Fuzzed\nAuthor: F\nRating: T\n\n" + b"Words in a row. " * 300
# Attachments: names with and without a story suffix, contents a story, nothing, or noise.
attachments = st.tuples(
    st.one_of(
        st.sampled_from(["story.txt", "story.md", "book.epub", "page.html", "setup.exe", "noext", ".txt"]),
        st.builds(lambda stem, suffix: stem + suffix, chunk, st.sampled_from([".txt", ".epub", ".html", ""])),
    ),
    st.one_of(st.just(STORY_TEXT), st.just(b""), st.binary(max_size=2048)),
)


@dataclass(frozen=True)
class Call:
    """One invocation: who, where, which command, with what; plus what to type and submit after."""

    path: tuple[str, ...]
    options: dict[str, Any]  # entity options hold ("channel", n) / ("role", n) references
    admin: bool
    restricted: bool
    typed: tuple[tuple[str, str], ...] = ()  # (option, text) typed into autocomplete
    form_text: str = ""  # what goes into a form the command opens

    def __repr__(self) -> str:
        shown = {
            k: (v[:40] + f"…({len(v)})" if isinstance(v, str) and len(v) > 40 else v) for k, v in self.options.items()
        }
        who = "admin" if self.admin else "member"
        where = "age-restricted" if self.restricted else "ordinary"
        return f"/{' '.join(self.path)} {shown} as {who} in {where} channel"


def option_values(option: specs.Option) -> st.SearchStrategy[Any]:
    kind = option.kind
    if option.choices:
        return st.sampled_from([c.value for c in option.choices])
    if kind is specs.Kind.STR:
        good = GOOD.get(option.name, [])
        text = any_text.map(lambda t: t[: option.max_length]) if option.max_length else any_text
        return st.one_of(text, st.sampled_from(good)) if good else text
    if kind is specs.Kind.INT:
        low = int(option.min_value) if option.min_value is not None else -INT_EDGE
        high = int(option.max_value) if option.max_value is not None else INT_EDGE
        edges = sorted({v for v in (low, high, 0, -1, 1, 2, 3, low + 1, high - 1) if low <= v <= high})
        return st.one_of(st.sampled_from(edges), st.integers(low, high))
    if kind is specs.Kind.FLOAT:
        low = float(option.min_value) if option.min_value is not None else -float(INT_EDGE)
        high = float(option.max_value) if option.max_value is not None else float(INT_EDGE)
        edges = sorted({v for v in (low, high, 0.0, -1.0, 1.0, 1e-9, (low + high) / 2) if low <= v <= high})
        return st.one_of(st.sampled_from(edges), st.floats(low, high, allow_nan=False, allow_infinity=False))
    if kind is specs.Kind.BOOL:
        return st.booleans()
    if kind is specs.Kind.CHANNEL:
        return st.tuples(st.just("channel"), st.integers(0, 1))
    if kind is specs.Kind.ROLE:
        return st.tuples(st.just("role"), st.integers(0, 1))
    if kind is specs.Kind.USER:
        return st.tuples(st.just("user"), st.integers(0, 1))
    if kind is specs.Kind.ATTACHMENT:
        return attachments
    raise AssertionError(f"no fuzz values for {kind}")


@st.composite
def calls(draw: st.DrawFn) -> Call:
    command = draw(st.sampled_from(specs.COMMANDS))
    options: dict[str, Any] = {}
    for option in command.options:
        if option.required or draw(st.booleans()):
            options[option.name] = draw(option_values(option))
    typed = tuple(
        (o.name, draw(st.one_of(any_text, st.sampled_from(GOOD.get(o.name, [""])))))
        for o in command.options
        if o.autocomplete and draw(st.booleans())
    )
    form_text = draw(st.one_of(st.text(st.characters(codec=None), min_size=2, max_size=40), st.just("ok " * 666)))
    return Call(command.path, options, draw(st.booleans()), draw(st.booleans()), typed, form_text)


@functools.cache
def generate_batches() -> list[list[Call]]:
    batches: list[list[Call]] = []

    @settings(
        max_examples=BATCHES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(calls(), min_size=PER_BATCH, max_size=PER_BATCH))
    def collect(batch: list[Call]) -> None:
        batches.append(batch)

    collect()
    return batches


def text_input_id(components: list[dict[str, Any]]) -> str:
    for item in components:
        if item.get("type") == 4:
            return item["custom_id"]
        inner = [*item.get("components", []), *([item["component"]] if item.get("component") else [])]
        if inner:
            try:
                return text_input_id(inner)
            except LookupError:
                continue
    raise LookupError("no text input in the form")


@dataclass
class Tally:
    interactions: int = 0
    slowest: float = 0.0
    problems: list[str] = field(default_factory=list)


class Fuzzer:
    def __init__(self, env, guild, channels, roles, users, admin, member) -> None:
        self.env, self.guild = env, guild
        self.channels, self.roles, self.users = channels, roles, users
        self.admin, self.member = admin, member
        self.tally = Tally()
        self.errors_seen = 0

    def resolve(self, value: Any) -> Any:
        if isinstance(value, tuple) and len(value) == 2 and value[0] in ("channel", "role", "user"):
            return {"channel": self.channels, "role": self.roles, "user": self.users}[value[0]][value[1]]
        return value

    async def checked(self, what: str, action) -> Any:
        """Run one interaction; it must be answered once, in time, within every limit."""
        before = len(self.env.http_requests)
        started = time.perf_counter()
        result = await action()
        took = time.perf_counter() - started
        self.tally.interactions += 1
        self.tally.slowest = max(self.tally.slowest, took)
        sent = self.env.http_requests[before:]
        callbacks = [r for r in sent if r.path.endswith("/callback")]
        problems = [f"{r.method} {r.path}: {p}" for r in sent for p in violations(r.method, r.path, r.json)]
        if took >= DEADLINE:
            problems.append(f"answered after {took:.2f} s")
        acknowledged = getattr(result, "acknowledged", bool(callbacks))  # autocomplete answers a list
        if not acknowledged or len(callbacks) != 1:
            problems.append(f"{len(callbacks)} initial responses, acknowledged={acknowledged}")
        elif callbacks[0].json.get("type") == 5 and not any(r.path.startswith("/webhooks/") for r in sent):
            problems.append("deferred and never followed up")
        problems += self.unexpected_errors()
        if problems:
            pytest.fail(f"{what}:\n  " + "\n  ".join(p[:600] for p in problems))
        return result

    def unexpected_errors(self) -> list[str]:
        """Refusals are expected (the funnel answered them); an error with no text for a person is a bug."""
        errors = self.env.errors[self.errors_seen :]
        self.errors_seen += len(errors)
        return [f"unexpected {type(e).__name__}: {e}" for e in errors if error_text(e) is None]

    async def run(self, call: Call) -> None:
        actor = self.admin if call.admin else self.member
        channel = self.channels[1 if call.restricted else 0]
        name = " ".join(call.path)
        options = {k: self.resolve(v) for k, v in call.options.items()}
        for option, text in call.typed:
            filled = {k: v for k, v in options.items() if k != option}
            await self.checked(
                f"autocomplete {option}={text[:40]!r} of {call!r}",
                lambda o=option, t=text, f=filled: actor.autocomplete(channel, name, o, t, **f),
            )
        result = await self.checked(repr(call), lambda: actor.slash(channel, name, **options))
        if result.modal is not None:
            custom_id = text_input_id(result.modal["components"])
            await self.checked(
                f"form {call.form_text[:40]!r} after {call!r}",
                lambda: actor.submit_modal(result, {custom_id: call.form_text}),
            )

    async def quiet(self) -> None:
        """Stop the live readings and cancel the schedules a batch started, so they do not pile up."""
        bot = self.env.bot
        for channel in self.channels:
            for target in [channel, *channel.threads]:
                if await bot.services.live_readings.get(target.id) is not None:
                    await bot.readings.live.control(target.id, Control.STOP)
        for schedule in await bot.services.schedules.for_guild(self.guild.id):
            await bot.readings.serials.cancel(self.guild.id, schedule.id)
        self.tally.problems += self.unexpected_errors()


async def offline_fetch(self: LinkFetcher, url: str) -> FetchedStory:
    """Links are checked as for real, then fail as an unreachable site would: the fuzz stays off the network."""
    raise FetchFailed(f"{checked_url(url)} could not be reached (the fuzz runs offline).")


@pytest.fixture
def fuzz_world(simcord_env, monkeypatch):
    monkeypatch.setattr(LinkFetcher, "__call__", offline_fetch)
    env = simcord_env
    guild = env.create_guild()
    ordinary = guild.create_text_channel("general")
    restricted = guild.create_text_channel("after-dark")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    readers = guild.create_role("Readers")
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    member = guild.add_member(env.create_user("member"), roles=[readers])
    age_restrict(env, restricted)
    # Admin commands are hidden from members by default permissions; here the server lets this
    # member see them, so the bot's own checks are what must refuse them.
    for name in ("settings", "schedule", "import", "remove"):
        command = env.backend.find_command(name, guild.id)
        guild.set_command_permissions(int(command["id"]), {member: True})
    return Fuzzer(env, guild, [ordinary, restricted], [readers, admins], [admin, member], admin, member)


def test_the_fuzz_covers_every_command_with_thousands_of_invocations():
    batches = generate_batches()
    assert len(batches) == BATCHES and sum(len(b) for b in batches) >= 2000
    covered = {call.path for batch in batches for call in batch}
    assert covered == {c.path for c in specs.COMMANDS}, "every command is fuzzed"
    options = {(call.path, name) for batch in batches for call in batch for name in call.options}
    assert options == {(c.path, o.name) for c in specs.COMMANDS for o in c.options}, "every option is fuzzed"


@pytest.mark.simcord(settle_timeout=1.0)
@pytest.mark.parametrize("segment", range(SEGMENTS))
async def test_random_invocations_are_each_answered_once_within_limits(fuzz_world, caplog, segment):
    fuzzer = fuzz_world
    size = BATCHES // SEGMENTS
    batches = generate_batches()[segment * size : (segment + 1) * size]
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR, logger="bot"):
        for batch in batches:
            for call in batch:
                await fuzzer.run(call)
            await fuzzer.quiet()
    took = time.perf_counter() - started

    assert fuzzer.tally.interactions >= size * PER_BATCH
    assert not fuzzer.tally.problems, fuzzer.tally.problems
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("bot")]
    assert not logged, logged[:5]
    channel = fuzzer.channels[0]
    final = await fuzzer.member.slash(channel, "rating", title="fight-for-me")
    assert final.acknowledged and final.response.embeds[0].title == "Rating: Fight For Me"
    print(
        f"\nfuzz: {fuzzer.tally.interactions} interactions in {took:.1f} s, "
        f"slowest answer {fuzzer.tally.slowest * 1000:.0f} ms"
    )
