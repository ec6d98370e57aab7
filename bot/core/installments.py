"""Installments (what one serial post delivers) and the Discord messages each packs into.

Cuts fall at chapter boundaries first: an installment never spans two
chapters. A chapter longer than the target is divided into near-equal parts,
each cut at the scene break nearest its ideal end, else at the nearest
paragraph end. A paragraph is only divided when it alone is over the target.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, takewhile

from bot.core.models import SCENE_BREAK, Chapter, count_words
from bot.core.text import TERMINATORS, sentence_end_at, sentence_ends

MESSAGE_LIMIT = 2000
DEFAULT_WORDS_PER_MINUTE = 230
DEFAULT_MINUTES = 5.0
_SENTENCE_RUN = 16  # sentences counted together while a long paragraph is divided


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
    """Cut a story's chapters into installments of about ``minutes`` of reading each.

    Linear in the length of the story: every block is counted once, cuts are
    found by bisection over prefix sums of words, and long paragraphs are
    walked with offsets instead of being re-sliced.
    """
    target = target_words(minutes, words_per_minute)
    result: list[Installment] = []
    for chapter_number, chapter in enumerate(chapters, start=1):
        blocks, words = _split_long_paragraphs(chapter.blocks, target)
        parts = _divide(blocks, words, target)
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


def _split_long_paragraphs(blocks: tuple[str, ...], target: int) -> tuple[list[str], list[int]]:
    """Blocks where every paragraph over ``target`` words is divided at sentence ends, and their words."""
    out: list[str] = []
    counts: list[int] = []
    for block in blocks:
        if block == SCENE_BREAK:
            out.append(block)
            counts.append(0)
            continue
        if len(block) < 2 * target:  # too short to hold more than ``target`` words
            out.append(block)
            counts.append(count_words(block))
            continue
        # Counted a run of sentences at a time, so most characters are counted once,
        # then sentence by sentence where a piece fills up. Sentences end after
        # whitespace, so no word straddles two: their counts add up.
        bounds = [0, *sentence_ends(block), len(block)]
        pieces: list[tuple[str, int]] = []
        piece_start, piece_words, total = 0, 0, 0
        sentences = len(bounds) - 1
        for first in range(0, sentences, _SENTENCE_RUN):
            last = min(sentences, first + _SENTENCE_RUN)
            words = count_words(block[bounds[first] : bounds[last]])
            if piece_words + words <= target:  # no cut in this run: every prefix fits too
                piece_words += words
                total += words
                continue
            for k in range(first, last):
                words = count_words(block[bounds[k] : bounds[k + 1]])
                if piece_words and piece_words + words > target:
                    pieces.append((block[piece_start : bounds[k]].strip(), piece_words))
                    piece_start, piece_words = bounds[k], 0
                piece_words += words
                total += words
        if total <= target:
            out.append(block)
            counts.append(total)
            continue
        pieces.append((block[piece_start:].strip(), piece_words))
        out += (piece for piece, _ in pieces)
        counts += (words for _, words in pieces)
    return out, counts


def _divide(blocks: list[str], words: list[int], target: int) -> list[tuple[str, ...]]:
    """Divide one chapter's blocks into near-equal parts of about ``target`` words.

    Each cut goes to the scene break whose word offset is nearest the ideal one
    (within a quarter of a part), else to the nearest block boundary; ties go to
    the earlier boundary. Offsets only grow, so the nearest is found by bisection.
    """
    total = sum(words)
    count = max(1, round(total / target))
    if count == 1:
        trimmed = _trim(blocks)
        return [trimmed] if trimmed else []
    # cumulative[i] = words before block i; a cut at i means blocks[:i] | blocks[i:]
    cumulative = list(accumulate(words, initial=0))
    scenes = [i for i, b in enumerate(blocks) if b == SCENE_BREAK]
    scene_words = [cumulative[i] for i in scenes]
    tolerance = total / count / 4
    cuts: list[int] = []
    previous = 0
    for k in range(1, count):
        ideal = total * k / count
        first_scene = bisect_right(scenes, previous)
        found = _nearest(scene_words, ideal, first_scene, len(scenes))
        if found is not None and abs(scene_words[found] - ideal) <= tolerance:
            cut = scenes[found]
        else:
            found = _nearest(cumulative, ideal, previous + 1, len(blocks))
            if found is None:
                break
            cut = found
        cuts.append(cut)
        previous = cut
    parts = [_trim(blocks[a:b]) for a, b in zip([0, *cuts], [*cuts, len(blocks)], strict=True)]
    return [p for p in parts if p]


def _nearest(values: list[int], ideal: float, lo: int, hi: int) -> int | None:
    """The first index in ``lo:hi`` of the non-decreasing ``values`` nearest ``ideal``."""
    if lo >= hi:
        return None
    above = bisect_left(values, ideal, lo, hi)  # the first at or over ideal
    best = None
    if above > lo:  # the nearest value under ideal, at its first index
        below = bisect_left(values, values[above - 1], lo, above)
        best = below
    if above < hi and (best is None or values[above] - ideal < ideal - values[best]):
        best = above
    return best


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
    current: list[str] = []  # the pieces of the message being filled, joined by blank lines
    length = 0
    for block in blocks:
        for piece in _fit(block, limit):
            joined = length + 2 + len(piece) if length else len(piece)
            if joined <= limit:
                if length:
                    current.append(piece)
                else:
                    current = [piece]
                length = joined
            else:
                messages.append("\n\n".join(current) if length else "")
                current, length = [piece], len(piece)
    if length:
        messages.append("\n\n".join(current))
    return messages


def _fit(paragraph: str, limit: int) -> list[str]:
    """A paragraph as pieces of at most ``limit`` characters.

    The rest still to place is ``prefix + paragraph[pos:]``: walking with an
    offset keeps a paragraph of any length linear, where re-slicing the rest
    after every cut would copy it again and again.
    """
    if len(paragraph) <= limit:
        return [paragraph] if paragraph else []
    pieces: list[str] = []
    prefix, pos, size = "", 0, len(paragraph)
    window_size = limit * 2
    while len(prefix) + size - pos > limit:
        window = (prefix + paragraph[pos : pos + window_size])[:window_size]
        cut, marker = _best_cut(window, limit)
        head = window[:cut].rstrip()
        if cut >= len(prefix):
            prefix, pos = "", pos + cut - len(prefix)
        else:
            prefix = prefix[cut:]
        if not prefix.lstrip():  # lstrip the rest, prefix first
            prefix = ""
            while pos < size and paragraph[pos].isspace():
                pos += 1
        else:
            prefix = prefix.lstrip()
        if marker:  # an emphasis span cut in two: close it and reopen it, so both halves render
            head, prefix = head + marker, marker + prefix
        pieces.append(head)
    rest = prefix + paragraph[pos:]
    if rest:
        pieces.append(rest)
    return pieces


# Every branch starts with a literal marker (the "not after a word" checks come
# after it, as look-behinds), so the regex engine skips ahead to the next marker
# instead of trying each branch at every character.
_EMPHASIS = re.compile(
    r"\*\*.+?\*\*|__.+?__|~~.+?~~|\|\|.+?\|\||\*(?<![\w*]\*)(?!\s).+?\*|_(?<!\w_)(?!\s).+?_(?!\w)", re.S
)
_DOUBLE_MARKERS = ("**", "__", "~~", "||")
_span = re.Match.span


def _best_cut(text: str, limit: int) -> tuple[int, str | None]:
    """Where to cut ``text``: the last sentence end, else the last space, outside emphasis.

    Returns the offset and, when the cut has to fall inside an emphasis span,
    that span's marker.
    """
    # Spans starting past the limit cannot hold a cut: stop looking there.
    spans = list(takewhile(lambda span: span[0] < limit, map(_span, _EMPHASIS.finditer(text[: limit * 2]))))

    def enclosing(i: int) -> tuple[int, int] | None:
        return next(((a, b) for a, b in spans if a < i < b), None)

    # The last sentence end first: walk the terminators back from the limit.
    for terminator in reversed([m.start() for m in TERMINATORS.finditer(text, 0, limit)]):
        end = sentence_end_at(text, terminator, limit + 1)
        if end is not None and 0 < end <= limit and end < len(text) and enclosing(end) is None:
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
