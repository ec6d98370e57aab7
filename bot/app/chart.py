"""A bar chart of reactions across a story's installments, as PNG bytes.

Titles may be in any script. Each character is drawn with the first font that
has a glyph for it: Pillow's own font, then whatever font fontconfig finds on the
machine for that character (install Noto fonts on the host, or in the image, for
full coverage). A character no font has is left out rather than
drawn as an empty box; when that would lose most of the title's letters, the
chart shows the fallback text (the story's slug) instead.

Drawing takes a few milliseconds to a few tenths of a second (a CJK font is
large to open), so the event loop calls :func:`reactions_chart_async`, which
draws in a worker thread.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.store.responses import InstallmentReactions

WIDTH, HEIGHT = 800, 360
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 56, 48, 44
BACKGROUND, AXIS, BAR, TEXT = (43, 45, 49), (120, 124, 130), (88, 101, 242), (220, 221, 222)
TITLE_SIZE, LABEL_SIZE = 18, 12
TITLE_BASELINE = 28

# Python packages that ship font files beside their __init__, most general first.
# Characters that shape or join their neighbours and have no glyph of their own to check.
_INVISIBLE = frozenset({"Mn", "Me", "Cf"})

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_lock = threading.Lock()  # FreeType faces are shared between calls: one drawing at a time


def reactions_chart(
    title: str, per_installment: list[InstallmentReactions], installments: int, *, fallback: str = ""
) -> bytes:
    """Reactions per installment, 1 to ``installments``, with the story's title on top.

    ``fallback`` (the slug) is shown instead of a title whose letters no available font can draw.
    """
    with _lock:
        return _draw(title, per_installment, installments, fallback)


async def reactions_chart_async(
    title: str, per_installment: list[InstallmentReactions], installments: int, *, fallback: str = ""
) -> bytes:
    """:func:`reactions_chart` in a worker thread, so the event loop never waits on the drawing."""
    return await asyncio.to_thread(reactions_chart, title, per_installment, installments, fallback=fallback)


def _draw(title: str, per_installment: list[InstallmentReactions], installments: int, fallback: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = label_font(LABEL_SIZE)
    totals = {r.installment: r.total for r in per_installment}
    count = max(1, installments, max(totals, default=0))
    peak = max(1, max(totals.values(), default=0))
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 20, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    runs = title_runs(f"Reactions across {title_text(title, fallback)}"[:90], TITLE_SIZE, WIDTH - MARGIN_LEFT - 20)
    x: float = MARGIN_LEFT
    for text, run_font in runs:
        draw.text((x, TITLE_BASELINE), text, fill=TEXT, font=run_font, anchor="ls")
        x += run_font.getlength(text)
    base_y = MARGIN_TOP + plot_h
    draw.line((MARGIN_LEFT, MARGIN_TOP, MARGIN_LEFT, base_y), fill=AXIS)
    draw.line((MARGIN_LEFT, base_y, MARGIN_LEFT + plot_w, base_y), fill=AXIS)
    for tick in range(0, 5):
        value = round(peak * tick / 4)
        y = base_y - plot_h * value / peak
        draw.text((8, y - 6), str(value), fill=TEXT, font=font)
    slot = plot_w / count
    for n in range(1, count + 1):
        x0 = MARGIN_LEFT + (n - 1) * slot + slot * 0.15
        x1 = MARGIN_LEFT + n * slot - slot * 0.15
        height = plot_h * totals.get(n, 0) / peak
        if height:
            draw.rectangle((x0, base_y - height, x1, base_y), fill=BAR)
        if count <= 40 or n % max(1, count // 20) == 0:
            draw.text(((x0 + x1) / 2 - 4, base_y + 6), str(n), fill=TEXT, font=font)
    draw.text((MARGIN_LEFT + plot_w / 2 - 30, HEIGHT - 22), "installment", fill=AXIS, font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def title_text(title: str, fallback: str = "") -> str:
    """The title without the characters no font can draw, or ``fallback`` if that loses most letters."""
    kept, lost_letters, letters = [], 0, 0
    for char in title:
        letter = unicodedata.category(char)[0] in "LN"
        letters += letter
        if _font_for(char, TITLE_SIZE) is None:
            lost_letters += letter
            continue
        kept.append(char)
    text = " ".join("".join(kept).split())
    if (letters and lost_letters * 2 > letters) or not text:
        return fallback or text
    return text


def title_runs(text: str, size: int, max_width: float) -> list[tuple[str, Font]]:
    """``text`` as runs of consecutive characters drawn with the same font, cut to ``max_width``.

    Joining marks stay in the run they follow, and spaces inside a run stay in
    it, so a right-to-left phrase is one run, laid out (and ordered) by the
    font's shaping engine; spaces between runs are drawn on their own.
    """
    runs: list[tuple[str, Font]] = []
    spaces = ""  # spaces wait for the next character: inside a run if its font is the same, else a run alone
    for char in text:
        if char.isspace():
            spaces += char
            continue
        font = _font_for(char, size)
        if font is None:
            continue
        if runs and (runs[-1][1] is font or (_attaches(char) and not spaces)):
            runs[-1] = (runs[-1][0] + spaces + char, runs[-1][1])
        else:
            if spaces and runs:
                runs.append((spaces, label_font(size)))
            runs.append((char, font))
        spaces = ""
    if sum(f.getlength(t) for t, f in runs) <= max_width:
        return runs
    ellipsis = label_font(size)
    room = max_width - ellipsis.getlength("…")
    while runs and sum(f.getlength(t) for t, f in runs) > room:  # drop characters from the end
        last, font = runs.pop()
        if len(last) > 1:
            runs.append((last[:-1].rstrip() or last[:-1], font))
    return [*runs, ("…", ellipsis)]


def covers(font: Font, char: str) -> bool:
    """Whether ``font`` has a glyph for ``char`` (not its .notdef box)."""
    if char.isspace() or _attaches(char):
        return True
    return _coverage(font, char)


def _attaches(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE


@lru_cache(maxsize=4096)
def _coverage(font: Font, char: str) -> bool:
    notdef = _notdef(font)
    try:
        mask = font.getmask(char)
    except Exception:  # a font that cannot lay the character out at all
        return False
    drawn = (mask.size, bytes(mask))
    return drawn != notdef and mask.size[0] > 0 and mask.getbbox() is not None


@lru_cache(maxsize=64)
def _notdef(font: Font) -> tuple[tuple[int, int], bytes]:
    """How ``font`` draws a character it lacks: a noncharacter no font has."""
    mask = font.getmask("\U0010fffe")
    return mask.size, bytes(mask)


@lru_cache(maxsize=4096)
def _font_for(char: str, size: int) -> Font | None:
    """The first font that has ``char``, at ``size``; ``None`` when no font on this machine has it."""
    for font in _fonts(size):
        if covers(font, char):
            return font
    path = _system_font_path(char)
    if path is not None:
        font = _load(path, size)
        if font is not None and covers(font, char):
            return font
    return None


def label_font(size: int) -> Font:
    """The font for Latin labels: Noto Sans when installed, else Pillow's own."""
    return _fonts(size)[0]


@lru_cache(maxsize=8)
def _fonts(size: int) -> tuple[Font, ...]:
    """The font chain at ``size``: Pillow's own (system fonts are looked up per character)."""
    fonts: list[Font] = []
    try:
        fonts.append(ImageFont.load_default(size))
    except (OSError, TypeError, ValueError):  # Pillow without FreeType: a bitmap font, Latin only
        fonts.append(ImageFont.load_default())
    return tuple(fonts)


def _load(path: Path | str, size: int) -> Font | None:
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return None


@lru_cache(maxsize=256)
def _system_font_path(char: str) -> str | None:
    """A font file fontconfig offers for ``char``, if fontconfig is there (it may not have it)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        done = subprocess.run(
            [fc_match, "-f", "%{file}", f":charset={ord(char):x}"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = done.stdout.strip()
    return path if done.returncode == 0 and path else None


def missing_characters(text: str, size: int = TITLE_SIZE) -> Iterator[str]:
    """The characters of ``text`` no available font can draw (for tests and diagnostics)."""
    return (c for c in text if _font_for(c, size) is None)
