"""Discord's limits on what a bot sends, enforced in one place (see docs/discord-limits.md).

Every path that sends something goes through here: :func:`bot.discord_adapter.context.respond`
(and so the error funnel) fits message content and embeds, the render functions fit their
embeds, the cogs wrap their autocomplete handlers with :func:`fitted` and fit the forms they
open with :func:`fit_modal`. Discord answers anything over a limit with 400 (error 50035) and
the person sees "the application did not respond"; clipping here keeps the answer within the
limits instead. Lengths are in code points, what ``len()`` counts.

:func:`violations` checks a raw request body (a message, an interaction callback, a thread) against
the same limits: the tests hold everything the bot sent to it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
MODAL_TITLE = 45
INPUT_LABEL = 45
INPUT_PLACEHOLDER = 100
INPUT_VALUE = 4000
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_PLACEHOLDER = 150
SELECT_OPTIONS = 25
THREAD_NAME = 100
ACTION_ROWS = 5
TYPED = 200  # what autocomplete looks at of a typed value (an option's value may be 6,000 characters)

ELLIPSIS = "…"
BLANK = "\u200b"  # a field's name or value may not be empty: Discord takes a zero-width space

Choice = TypeVar("Choice", bound=app_commands.Choice[Any])


def clip(text: str, limit: int) -> str:
    """``text`` without surrounding whitespace, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = str(text).strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    return text[: limit - 1].rstrip() + ELLIPSIS


def fit_content(content: str | None) -> str | None:
    """Message text within 2,000 characters; ``None`` stays ``None``."""
    if content is None:
        return None
    content = str(content)
    return content if len(content) <= CONTENT else clip(content, CONTENT)


def embed_size(embed: discord.Embed) -> int:
    """What Discord counts towards the 6,000 characters: discord.py's ``len(embed)``."""
    return len(embed)


def _clip_or_none(text: Any, limit: int) -> str | None:
    if text is None:
        return None
    clipped = clip(text, limit)
    return clipped or None


def fit_embed(embed: discord.Embed, total: int = EMBED_TOTAL) -> discord.Embed:
    """Every field of ``embed`` within its own limit, and the whole within ``total`` (6,000).

    The description gives way first, then the field values from the last, then whole fields from
    the last, then the footer, author and title: what a reader needs most goes last.
    """
    if embed.title is not None:
        embed.title = _clip_or_none(embed.title, EMBED_TITLE)
    if embed.description is not None:
        embed.description = _clip_or_none(embed.description, EMBED_DESCRIPTION)
    fields = [
        (clip(f.name or "", FIELD_NAME) or BLANK, clip(f.value or "", FIELD_VALUE) or BLANK, bool(f.inline))
        for f in embed.fields[:EMBED_FIELDS]
    ]
    embed.clear_fields()
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    footer = embed.footer
    if footer.text is not None:
        embed.set_footer(text=_clip_or_none(footer.text, FOOTER), icon_url=footer.icon_url)
    author = embed.author
    if author.name is not None:
        embed.set_author(name=clip(author.name, AUTHOR) or BLANK, url=author.url, icon_url=author.icon_url)
    _shrink(embed, max(0, total))
    return embed


def _shrink(embed: discord.Embed, total: int) -> None:
    excess = embed_size(embed) - total
    if excess <= 0:
        return
    if embed.description:
        keep = len(embed.description) - excess
        embed.description = clip(embed.description, keep) if keep >= 20 else None
        excess = embed_size(embed) - total
    index = len(embed.fields) - 1
    while excess > 0 and index >= 0:
        field = embed.fields[index]
        keep = len(field.value or "") - excess
        if keep >= 20:
            embed.set_field_at(index, name=field.name, value=clip(field.value or "", keep), inline=field.inline)
        else:
            embed.remove_field(index)
        excess = embed_size(embed) - total
        index -= 1
    for part in ("footer", "author", "title"):
        if excess <= 0:
            return
        if part == "footer" and embed.footer.text:
            keep = len(embed.footer.text) - excess
            embed.set_footer(text=clip(embed.footer.text, keep) if keep > 0 else None, icon_url=embed.footer.icon_url)
        elif part == "author" and embed.author.name:
            keep = len(embed.author.name) - excess
            if keep > 0:
                embed.set_author(
                    name=clip(embed.author.name, keep), url=embed.author.url, icon_url=embed.author.icon_url
                )
            else:
                embed.remove_author()
        elif part == "title" and embed.title:
            keep = len(embed.title) - excess
            embed.title = clip(embed.title, keep) if keep > 0 else None
        excess = embed_size(embed) - total


