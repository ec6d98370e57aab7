from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import installments as installments_module
from bot.core.installments import MESSAGE_LIMIT, cut_installments, pack_messages
from bot.core.models import SCENE_BREAK, Chapter, count_words
from bot.core.text import plain_words, sentence_spans

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFG", min_size=1, max_size=14)
PUNCT = st.sampled_from(["", "", "", ".", ",", "!", "?", '."', "..."])


@st.composite
def paragraphs(draw, max_words=400):
    words = draw(st.lists(st.tuples(WORD, PUNCT), min_size=1, max_size=max_words))
    text = " ".join(w + p for w, p in words)
    if draw(st.booleans()):  # emphasis spans of several words
        parts = text.split(" ")
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(i, min(len(parts) - 1, i + 30)))
        mark = draw(st.sampled_from(["**", "_", "~~"]))
        parts[i], parts[j] = mark + parts[i], parts[j] + mark
        text = " ".join(parts)
    return text


@st.composite
def chapters(draw):
    count = draw(st.integers(1, 4))
    result = []
    for n in range(count):
        blocks = draw(st.lists(st.one_of(paragraphs(), st.just(SCENE_BREAK)), min_size=1, max_size=25))
        if all(b == SCENE_BREAK for b in blocks):
            blocks.append("Closing words.")
        result.append(Chapter(f"Chapter {n + 1}", tuple(blocks)))
    return result


def story_words(chs):
    return [w for c in chs for b in c.blocks if b != SCENE_BREAK for w in plain_words(b)]


@settings(max_examples=120, deadline=None)
@given(chapters(), st.sampled_from([0.5, 1.0, 2.0, 5.0]))
def test_every_word_once_in_order_and_every_message_fits(chs, minutes):
    installments = cut_installments(chs, minutes=minutes, words_per_minute=230)
    messages = [m for i in installments for m in i.messages]
    assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
    assert [w for m in messages for w in plain_words(m)] == story_words(chs)


@settings(max_examples=80, deadline=None)
@given(chapters())
def test_installments_never_cross_chapters_and_are_numbered(chs):
    installments = cut_installments(chs, minutes=1.0, words_per_minute=230)
    assert [i.number for i in installments] == list(range(1, len(installments) + 1))
    chapter_numbers = [i.chapter_number for i in installments]
    assert chapter_numbers == sorted(chapter_numbers)
    for i in installments:
        assert i.blocks[0] != SCENE_BREAK and i.blocks[-1] != SCENE_BREAK


def test_paragraphs_are_not_split_unless_over_target():
    paragraph = " ".join(["word"] * 100) + "."
    chapter = Chapter("One", tuple([paragraph] * 20))  # 2,000 words, 100-word paragraphs
    installments = cut_installments([chapter], minutes=2.0, words_per_minute=230)  # 460-word target
    assert len(installments) == round(2000 / 460)
    for i in installments:
        assert all(b == paragraph for b in i.blocks)


def test_cuts_prefer_a_nearby_scene_break():
    p = " ".join(["word"] * 50) + "."
    blocks = [p] * 9 + [SCENE_BREAK] + [p] * 11  # ideal cut at 500 words: after block 10
    installments = cut_installments([Chapter("One", tuple(blocks))], minutes=500 / 230)
    assert len(installments) == 2
    assert len(installments[0].blocks) == 9  # cut at the scene break, not at the exact middle


def test_a_paragraph_over_the_target_is_split_at_sentences():
    sentence = "Word " + " ".join(["word"] * 29) + "."
    giant = " ".join([sentence] * 40)  # 1,200 words in one paragraph
    installments = cut_installments([Chapter("One", (giant,))], minutes=1.0, words_per_minute=230)
    assert len(installments) > 1
    for i in installments:
        assert i.words <= 2 * 230
        assert all(b.endswith(".") for b in i.blocks)


def test_long_paragraph_message_split_at_sentence_end():
    sentence = "This sentence is exactly as long as it needs to be for the test. "
    paragraph = (sentence * 40).strip()
    messages = pack_messages([paragraph])
    assert len(messages) == 2
    assert messages[0].endswith("test.")
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)


def test_emphasis_span_is_not_split_when_another_cut_exists():
    before = "Plain words here. " * 90
    span = "**" + "bold words that must stay together " * 8 + "end**"
    messages = pack_messages([before + span + " tail."])
    assert all(m.count("**") % 2 == 0 for m in messages)
    assert any(span in m for m in messages)


def test_single_span_longer_than_a_message_is_closed_and_reopened():
    span = "_" + " ".join(["italic"] * 500) + "_"
    messages = pack_messages([span])
    assert len(messages) > 1
    assert all(m.startswith("_") and m.endswith("_") for m in messages)
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)


