"""Reading a console line as a slash command: the command path, then its options, by the specs.

``/schedule create story:fight-for-me every: daily at:20:00 "timezone:Europe/Paris"`` becomes the
``schedule create`` spec and ``{"story": "fight-for-me", "every": "daily", ...}``. Options are
written ``name:value`` or ``name: value``; quotes keep spaces in a value (``title:"fight for me"``).
Words after a text option's value go on with that value (``every:6 hours``); words before any
option fill the command's first required option (``/story fight for me``), else its first
free-text option (``/library night``). Values are converted and checked with the
same kinds, ranges and choices as on Discord; every mistake is an :class:`InvalidOption` whose
message names the option and what it accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app.specs import COMMANDS, GROUPS, Command, Kind, Option
from bot.core.errors import InvalidOption, echo

OPTION = re.compile(r"^([A-Za-z_][\w-]*):(.*)$", re.DOTALL)
QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»"}
TRUE = {"true", "yes", "y", "on", "1"}
FALSE = {"false", "no", "n", "off", "0"}
UNKNOWN_COMMAND = "Unknown command"
POSITIONAL_KINDS = {Kind.STR, Kind.INT, Kind.FLOAT, Kind.BOOL}


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    quoted: bool  # the token began with a quote: "timezone:Europe/Paris" or "fight: the musical"
    spelled: bool = False  # a quoted part came after a colon: ``search:""`` is an empty value, given


@dataclass(frozen=True, slots=True)
class Place:
    """Where console commands run: one server, one channel (channel options name it or nothing)."""

    channel_id: int = 1
    channel_name: str = "console"


@dataclass(frozen=True, slots=True)
class Invocation:
    """A parsed command: its spec and a value for every option (the default where none was given)."""

    command: Command
    values: dict[str, Any]
    given: frozenset[str]  # the options typed (or filled by positional words)

    @property
    def path(self) -> tuple[str, ...]:
        return self.command.path


def tokenize(text: str) -> list[Token]:
    """Split on spaces; a quote opens a quoted part at the start of a word or right after ``name:``.

    An apostrophe inside a word (``Buffy's``) is just a letter, and a quote never closed is too.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        buf: list[str] = []
        quoted = spelled = False
        while i < n and not text[i].isspace():
            ch = text[i]
            close = QUOTES.get(ch)
            if close is not None and (not buf or buf[-1] == ":"):
                end = text.find(close, i + 1)
                if end != -1:
                    quoted = quoted or not buf
                    spelled = spelled or bool(buf)
                    buf.append(text[i + 1 : end])
                    i = end + 1
                    continue
            buf.append(ch)
            i += 1
        tokens.append(Token("".join(buf), quoted, spelled))
    return tokens


def resolve(words: list[str], commands: Iterable[Command] = COMMANDS) -> tuple[Command, int]:
    """The command a line names, and how many words its name took."""
    commands = list(commands)
    if not words:
        raise InvalidOption("Type a command after the slash, e.g. `/story fight-for-me`. Type /help for the list.")
    first = words[0].lower()
    top = [c for c in commands if c.path[0] == first]
    if not top:
        raise InvalidOption(f"{UNKNOWN_COMMAND} /{echo(words[0], 40)}. Type /help for the list of commands.")
    if len(top) == 1 and len(top[0].path) == 1:
        return top[0], 1
    names = ", ".join(c.path[1] for c in top)
    if len(words) < 2:
        raise InvalidOption(f"/{first} needs a subcommand: {names}. E.g. `/{top[0].name}`.")
    second = words[1].lower().replace("_", "-")
    for command in top:
        if command.path[1] == second:
            return command, 2
    raise InvalidOption(f"{UNKNOWN_COMMAND} /{first} {echo(words[1], 40)}. /{first} has: {names}.")


def parse_line(line: str, place: Place | None = None, commands: Iterable[Command] = COMMANDS) -> Invocation:
    """Parse one console line (it starts with ``/``) into an :class:`Invocation`."""
    text = line.strip()
    if not text.startswith("/"):
        raise InvalidOption("Commands start with /, e.g. `/story fight-for-me`. Type /help for the list.")
    tokens = tokenize(text[1:])
    command, used = resolve([t.text for t in tokens], commands)
    return parse_options(command, tokens[used:], place or Place())


def parse_options(command: Command, tokens: list[Token], place: Place) -> Invocation:
    raw: dict[str, str] = {}
    positional: list[str] = []
    growing: str | None = None  # a free-text option whose value goes on over the following words
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        option = _option_of(command, token)
        if option is None:
            if growing is not None:
                raw[growing] += " " + token.text  # ``every:6 hours``, ``search:night sky``
            else:
                positional.append(token.text)
            continue
        name, value = option
        if name in raw:
            raise InvalidOption(f"The option `{name}` is given twice.")
        if value == "" and not token.spelled:
            # ``name: value``: the value is the next word, unless that word is an option itself
            if i < len(tokens) and _option_of(command, tokens[i]) is None:
                value = tokens[i].text
                i += 1
            else:
                raise InvalidOption(
                    f"The option `{name}` needs a value ({_accepts(command.option(name))}), "
                    f"e.g. `{name}:{_example(command, name)}`."
                )
        raw[name] = value
        spec = command.option(name)
        growing = name if spec is not None and spec.kind is Kind.STR and not spec.choices else None
    if positional:
        target = _positional_target(command, raw)
        if target is None:
            if not command.options:
                raise InvalidOption(f"/{command.name} takes no options: `{echo(' '.join(positional), 40)}`?")
            raise InvalidOption(
                f"`{echo(' '.join(positional), 40)}` is not an option of /{command.name}. "
                f"Write options as name:value; its options are {_names(command)}."
            )
        raw[target.name] = " ".join(positional)
    values: dict[str, Any] = {}
    for option in command.options:
        if option.name in raw:
            values[option.name] = convert(option, raw[option.name], place)
        elif option.kind is Kind.CHANNEL:
            values[option.name] = place.channel_id  # the console has one channel: it is the default
        elif option.required:
            raise InvalidOption(
                f"/{command.name} needs the option `{option.name}` ({option.description}), "
                f"e.g. `/{command.name} {option.name}:{_example(command, option.name)}`."
            )
        else:
            values[option.name] = option.default
    return Invocation(command, values, frozenset(raw))


def _option_of(command: Command, token: Token) -> tuple[str, str] | None:
    """``(name, value)`` when a token is an option of ``command``; ``None`` when it is plain text.

    A lowercase ``word:`` that is no option of the command is refused, naming the ones it has;
    ``Buffy:`` or a quoted ``"Buffy: the musical"`` is text.
    """
    match = OPTION.match(token.text)
    if match is None:
        return None
    key, value = match.group(1), match.group(2)
    name = key.lower()
    if name in command.names:
        return name, value
    if token.quoted or key != name:
        return None
    if not command.options:
        raise InvalidOption(f"/{command.name} takes no options, and `{echo(key, 32)}` is not one.")
    raise InvalidOption(f"/{command.name} has no option `{echo(key, 32)}`. Its options: {_names(command)}.")


def _positional_target(command: Command, raw: dict[str, str]) -> Option | None:
    free = [o for o in command.options if o.name not in raw and o.kind in POSITIONAL_KINDS]
    required = [o for o in free if o.required]
    if required:
        return required[0]
    return next((o for o in free if o.kind is Kind.STR and not o.choices), None)


def _names(command: Command) -> str:
    return ", ".join(o.name for o in command.options)


def _example(command: Command, name: str) -> str:
    option = command.option(name)
    if option is None:
        return "…"
    if option.choices:
        return str(option.choices[0].value)
    return {
        Kind.BOOL: "true",
        Kind.INT: str(int(option.min_value or 1)),
        Kind.FLOAT: f"{option.min_value or 1:g}",
        Kind.CHANNEL: "#console",
        Kind.ROLE: "123456789",
        Kind.USER: "123456789",
        Kind.ATTACHMENT: "path/to/file",
    }.get(option.kind, "fight-for-me")


def _accepts(option: Option | None) -> str:
    """What an option takes, in words: ``a number from 0.5 to 120``, ``one of G, PG, T``."""
    if option is None:
        return "text"
    if option.choices:
        return "one of " + ", ".join(str(c.value) for c in option.choices)
    if option.kind is Kind.INT:
        return f"a whole number{_range(option)}"
    if option.kind is Kind.FLOAT:
        return f"a number{_range(option)}"
    if option.kind is Kind.BOOL:
        return "true or false"
    if option.kind is Kind.STR:
        return "text"
    return f"a {option.kind.value}"


def _range(option: Option) -> str:
    low, high = option.min_value, option.max_value
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" of at least {low:g}"
    if high is not None:
        return f" of at most {high:g}"
    return ""


def convert(option: Option, text: str, place: Place) -> Any:
    """A typed value for ``option``, checked as Discord checks it; :class:`InvalidOption` if not."""
    value = text.strip()
    shown = echo(value, 40)
    if option.kind is Kind.STR:
        return _text(option, value)
    if option.kind is Kind.BOOL:
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise InvalidOption(f"The option `{option.name}` is true or false (or yes/no): `{shown}` is neither.")
    if option.kind in (Kind.INT, Kind.FLOAT):
        return _number(option, value)
    if option.kind is Kind.CHANNEL:
        return _channel(option, value, place)
    if option.kind in (Kind.ROLE, Kind.USER):
        digits = value.removeprefix("<").removesuffix(">").lstrip("@&!")
        if option.kind is Kind.USER and value.lower() in {"me", "@me"}:
            return 1
        if not digits.isdigit():
            raise InvalidOption(
                f"The option `{option.name}` takes a {option.kind.value} id (e.g. `{option.name}:123456789`): "
                f"the console has no {option.kind.value}s to look `{shown}` up by name."
            )
        return int(digits)
    path = Path(value).expanduser()  # Kind.ATTACHMENT: a file on this computer
    if path.is_dir():
        raise InvalidOption(f"The option `{option.name}` takes a file: `{shown}` is a folder.")
    if not path.is_file():
        raise InvalidOption(f"The option `{option.name}` takes a file: there is no file `{shown}`.")
    return path


def _text(option: Option, value: str) -> str:
    if option.choices:
        for choice in option.choices:
            if str(choice.value).lower() == value.lower():
                return str(choice.value)
        allowed = ", ".join(str(c.value) for c in option.choices)
        raise InvalidOption(f"The option `{option.name}` is one of {allowed}: `{echo(value, 40)}` is not.")
    low, high = option.min_length, option.max_length
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        raise InvalidOption(
            f"The option `{option.name}` takes {low or 0} to {high if high is not None else 'any number of'} "
            f"characters, not {len(value)}."
        )
    return value


def _number(option: Option, value: str) -> int | float:
    whole = option.kind is Kind.INT
    what = "a whole number" if whole else "a number"
    wanted = f"The option `{option.name}` takes {what}{_range(option)}"
    try:
        number: int | float = int(value.removeprefix("#")) if whole else float(value.replace(",", "."))
    except ValueError:
        raise InvalidOption(f"{wanted}: `{echo(value, 40)}` is not one.") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidOption(f"{wanted}: `{echo(value, 40)}` is not one.")
    low, high = option.min_value, option.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise InvalidOption(f"{wanted}: {number:g} is out of range.")
    return number


def _channel(option: Option, value: str, place: Place) -> int:
    name = value.removeprefix("<").removesuffix(">").lstrip("#").lower()
    if name in {place.channel_name, str(place.channel_id), "here", "this"}:
        return place.channel_id
    raise InvalidOption(
        f"The console has one channel, #{place.channel_name}: the option `{option.name}` can only name it "
        f"(or leave it out), not `{echo(value, 40)}`."
    )


def usage(command: Command) -> str:
    """``/schedule create STORY [every:EVERY] [minutes:0.5-120] …``: one line of help, from the spec."""
    parts = [f"/{command.name}"]
    first = _positional_target(command, {})
    for option in command.options:
        if option.kind is Kind.CHANNEL:
            continue  # the console's one channel
        if option.choices:
            shape = "|".join(str(c.value) for c in option.choices)
        elif option.kind in (Kind.INT, Kind.FLOAT):
            low, high = option.min_value, option.max_value
            shape = f"{low:g}-{high:g}" if low is not None and high is not None else "N"
        else:
            shape = {Kind.STR: option.name.upper(), Kind.BOOL: "true|false", Kind.ATTACHMENT: "FILE"}.get(
                option.kind, "ID"
            )
        if option is first and option.required:
            parts.append(shape if option.kind is Kind.STR else f"{option.name}:{shape}")
        else:
            parts.append(f"[{option.name}:{shape}]")
    return " ".join(parts)


def help_text(commands: Iterable[Command] = COMMANDS) -> str:
    lines = ["Commands (as on Discord; options as name:value or name: value, quotes for spaces):"]
    group = None
    for command in commands:
        if len(command.path) > 1 and command.path[0] != group:
            group = command.path[0]
            lines.append(f"  /{group}: {GROUPS.get(group, '')}")
        indent = "    " if len(command.path) > 1 else "  "
        lines.append(f"{indent}{usage(command)}")
        lines.append(f"{indent}    {command.description}")
    lines.append("  NUMBER   pick one of the numbered choices shown last (buttons on Discord)")
    lines.append("  /help    this list;  /quit or Ctrl+D   leave (a live reading resumes at the next start)")
    return "\n".join(lines)


def completions(typed: str, commands: Iterable[Command] = COMMANDS) -> list[str]:
    """What Tab may complete the last word of ``typed`` to: a command, a subcommand, an option name."""
    commands = list(commands)
    words = typed.split()
    current = "" if typed[-1:].isspace() or not words else words[-1]
    done = words if current == "" else words[:-1]
    if not done:
        if not current.startswith("/") and current:
            return []
        names = dict.fromkeys(f"/{c.path[0]}" for c in commands)
        return [f"{n} " for n in [*names, "/help", "/quit"] if n.startswith(current or "/")]
    first = done[0].lstrip("/").lower()
    group = [c for c in commands if c.path[0] == first]
    if not group:
        return []
    if len(group) > 1 and len(done) == 1:
        return [f"{c.path[1]} " for c in group if c.path[1].startswith(current.lower())]
    try:
        command, _ = resolve([w.lstrip("/") for w in done[:2]], group)
    except InvalidOption:
        return []
    present = {w.split(":", 1)[0].lower() for w in done if ":" in w}
    return [f"{o.name}:" for o in command.options if o.name not in present and o.name.startswith(current.lower())]
