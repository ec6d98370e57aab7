"""Installments (what one serial post delivers) and the Discord messages each packs into.

Cuts fall at chapter boundaries first: an installment never spans two
chapters. A chapter longer than the target is divided into near-equal parts,
each cut at the scene break nearest its ideal end, else at the nearest
paragraph end. A paragraph is only divided when it alone is over the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.models import SCENE_BREAK, Chapter, count_words
from bot.core.text import sentence_spans

MESSAGE_LIMIT = 2000
DEFAULT_WORDS_PER_MINUTE = 230
DEFAULT_MINUTES = 5.0


@dataclass(frozen=True, slots=True)
class Installment:
    """One serial post: consecutive blocks of one chapter, packed into messages."""

    number: int
    chapter_number: int
    chapter_title: str
    part: int
    parts_in_chapter: int
    blocks: tuple[str, ...]
    messages: tuple[str, ...]

    @property
    def words(self) -> int:
        return sum(count_words(b) for b in self.blocks)

    @property
    def text(self) -> str:
        return "\n\n".join(self.blocks)


def target_words(minutes: float, words_per_minute: int) -> int:
    return max(1, round(minutes * words_per_minute))


def cut_installments(
    chapters: tuple[Chapter, ...] | list[Chapter],
    *,
    minutes: float = DEFAULT_MINUTES,
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE,
    limit: int = MESSAGE_LIMIT,
) -> list[Installment]:
    """Cut a story's chapters into installments of about ``minutes`` of reading each."""
    target = target_words(minutes, words_per_minute)
    result: list[Installment] = []
    for chapter_number, chapter in enumerate(chapters, start=1):
        blocks = _split_long_paragraphs(chapter.blocks, target)
        parts = _divide(blocks, target)
        for part, part_blocks in enumerate(parts, start=1):
            result.append(
                Installment(
                    number=len(result) + 1,
                    chapter_number=chapter_number,
                    chapter_title=chapter.title,
                    part=part,
                    parts_in_chapter=len(parts),
                    blocks=part_blocks,
                    messages=tuple(pack_messages(part_blocks, limit)),
                )
            )
    return result


def _split_long_paragraphs(blocks: tuple[str, ...], target: int) -> list[str]:
    """Blocks where every paragraph over ``target`` words is divided at sentence ends."""
    out: list[str] = []
    for block in blocks:
        if block == SCENE_BREAK or count_words(block) <= target:
            out.append(block)
            continue
        piece_start, piece_words = 0, 0
        for start, end in sentence_spans(block):
            words = count_words(block[start:end])
            if piece_words and piece_words + words > target:
                out.append(block[piece_start:start].strip())
                piece_start, piece_words = start, 0
            piece_words += words
        out.append(block[piece_start:].strip())
    return out


def _divide(blocks: list[str], target: int) -> list[tuple[str, ...]]:
    """Divide one chapter's blocks into near-equal parts of about ``target`` words."""
    words = [0 if b == SCENE_BREAK else count_words(b) for b in blocks]
    total = sum(words)
    count = max(1, round(total / target))
    if count == 1:
        return [_trim(blocks)] if _trim(blocks) else []
    # cumulative[i] = words before block i; a cut at i means blocks[:i] | blocks[i:]
    cumulative = [0]
    for w in words:
        cumulative.append(cumulative[-1] + w)
    tolerance = total / count / 4
    cuts: list[int] = []
    previous = 0
    for k in range(1, count):
        ideal = total * k / count
        candidates = range(previous + 1, len(blocks))
        scene_cuts = [i for i in candidates if blocks[i] == SCENE_BREAK and abs(cumulative[i] - ideal) <= tolerance]
        pool = scene_cuts or list(candidates)
        if not pool:
            break
        cut = min(pool, key=lambda i: (abs(cumulative[i] - ideal), i))
        cuts.append(cut)
        previous = cut
    parts = [_trim(blocks[a:b]) for a, b in zip([0, *cuts], [*cuts, len(blocks)], strict=True)]
    return [p for p in parts if p]


def _trim(blocks: list[str]) -> tuple[str, ...]:
    """Drop scene breaks at an installment's edges: the cut itself marks the change."""
    start, end = 0, len(blocks)
    while start < end and blocks[start] == SCENE_BREAK:
        start += 1
    while end > start and blocks[end - 1] == SCENE_BREAK:
        end -= 1
    return tuple(blocks[start:end])


def pack_messages(blocks: tuple[str, ...] | list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack blocks into messages of at most ``limit`` characters.

    Whole paragraphs go together, separated by a blank line. A paragraph too
    long for one message is split at sentence ends, then at spaces, never
    inside a word or an emphasis span when any other split point exists.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _fit(block, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _fit(paragraph: str, limit: int) -> list[str]:
    """A paragraph as pieces of at most ``limit`` characters."""
    pieces: list[str] = []
    rest = paragraph
    while len(rest) > limit:
        cut, marker = _best_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if marker:  # an emphasis span cut in two: close it and reopen it, so both halves render
            head, rest = head + marker, marker + rest
        pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


_EMPHASIS = re.compile(
    r"\*\*.+?\*\*|__.+?__|~~.+?~~|\|\|.+?\|\||(?<![\w*])\*(?!\s).+?\*|(?<!\w)_(?!\s).+?_(?!\w)", re.S
)
_DOUBLE_MARKERS = ("**", "__", "~~", "||")


def _best_cut(text: str, limit: int) -> tuple[int, str | None]:
    """Where to cut ``text``: the last sentence end, else the last space, outside emphasis.

    Returns the offset and, when the cut has to fall inside an emphasis span,
    that span's marker.
    """
    spans = [m.span() for m in _EMPHASIS.finditer(text[: limit * 2])]

    def enclosing(i: int) -> tuple[int, int] | None:
        return next(((a, b) for a, b in spans if a < i < b), None)

    sentence_ends = [end for _, end in sentence_spans(text[: limit + 1]) if end <= limit]
    for end in reversed(sentence_ends):
        if 0 < end < len(text) and enclosing(end) is None:
            return end, None
    spaces = [m.end() for m in re.finditer(r"\s+", text[: limit + 1]) if m.end() <= limit]
    for end in reversed(spaces):
        if enclosing(end) is None:
            return end, None
    # One emphasis span longer than a message: cut inside it, leaving room to close it.
    roomy = [end for end in spaces if end <= limit - 2]
    if roomy:
        span = enclosing(roomy[-1])
        if span is None:
            return roomy[-1], None
        opening = text[span[0] : span[0] + 2]
        return roomy[-1], opening if opening in _DOUBLE_MARKERS else opening[0]
    return limit, None  # one "word" over the limit (a URL, a run of symbols): nothing better exists