def test_word_count_of_installments_matches_story():
    chs = [Chapter("A", ("One two three.", SCENE_BREAK, "Four five.")), Chapter("B", ("Six.",))]
    installments = cut_installments(chs)
    assert sum(i.words for i in installments) == 6 == sum(count_words(b) for c in chs for b in c.blocks)


# Reference versions of the cut, as written before it was made linear: the
# linear code must choose exactly the same cuts and pieces.


def _divide_reference(blocks, target):
    words = [0 if b == SCENE_BREAK else count_words(b) for b in blocks]
    total = sum(words)
    count = max(1, round(total / target))
    if count == 1:
        return [installments_module._trim(blocks)] if installments_module._trim(blocks) else []
    cumulative = [0]
    for w in words:
        cumulative.append(cumulative[-1] + w)
    tolerance = total / count / 4
    cuts, previous = [], 0
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
    parts = [installments_module._trim(blocks[a:b]) for a, b in zip([0, *cuts], [*cuts, len(blocks)], strict=True)]
    return [p for p in parts if p]


def _fit_reference(paragraph, limit):
    pieces, rest = [], paragraph
    while len(rest) > limit:
        cut, marker = installments_module._best_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if marker:
            head, rest = head + marker, marker + rest
        pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(paragraphs(max_words=60), st.just(SCENE_BREAK)), min_size=1, max_size=60),
    st.integers(5, 400),
)
def test_linear_divide_chooses_the_same_cuts_as_the_quadratic_one(blocks, target):
    blocks = [b for b in blocks if b]
    words = [0 if b == SCENE_BREAK else count_words(b) for b in blocks]
    assert installments_module._divide(blocks, words, target) == _divide_reference(blocks, target)


@settings(max_examples=200, deadline=None)
@given(paragraphs(max_words=600), st.sampled_from([20, 60, 200, MESSAGE_LIMIT]))
def test_fitting_with_offsets_gives_the_same_pieces_as_reslicing(paragraph, limit):
    assert installments_module._fit(paragraph, limit) == _fit_reference(paragraph, limit)


def test_long_paragraph_word_counts_add_up_by_sentence():
    sentence = "Mr. Brown said it again. " + " ".join(["word"] * 40) + "! "
    giant = (sentence * 300).strip()
    blocks, words = installments_module._split_long_paragraphs((giant, SCENE_BREAK, "Short one."), 230)
    assert len(blocks) > 3
    assert words == [count_words(b) for b in blocks]
    assert all(w <= 230 for w in words)
    assert " ".join(b for b in blocks if b not in (SCENE_BREAK, "Short one.")) == giant


# Speed is measured by bench/bench_split.py (docs/benchmarks.md); these check that
# large inputs still keep every word, in order, in messages that fit.


def test_a_huge_paragraph_without_sentence_ends_is_packed_whole():
    run_on = " ".join(["lorem", "_ipsum dolor_", "sit", "**amet**"] * 60_000)  # 1.5 MB, no sentence end
    installments = cut_installments([Chapter("One", (run_on,))], minutes=5.0)
    messages = [m for i in installments for m in i.messages]
    assert len(messages) > 700
    assert all(0 < len(m) <= MESSAGE_LIMIT for m in messages)
    assert all(m.count("**") % 2 == 0 for m in messages)
    assert [w for m in messages for w in plain_words(m)] == plain_words(run_on)


def test_a_long_chapter_is_cut_into_near_equal_parts_at_scene_breaks():
    paragraph = "She turned to the window. The night was quiet, and he said nothing at all."
    blocks = tuple((SCENE_BREAK if n % 37 == 0 else paragraph) for n in range(1, 60_000))  # 4.3 MB
    installments = cut_installments([Chapter("One", blocks)])
    assert len(installments) == 761
    assert sum(i.words for i in installments) == Chapter("One", blocks).words
    assert all(1150 / 2 <= i.words <= 1150 * 3 / 2 for i in installments)


def _split_long_paragraphs_reference(blocks, target):
    out = []
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(paragraphs(), st.just(SCENE_BREAK)), min_size=1, max_size=8), st.integers(1, 300))
def test_counting_runs_of_sentences_divides_long_paragraphs_as_one_by_one_did(blocks, target):
    blocks = tuple(blocks)
    out, words = installments_module._split_long_paragraphs(blocks, target)
    assert out == _split_long_paragraphs_reference(blocks, target)
    assert words == [0 if b == SCENE_BREAK else count_words(b) for b in out]
