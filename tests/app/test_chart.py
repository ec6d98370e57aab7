"""The /reactions chart: any script in the title, never an empty box."""

import asyncio
from io import BytesIO

import pytest
from PIL import Image

from bot.app import chart
from bot.store.responses import InstallmentReactions

TITLES = {
    "latin": "Fight For Me: Café Noir",
    "cyrillic": "Война и мир",
    "greek": "Οδύσσεια",
    "cjk": "三体 魔法少女 전쟁",
    "arabic": "كتاب الليل",
    "emoji": "Dragons 🐉🔥",
}
DATA = [InstallmentReactions(1, {"❤️": 3}), InstallmentReactions(2, {"👍": 5}), InstallmentReactions(4, {"🔥": 1})]


def _drawn(text):
    return [(run, font) for run, font in chart.title_runs(text, chart.TITLE_SIZE, 10_000)]


@pytest.mark.parametrize("script", sorted(TITLES))
def test_every_drawn_character_has_a_glyph_in_its_font(script):
    """Whatever fonts this machine has, nothing drawn is a .notdef box."""
    text = chart.title_text(TITLES[script], "the-slug")
    assert text
    for run, font in _drawn(text):
        for char in run:
            assert chart.covers(font, char), (script, char, getattr(font, "path", font))


def test_a_title_no_font_can_draw_falls_back_to_the_slug(monkeypatch):
    monkeypatch.setattr(
        chart, "_font_for", lambda char, size: None if "\u4e00" <= char <= "\u9fff" else chart.label_font(size)
    )
    assert chart.title_text("三体 魔法", "three-body") == "three-body"
    assert chart.title_text("Dragons 三", "dragons") == "Dragons"  # one lost letter of eight: the rest stays


def test_symbols_no_font_has_are_left_out_not_boxed(monkeypatch):
    real = chart._font_for
    monkeypatch.setattr(chart, "_font_for", lambda char, size: None if char == "🐉" else real(char, size))
    assert chart.title_text("Dragons 🐉 Rise", "slug") == "Dragons Rise"


def test_a_long_title_is_cut_with_an_ellipsis_to_fit():
    runs = chart.title_runs("Reactions across " + "a very long title " * 20, chart.TITLE_SIZE, 400)
    assert runs[-1][0] == "…"
    assert sum(font.getlength(text) for text, font in runs) <= 400


@pytest.mark.parametrize("script", sorted(TITLES))
def test_chart_is_a_png_with_the_title_drawn(script):
    png = chart.reactions_chart(TITLES[script], DATA, 5, fallback="the-slug")
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.size == (chart.WIDTH, chart.HEIGHT)
    title_band = image.crop((chart.MARGIN_LEFT, 4, chart.WIDTH, chart.MARGIN_TOP - 6)).convert("L")
    assert title_band.getextrema()[1] > 150  # light text on the dark background


def test_the_async_chart_draws_in_a_worker_thread(monkeypatch):
    seen = []
    real = chart._draw

    def spy(*args):
        import threading

        seen.append(threading.current_thread() is threading.main_thread())
        return real(*args)

    monkeypatch.setattr(chart, "_draw", spy)
    png = asyncio.run(chart.reactions_chart_async("Война и мир", DATA, 5, fallback="voina"))
    assert png.startswith(b"\x89PNG") and seen == [False]
