"""Spoiler-safe recaps: an extractive summary of what has been posted, and nothing after it.

SumBasic (Nenkova and Vanderwende, 2005): sentences are scored by the average
frequency of their content words; after each pick, the picked words count for
less, so the recap covers several threads of the story instead of one. It needs
no model and no data download, so it works offline.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.core.models import SCENE_BREAK
from bot.core.text import sentence_spans

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    said says asks one another s t don ll re ve d m o""".split()
)
_MARKUP = re.compile(r"(\*\*|__|~~|\|\||\\(?=[*_#>\-+.)`~|]))")
_WORD = re.compile(r"[a-zA-Z\u00c0-\u024f']+")


def sentences(texts: list[str]) -> list[str]:
    """The sentences of posted messages, in order, markup removed, whitespace folded."""
    found = []
    for text in texts:
        for paragraph in text.split("\n\n"):
            if paragraph.strip() == SCENE_BREAK:
                continue
            plain = " ".join(_MARKUP.sub("", paragraph).split())
            for start, end in sentence_spans(plain):
                sentence = plain[start:end].strip()
                if sentence:
                    found.append(sentence)
    return found


def _content_words(sentence: str) -> list[str]:
    return [w for w in (m.group(0).lower().strip("'") for m in _WORD.finditer(sentence)) if w and w not in STOPWORDS]


def recap(texts: list[str], *, max_sentences: int = 4, max_words: int = 140, min_words: int = 10) -> list[str]:
    """Up to ``max_sentences`` sentences of ``texts`` that best sum them up, in story order."""
    pool = [(i, s) for i, s in enumerate(sentences(texts)) if len(s.split()) >= min_words]
    words = {i: _content_words(s) for i, s in pool}
    counts = Counter(w for ws in words.values() for w in ws)
    total = sum(counts.values())
    if not total:
        return []
    probability = {w: c / total for w, c in counts.items()}
    chosen: list[int] = []
    length = 0
    candidates = {i for i, _ in pool if words[i]}
    text = dict(pool)
    while candidates and len(chosen) < max_sentences:
        best = max(candidates, key=lambda i: (sum(probability[w] for w in words[i]) / len(words[i]), -i))
        candidates.discard(best)
        if length + len(text[best].split()) > max_words and chosen:
            continue
        chosen.append(best)
        length += len(text[best].split())
        for w in set(words[best]):
            probability[w] **= 2
    return [text[i] for i in sorted(chosen)]
