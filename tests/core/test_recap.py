from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.installments import cut_installments
from bot.core.recap import recap, sentences
from bot.library.loader import StoryFile, parse_story_file
from tests.conftest import SHIPPED_STORY

STORY = parse_story_file(StoryFile.read(SHIPPED_STORY)).story
INSTALLMENTS = cut_installments(STORY.chapters, minutes=1.0)


def posted(upto: int) -> list[str]:
    return [m for i in INSTALLMENTS[:upto] for m in i.messages]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=len(INSTALLMENTS)), st.integers(min_value=1, max_value=8))
def test_recap_holds_only_sentences_already_posted(upto, size):
    allowed = set(sentences(posted(upto)))
    later = set(sentences(posted(len(INSTALLMENTS)))) - allowed
    summary = recap(posted(upto), max_sentences=size)
    assert set(summary) <= allowed
    assert not set(summary) & later
    assert len(summary) <= size


WORD = st.text(alphabet="abcdefghijklmnop", min_size=2, max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.lists(WORD, min_size=5, max_size=12), min_size=1, max_size=6), min_size=1, max_size=6),
    st.data(),
)
def test_recap_never_reaches_past_the_bound_on_any_story(installments, data):
    texts = [" ".join(" ".join(s).capitalize() + "." for s in inst) for inst in installments]
    upto = data.draw(st.integers(min_value=0, max_value=len(texts)))
    summary = recap(texts[:upto])
    assert set(summary) <= set(sentences(texts[:upto]))


def test_recap_reads_in_story_order_and_covers_the_start():
    summary = recap(posted(2))
    order = sentences(posted(2))
    assert summary == sorted(summary, key=order.index)
    assert 1 <= len(summary) <= 5


def test_nothing_posted_nothing_recapped():
    assert recap([]) == []