def fit_embeds(embeds: Iterable[discord.Embed]) -> list[discord.Embed]:
    """At most ten embeds, each within its limits, all together within 6,000 characters."""
    fitted: list[discord.Embed] = []
    budget = EMBED_TOTAL
    for embed in list(embeds)[:EMBEDS]:
        if budget <= 0:
            break
        fit_embed(embed, budget)
        budget -= embed_size(embed)
        fitted.append(embed)
    return fitted


def fit_message(content: str | None, kwargs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Content and ``embed``/``embeds`` keyword arguments of a send, within Discord's limits."""
    content = fit_content(content)
    embed = kwargs.get("embed")
    embeds = kwargs.get("embeds")
    if embed is not None and embeds:
        kwargs.pop("embed")
        embeds = [embed, *embeds]
    if embeds:
        kwargs["embeds"] = fit_embeds(embeds)
    elif embed is not None:
        kwargs["embed"] = fit_embed(embed)
    has_more = bool(kwargs.get("embed") or kwargs.get("embeds") or kwargs.get("file") or kwargs.get("files"))
    if content is not None and not content.strip() and not has_more:
        content = ELLIPSIS  # Discord refuses an empty message (50006)
    return content, kwargs


def fit_choices(choices: Iterable[Choice]) -> list[Choice]:
    """At most 25 choices, each named 1 to 100 characters, string values at most 100."""
    fitted: list[Choice] = []
    for choice in choices:
        value = choice.value
        if isinstance(value, str):
            value = value[:CHOICE_VALUE]
            if not value:
                continue
        name = clip(choice.name, CHOICE_NAME) or clip(str(value), CHOICE_NAME)
        if not name:
            continue
        fitted.append(type(choice)(name=name, value=value))  # type: ignore[arg-type]
        if len(fitted) == CHOICES:
            break
    return fitted


Handler = Callable[[Any, str], Awaitable[list[Any]]]


def fitted(handler: Handler) -> Handler:
    """An autocomplete handler that answers within the limits, and never with an error.

    The typed value is cut to :data:`TYPED` characters (nothing longer names a story or a zone),
    and a failing handler answers no suggestions instead of leaving the box spinning.
    """

    @functools.wraps(handler)
    async def answer(interaction: Any, current: str) -> list[Any]:
        try:
            return fit_choices(await handler(interaction, (current or "")[:TYPED]))
        except Exception:
            log.exception("Autocomplete %s failed for %r", getattr(handler, "__name__", handler), current[:TYPED])
            return []

    return answer


def fit_modal(modal: discord.ui.Modal) -> discord.ui.Modal:
    """A form's title, labels and text boxes within Discord's limits."""
    modal.title = clip(modal.title, MODAL_TITLE) or "Storyteller"
    label_kind = getattr(discord.ui, "Label", None)
    for item in modal.walk_children():
        if label_kind is not None and isinstance(item, label_kind):
            item.text = clip(item.text, INPUT_LABEL) or "Text"
            if item.description:
                item.description = clip(item.description, INPUT_PLACEHOLDER)
        if not isinstance(item, discord.ui.TextInput):
            continue
        underlying = item._underlying  # the label on the input itself (deprecated in favour of ui.Label)
        if underlying.label and len(underlying.label) > INPUT_LABEL:
            underlying.label = clip(underlying.label, INPUT_LABEL)
        if item.placeholder:
            item.placeholder = clip(item.placeholder, INPUT_PLACEHOLDER)
        maximum = min(INPUT_VALUE, max(1, item.max_length or INPUT_VALUE))
        if item.max_length != maximum:
            item.max_length = maximum
        if item.min_length is not None:
            item.min_length = max(0, min(item.min_length, maximum))
        if item.default:
            item.default = item.default[:maximum]
    return modal


# Checking a request body -------------------------------------------------------------------------


def _over(problems: list[str], where: str, text: Any, limit: int, *, minimum: int = 0) -> None:
    if text is None:
        return
    size = len(str(text))
    if size > limit or size < minimum:
        problems.append(f"{where}: {size} characters (allowed {minimum} to {limit})")


def embed_violations(embeds: list[dict[str, Any]], where: str = "embeds") -> list[str]:
    problems: list[str] = []
    if len(embeds) > EMBEDS:
        problems.append(f"{where}: {len(embeds)} embeds (at most {EMBEDS})")
    total = 0
    for n, embed in enumerate(embeds):
        at = f"{where}[{n}]"
        title, description = embed.get("title"), embed.get("description")
        _over(problems, f"{at}.title", title, EMBED_TITLE)
        _over(problems, f"{at}.description", description, EMBED_DESCRIPTION)
        total += len(str(title or "").strip()) + len(str(description or "").strip())
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            problems.append(f"{at}.fields: {len(fields)} fields (at most {EMBED_FIELDS})")
        for i, field in enumerate(fields):
            name, value = str(field.get("name", "")), str(field.get("value", ""))
            _over(problems, f"{at}.fields[{i}].name", name, FIELD_NAME, minimum=1)
            _over(problems, f"{at}.fields[{i}].value", value, FIELD_VALUE, minimum=1)
            total += len(name.strip()) + len(value.strip())
        footer = (embed.get("footer") or {}).get("text")
        author = (embed.get("author") or {}).get("name")
        _over(problems, f"{at}.footer.text", footer, FOOTER)
        _over(problems, f"{at}.author.name", author, AUTHOR)
        total += len(str(footer or "").strip()) + len(str(author or "").strip())
    if total > EMBED_TOTAL:
        problems.append(f"{where}: {total} characters in all (at most {EMBED_TOTAL})")
    return problems


def component_violations(components: list[dict[str, Any]], where: str = "components") -> list[str]:
    problems: list[str] = []
    ids: list[str] = []

    def walk(items: list[dict[str, Any]], at: str) -> None:
        for n, item in enumerate(items):
            here = f"{at}[{n}]"
            kind = item.get("type")
            if "custom_id" in item:
                _over(problems, f"{here}.custom_id", item["custom_id"], CUSTOM_ID, minimum=1)
                ids.append(str(item["custom_id"]))
            if kind == 2:
                _over(problems, f"{here}.label", item.get("label"), BUTTON_LABEL)
            elif kind == 4:
                _over(problems, f"{here}.label", item.get("label"), INPUT_LABEL)
                _over(problems, f"{here}.placeholder", item.get("placeholder"), INPUT_PLACEHOLDER)
                _over(problems, f"{here}.value", item.get("value"), INPUT_VALUE)
                for bound in ("min_length", "max_length"):
                    value = item.get(bound)
                    low = 0 if bound == "min_length" else 1
                    if value is not None and not low <= int(value) <= INPUT_VALUE:
                        problems.append(f"{here}.{bound}: {value} (allowed {low} to {INPUT_VALUE})")
            elif kind in (3, 5, 6, 7, 8):
                _over(problems, f"{here}.placeholder", item.get("placeholder"), SELECT_PLACEHOLDER)
                if len(item.get("options") or []) > SELECT_OPTIONS:
                    problems.append(f"{here}.options: more than {SELECT_OPTIONS}")
            elif kind == 18:  # a label around a modal's component
                _over(problems, f"{here}.label", item.get("label"), INPUT_LABEL)
            children = list(item.get("components") or [])
            if item.get("component"):
                children.append(item["component"])
            walk(children, f"{here}.components")

    if len(components) > ACTION_ROWS:
        problems.append(f"{where}: {len(components)} rows (at most {ACTION_ROWS})")
    walk(components, where)
    if len(ids) != len(set(ids)):
        problems.append(f"{where}: custom_id repeated")
    return problems


def message_violations(body: dict[str, Any], where: str = "message") -> list[str]:
    """A message body (a send, an edit, a follow-up, an interaction's message data)."""
    problems: list[str] = []
    _over(problems, f"{where}.content", body.get("content"), CONTENT)
    problems += embed_violations(list(body.get("embeds") or []), f"{where}.embeds")
    problems += component_violations(list(body.get("components") or []), f"{where}.components")
    return problems


def violations(method: str, path: str, body: Any) -> list[str]:
    """Every limit a request the bot made to Discord breaks (empty when it keeps to all of them)."""
    if not isinstance(body, dict):
        return []
    problems: list[str] = []
    if path.endswith("/callback"):  # an interaction's initial response
        kind, data = body.get("type"), body.get("data") or {}
        if kind in (4, 7):
            problems += message_violations(data, "callback")
        elif kind == 8:
            choices = list(data.get("choices") or [])
            if len(choices) > CHOICES:
                problems.append(f"choices: {len(choices)} (at most {CHOICES})")
            for n, choice in enumerate(choices):
                _over(problems, f"choices[{n}].name", choice.get("name"), CHOICE_NAME, minimum=1)
                if isinstance(choice.get("value"), str):
                    _over(problems, f"choices[{n}].value", choice["value"], CHOICE_VALUE, minimum=1)
        elif kind == 9:
            _over(problems, "modal.title", data.get("title"), MODAL_TITLE, minimum=1)
            _over(problems, "modal.custom_id", data.get("custom_id"), CUSTOM_ID, minimum=1)
            problems += component_violations(list(data.get("components") or []), "modal.components")
        return problems
    if path.endswith("/threads"):
        _over(problems, "thread.name", body.get("name"), THREAD_NAME, minimum=1)
        return problems
    if method in ("POST", "PATCH") and ("/messages" in path or path.startswith("/webhooks/")):
        problems += message_violations(body)
    return problems
