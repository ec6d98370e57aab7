"""Prose clean-up shared by every story format: re-flow, scene breaks, Discord-safe Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

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


PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
"""Where paragraphs end: a blank line (perhaps holding spaces or tabs)."""


def reflow(text: str) -> list[str]:
    """Blocks from hard-wrapped text: paragraphs end at blank lines, scene breaks normalised.

    Lines inside a paragraph are joined with spaces, except where the line ends
    with Markdown's two-space hard break, which stays a line break.
    """
    return reflow_paragraphs(PARAGRAPH_BREAK.split(text))


def reflow_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """:func:`reflow` of text already split at :data:`PARAGRAPH_BREAK`."""
    blocks: list[str] = []
    for raw in paragraphs:
        if "  \n" in raw:  # a line may end in a hard break: join it line by line
            lines = [ln for ln in raw.split("\n") if ln.strip()]
            if not lines:
                continue
            paragraph = _join_lines(lines)
        else:  # no hard break: the words joined by single spaces, whatever the lines were
            words = raw.split()
            if not words:
                continue
            paragraph = " ".join(words)
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
    # A line starts a paragraph or follows "\n". Most paragraphs are one line: match() looks at
    # its start alone, where the multi-line search() would try every character.
    if not (_MAY_NEED_ESCAPE.search(paragraph) if "\n" in paragraph else _MAY_NEED_ESCAPE.match(paragraph)):
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
    return prose_blocks_from_paragraphs(PARAGRAPH_BREAK.split(text))


def prose_blocks_from_paragraphs(paragraphs: Iterable[str]) -> tuple[str, ...]:
    """:func:`prose_blocks` of text already split at :data:`PARAGRAPH_BREAK`."""
    return tuple(b if b == SCENE_BREAK else escape_line_starts(b) for b in reflow_paragraphs(paragraphs))


# Sentence ends. A sentence ends at ".", "!", "?" or an ellipsis, then any closing
# quotes or brackets, then whitespace, when what follows starts like a sentence
# (a capital or a digit, perhaps after an opening quote). A period does not end a
# sentence after an abbreviation that is never, or almost never, last in one:
# a title (Mr., Dr., St., Prof., Jr.), "e.g.", "i.e.", "vs.", an initial ("J. K.
# Rowling", any single capital but "I"), or "No.", "p.", "Fig." and the like
# before a number. "etc." ends a sentence when a capital follows, as it usually
# does. Decimals ("3.5") never end one: no whitespace follows their point.
ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof st sr jr rev fr gen col capt cpt lt sgt cpl hon mt mme mlle messrs
    vs v cf viz approx ca e.g i.e""".split()
)
NUMBER_ABBREVIATIONS = frozenset("no nos p pp ch vol fig art sec ed".split())
_INITIALS = "A-HJ-ZÀ-ÖØ-ÞА-ЯЁΑ-Ω"  # capitals that may be initials (Latin, Cyrillic, Greek); not "I"


def _lookbehinds(words: frozenset[str], sign: str) -> list[str]:
    """Look-behinds for "word." at a word start, one per word length (``re`` needs fixed widths)."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        by_length.setdefault(len(word), []).append(re.escape(word))
    return [f"(?<{sign}\\b(?i:{'|'.join(group)})\\.)" for _, group in sorted(by_length.items())]


_SENTENCE_END = re.compile(
    # The terminator comes first, so the engine jumps from one candidate to the next;
    # the look-behinds all end in "." and so only ever veto a period.
    "[.!?…]"
    + "".join(_lookbehinds(ABBREVIATIONS, "!"))
    + rf"(?<!\b[{_INITIALS}]\.)"
    # "No. 5", "p. 12": no end before a number (the rare number is looked for first)
    + r"""(?!(?=["'”’)\]]*\s+["'“‘(\[]?[0-9])(?:"""
    + "|".join(_lookbehinds(NUMBER_ABBREVIATIONS, "="))
    + "))"
    + r"""["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])"""
)


def sentence_ends(paragraph: str) -> list[int]:
    """Where each sentence of a paragraph but the last ends: after the whitespace that follows it."""
    return list(map(_match_end, _SENTENCE_END.finditer(paragraph)))


def sentence_end_at(text: str, terminator: int, endpos: int) -> int | None:
    """Where the sentence whose terminator is at ``text[terminator]`` ends, if it ends there.

    The same ends as :func:`sentence_ends` over ``text[:endpos]``: a sentence end
    holds one terminator, at its start, so no two ends overlap.
    """
    match = _SENTENCE_END.match(text, terminator, endpos)
    return None if match is None else match.end()


TERMINATORS = re.compile(r"[.!?…]")


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of a paragraph; they cover it without gaps."""
    bounds = [0, *sentence_ends(paragraph)]
    if bounds[-1] < len(paragraph):
        bounds.append(len(paragraph))
    return list(pairwise(bounds))


_match_end = re.Match.end


_MARKUP = re.compile(r"(\*\*|__|~~|\|\||[*_`]|\\(?=[*_#>\-+.)`~|]))")


def plain_words(text: str) -> list[str]:
    """The words of Markdown-flavoured text with markup removed, for comparing content."""
    words = _MARKUP.sub("", text).replace(SCENE_BREAK, " ").split()
    return [w for w in words if any(c.isalnum() for c in w)]
