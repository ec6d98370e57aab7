from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.installments import MESSAGE_LIMIT, cut_installments, pack_messages
from bot.core.models import SCENE_BREAK, Chapter, count_words
from bot.core.text import plain_words

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
