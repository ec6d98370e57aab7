"""Prose clean-up shared by every story format: re-flow, scene breaks, Discord-safe Markdown."""

from __future__ import annotations

import re

from bot.core.models import SCENE_BREAK

_SCENE_GLYPHS = set("*-~#=_•·+⁂§◇◆○●x×oO0")
_SCENE_WORDS = re.compile(r"^(?:o+O+o+|O+o+O+|x+X+x+|X+x+X+|\(?scene ?break\)?)$", re.I)
_HARD_BREAK = "  "  # Markdown's two trailing spaces: an intended line break


def is_scene_break(paragraph: str) -> bool:
    """A paragraph that only marks a scene change: ``* * *``, ``---``, ``~~~``, ``oOo``."""
    if len(paragraph) > 120:
        return False
    squashed = "".join(paragraph.split())
    if not squashed or len(squashed) > 40:
        return False
    if _SCENE_WORDS.match(squashed):
        return True
    if not set(squashed) <= _SCENE_GLYPHS:
        return False
    # A lone "x", "o" or "0" is prose, not a break; glyph runs need a symbol in them.
    return any(not c.isalnum() for c in squashed)


def reflow(text: str) -> list[str]:
    """Blocks from hard-wrapped text: paragraphs end at blank lines, scene breaks normalised.

    Lines inside a paragraph are joined with spaces, except where the line ends
    with Markdown's two-space hard break, which stays a line break.
    """
    blocks: list[str] = []
    for raw in re.split(r"\n[ \t]*\n", text):
        lines = [ln for ln in raw.split("\n") if ln.strip()]
        if not lines:
            continue
        paragraph = _join_lines(lines)
        if is_scene_break(paragraph):
            if blocks and blocks[-1] != SCENE_BREAK:
                blocks.append(SCENE_BREAK)
            continue
        blocks.append(paragraph)
    while blocks and blocks[-1] == SCENE_BREAK:
        blocks.pop()
    return blocks


def _join_lines(lines: list[str]) -> str:
    if not any(line.endswith(_HARD_BREAK) for line in lines[:-1]):
        return " ".join(" ".join(lines).split())
    out = ""
    for i, line in enumerate(lines):
        hard = line.endswith(_HARD_BREAK)
        piece = " ".join(line.split())
        if i == 0:
            out = piece
        else:
            out += piece if out.endswith("\n") else " " + piece
        if hard and i < len(lines) - 1:
            out += "\n"
    return out


_LIST_MARKER = re.compile(r"^([ \t]*)([*+-])(?=\s)")
_ORDERED_MARKER = re.compile(r"^([ \t]*)(\d{1,9})([.)])(?=\s)")
_HEADING = re.compile(r"^([ \t]*)(#{1,3}|-#)(?=\s)")
_QUOTE = re.compile(r"^([ \t]*)(>)")
_MAY_NEED_ESCAPE = re.compile(r"^[ \t]*[*+\-#>0-9]", re.M)


def escape_line_starts(paragraph: str) -> str:
    """Escape line-start Markdown that Discord would turn into lists, headings or quotes.

    ``* text`` would become a bullet and ``# text`` a heading; ``**bold**`` and
    ``_italic_`` at the start of a line are emphasis and stay as written.
    """
    if not _MAY_NEED_ESCAPE.search(paragraph):
        return paragraph
    lines = paragraph.split("\n")
    for i, line in enumerate(lines):
        line = _HEADING.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line)
        line = _LIST_MARKER.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line)
        line = _ORDERED_MARKER.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}", line)
        line = _QUOTE.sub(lambda m: f"{m.group(1)}\\>", line)
        lines[i] = line
    return "\n".join(lines)


_MD_HEADING_TEXT = re.compile(r"^#{1,6}\s+")


def strip_heading_marks(line: str) -> str:
    """A Markdown heading line as plain text: ``### Prologue`` -> ``Prologue``."""
    return _MD_HEADING_TEXT.sub("", line).strip()


def prose_blocks(text: str) -> tuple[str, ...]:
    """Re-flowed, Discord-safe blocks from a chapter's plain or Markdown-flavoured text."""
    return tuple(b if b == SCENE_BREAK else escape_line_starts(b) for b in reflow(text))


_SENTENCE_END = re.compile(r"""(?<=[.!?…])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])""")


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a paragraph; they cover it without gaps."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(paragraph):
        spans.append((start, len(paragraph)))
    return spans


_MARKUP = re.compile(r"(\*\*|__|~~|\|\||[*_`]|\\(?=[*_#>\-+.)`~|]))")


def plain_words(text: str) -> list[str]:
    """The words of Markdown-flavoured text with markup removed, for comparing content."""
    words = _MARKUP.sub("", text).replace(SCENE_BREAK, " ").split()
    return [w for w in words if any(c.isalnum() for c in w)]
