"""Discord's limits, enforced in one place: arbitrary Unicode in every field still fits."""

from __future__ import annotations

import discord
from discord import app_commands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord_adapter import limits
from bot.discord_adapter.components import FeedbackModal
from bot.discord_adapter.limits import (
    fit_choices,
    fit_content,
    fit_embed,
    fit_message,
    fit_modal,
    fitted,
    violations,
)

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Any Unicode (astral planes, combining marks, whitespace of every kind), short or up to ~12,000 characters.
chunks = st.text(st.characters(codec=None), max_size=40)
whitespace = st.text(st.sampled_from(" \t\n\r\u00a0\u2003\u3000\u200b"), max_size=30)
texts = st.one_of(
    chunks,
    whitespace,
    st.builds(lambda s, n: s * n, chunks, st.integers(0, 300)),
    st.builds(lambda a, s, n, b: a + s * n + b, whitespace, chunks, st.integers(0, 300), whitespace),
)
nonempty = texts.filter(lambda t: t.strip() != "")


def embeds_strategy():
    field = st.tuples(nonempty, nonempty, st.booleans())
    return st.builds(
        _embed,
        title=st.none() | texts,
        description=st.none() | texts,
        fields=st.lists(field, max_size=30),
        footer=st.none() | texts,
        author=st.none() | nonempty,
    )


def _embed(title, description, fields, footer, author) -> discord.Embed:
    embed = discord.Embed(title=title, description=description)
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer is not None:
        embed.set_footer(text=footer)
    if author is not None:
        embed.set_author(name=author)
    return embed


def message_problems(content=None, **kwargs) -> list[str]:
    body: dict = {"content": content}
    if kwargs.get("embed") is not None:
        body["embeds"] = [kwargs["embed"].to_dict()]
    if kwargs.get("embeds"):
        body["embeds"] = [e.to_dict() for e in kwargs["embeds"]]
    return violations("POST", "/channels/1/messages", body)


@PROPERTY
@given(texts)
def test_content_always_fits_and_short_content_is_untouched(text):
    fitted_text = fit_content(text)
    assert fitted_text is not None and len(fitted_text) <= limits.CONTENT
    if len(text) <= limits.CONTENT:
        assert fitted_text == text
    elif len(text.strip()) > limits.CONTENT:
        assert fitted_text.endswith("…")


@PROPERTY
@given(embeds_strategy())
def test_any_embed_fits_every_embed_limit(embed):
    fitted_embed = fit_embed(embed)
    assert limits.embed_violations([fitted_embed.to_dict()]) == []
    assert len(fitted_embed) <= limits.EMBED_TOTAL


@PROPERTY
@given(st.lists(embeds_strategy(), max_size=12), st.none() | texts)
def test_any_message_fits_with_all_its_embeds_together(embeds, content):
    content, kwargs = fit_message(content, {"embeds": embeds})
    assert message_problems(content, **kwargs) == []
    assert len(kwargs["embeds"]) <= limits.EMBEDS if embeds else True


@PROPERTY
@given(texts, embeds_strategy())
def test_content_and_one_embed(content, embed):
    content, kwargs = fit_message(content, {"embed": embed})
    assert message_problems(content, **kwargs) == []


def test_a_small_embed_is_left_as_it_was():
    embed = _embed("Fight For Me", "One last reunion.", [("Author", "Singing Violin", True)], "/story x", None)
    before = embed.to_dict()
    assert fit_embed(embed).to_dict() == before


def test_the_description_gives_way_first():
    embed = _embed("T", "d" * 4096, [("f", "v" * 1024, False)] * 3, "footer", None)
    fit_embed(embed)
    assert len(embed) <= limits.EMBED_TOTAL
    assert [f.value for f in embed.fields] == ["v" * 1024] * 3 and embed.description.endswith("…")


def test_an_empty_message_gets_something_to_show():
    content, _ = fit_message("   ", {})
    assert content == "…"


choice_values = st.one_of(texts, st.integers(-(2**53) + 1, 2**53 - 1))


@PROPERTY
@given(st.lists(st.tuples(texts, choice_values), max_size=40))
def test_any_choices_fit(pairs):
    choices = [app_commands.Choice(name=name, value=value) for name, value in pairs]
    fitted_choices = fit_choices(choices)
    body = {"type": 8, "data": {"choices": [c.to_dict() for c in fitted_choices]}}
    assert violations("POST", "/interactions/1/t/callback", body) == []
    assert len(fitted_choices) <= limits.CHOICES


@PROPERTY
@given(texts, texts, texts, texts)
def test_any_form_fits(title, label, placeholder, default):
    modal = FeedbackModal(1, title)
    modal.title = title
    modal.text.placeholder = placeholder or None
    modal.text.default = default or None
    modal.text._underlying.label = label
    fit_modal(modal)
    body = {"type": 9, "data": modal.to_dict()}
    assert violations("POST", "/interactions/1/t/callback", body) == []


async def test_autocomplete_is_fitted_cut_and_never_fails():
    seen = []

    async def many(interaction, current):
        seen.append(current)
        return [app_commands.Choice(name="x" * 300, value="y" * 300) for _ in range(40)]

    async def broken(interaction, current):
        raise RuntimeError("a bug")

    choices = await fitted(many)(None, "z" * 6000)
    assert len(choices) == 25 and all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    assert len(seen[0]) == limits.TYPED
    assert await fitted(broken)(None, "a") == []


def test_violations_name_what_is_over():
    body = {"content": "x" * 2001, "embeds": [{"title": "t" * 300, "fields": [{"name": "", "value": "v"}]}]}
    problems = violations("POST", "/channels/1/messages", body)
    assert any("content" in p for p in problems)
    assert any(".title" in p for p in problems)
    assert any(".name" in p for p in problems)
    modal = {"type": 9, "data": {"title": "t" * 46, "custom_id": "m", "components": []}}
    assert violations("POST", "/interactions/1/t/callback", modal) == ["modal.title: 46 characters (allowed 1 to 45)"]
    assert violations("POST", "/channels/1/messages/2/threads", {"name": ""})


async def test_a_5000_character_title_is_answered_with_a_short_refusal(simcord_env, world):
    _, channel, admin, _ = world
    title = "x" * 5000
    for result in (
        await admin.slash(channel, "story", title=title),
        await admin.slash(channel, "schedule create", story=title, channel=channel),
        await admin.slash(channel, "schedule create", story="fight-for-me", channel=channel, at=title),
        await admin.slash(channel, "settings", timezone=title),
    ):
        assert result.acknowledged and result.ephemeral
        assert len(result.response.content) <= 300 and "…" in result.response.content, result.response.content
    callbacks = [r for r in simcord_env.http_requests if r.path.endswith("/callback")]
    assert all(violations(r.method, r.path, r.json) == [] for r in callbacks)
    assert len(simcord_env.errors) == 4  # the four refusals, acknowledged
