import pytest

from bot.core.models import SCENE_BREAK, count_words
from bot.core.slugs import slugify, unique_slug
from bot.core.text import escape_line_starts, is_scene_break, plain_words, reflow, sentence_ends, sentence_spans


@pytest.mark.parametrize("line", ["* * *", "***", "---", "~~~", "#", "oOo", "xXx", "- - -", "⁂", "~*~*~"])
def test_scene_break_markers(line):
    assert is_scene_break(line)


@pytest.mark.parametrize("line", ["x", "O", "0", "Oh.", "* He left.", "A - B"])
def test_prose_is_not_a_scene_break(line):
    assert not is_scene_break(line)


def test_reflow_joins_hard_wrapped_lines_and_keeps_paragraphs():
    text = "The first line\nwraps here.\n\nSecond paragraph\n   \n* * *\n\nAfter the break."
    assert reflow(text) == ["The first line wraps here.", "Second paragraph", SCENE_BREAK, "After the break."]


def test_reflow_keeps_markdown_hard_breaks():
    assert reflow("Roses are red,  \nviolets are blue.") == ["Roses are red,\nviolets are blue."]


def test_reflow_drops_trailing_and_doubled_scene_breaks():
    assert reflow("A.\n\n***\n\n---\n\nB.\n\n***") == ["A.", SCENE_BREAK, "B."]


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("* not a bullet", "\\* not a bullet"),
        ("- not a list", "\\- not a list"),
        ("# not a heading", "\\# not a heading"),
        ("-# not subtext", "\\-# not subtext"),
        ("> not a quote", "\\> not a quote"),
        ("1. not a list", "1\\. not a list"),
        ("**bold** stays", "**bold** stays"),
        ("*italic* stays", "*italic* stays"),
        ("_italic_ stays", "_italic_ stays"),
        ("a line\n* second", "a line\n\\* second"),
    ],
)
def test_line_start_markdown_is_escaped_but_emphasis_survives(line, escaped):
    assert escape_line_starts(line) == escaped


def test_sentence_spans_cover_the_paragraph():
    text = 'He said, "Go." She went. Did he? Yes!'
    spans = sentence_spans(text)
    assert "".join(text[a:b] for a, b in spans) == text
    assert len(spans) == 4


def test_count_words_ignores_punctuation_tokens():
    assert count_words('"It\'s time," one says \u2014 and ... they nod.') == 7


def test_plain_words_strip_markup_and_escapes():
    assert plain_words("**Bold** and _it_ \\* star") == ["Bold", "and", "it", "star"]


def test_slugs():
    assert slugify("Fight For Me") == "fight-for-me"
    assert slugify("The Watcher's Diary") == "the-watchers-diary"
    assert slugify("Café: Noir!") == "cafe-noir"
    assert slugify("魔法") == "story"
    assert unique_slug("a", {"a", "a-2"}) == "a-3"


def _sentences(text):
    return [text[a:b].strip() for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        ("Mrs. Brown and Ms. Green saw St. Paul. Prof. Xavier nodded.", 2),
        ("John Smith Sr. and Jr. Smith came. Then left.", 2),
        ("It was Kramer vs. Kramer. Then.", ["It was Kramer vs. Kramer.", "Then."]),
        ("Bring fruit, e.g. Apples. Or i.e. Pears.", ["Bring fruit, e.g. Apples.", "Or i.e. Pears."]),
        ("E.g. Paris is big. I.e. Huge.", ["E.g. Paris is big.", "I.e. Huge."]),
        ("Apples, pears, etc. Then she left.", ["Apples, pears, etc.", "Then she left."]),
        ("J. K. Rowling wrote it. So did J.R.R. Tolkien.", ["J. K. Rowling wrote it.", "So did J.R.R. Tolkien."]),
        ("Anton P. Chekhov and Л. Толстой wrote. Yes.", ["Anton P. Chekhov and Л. Толстой wrote.", "Yes."]),
        ("It was I. Then he came.", ["It was I.", "Then he came."]),
        ("It cost 3.5 dollars. Then 4.25 more.", ["It cost 3.5 dollars.", "Then 4.25 more."]),
        ("See No. 5 and p. 12. No. That is wrong.", ["See No. 5 and p. 12.", "No.", "That is wrong."]),
        ("Wait... What? No!", ["Wait...", "What?", "No!"]),
        ("Wait… then what… Nothing.", ["Wait… then what…", "Nothing."]),
        ('"Go, Mr. Brown." She went. (Dr. Who.) Fine.', ['"Go, Mr. Brown."', "She went.", "(Dr. Who.)", "Fine."]),
        ("He said “Mr. Brown.” Then left.", ["He said “Mr. Brown.”", "Then left."]),
        ("mr. smith lowercased. Next one.", ["mr. smith lowercased.", "Next one."]),
        ("The 1st. Then the 2nd.", ["The 1st.", "Then the 2nd."]),
        ("Ms. Hmr. Moved. On.", ["Ms. Hmr.", "Moved.", "On."]),
    ],
)
def test_sentences_do_not_end_after_abbreviations_initials_or_decimals(text, expected):
    found = _sentences(text)
    if isinstance(expected, int):
        assert len(found) == expected, found
    else:
        assert found == expected
    assert "".join(text[a:b] for a, b in sentence_spans(text)) == text


def test_sentence_ends_match_spans():
    text = "Dr. No. 5 is here. Mr. X left! Why? Because."
    ends = sentence_ends(text)
    assert [b for _, b in sentence_spans(text)] == [*ends, len(text)]


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("a\u2028b\x0b c\xa0d", ["a b c d"]),  # any whitespace folds to one space
        ("a  \n  \nb", ["a", "b"]),  # spaces before a blank line: no hard break
        ("one  \ntwo\nthree  ", ["one\ntwo three"]),  # a hard break inside; the last line's spaces go
        ("one  \n   \t\ntwo", ["one", "two"]),
        ("x  \n\u3000  \ny", ["x\ny"]),  # a line of wide space is dropped, yet breaks no paragraph
        ("  \n  ", []),
    ],
)
def test_reflow_folds_whitespace_and_keeps_only_inner_hard_breaks(text, blocks):
    assert reflow(text) == blocks


def test_prose_blocks_of_split_paragraphs_are_those_of_the_text():
    """Chapters pass the paragraphs they split to prose_blocks_from_paragraphs instead of rejoining them."""
    import random

    from bot.core.text import PARAGRAPH_BREAK, prose_blocks, prose_blocks_from_paragraphs

    rng = random.Random(5)
    pieces = ["\n", " ", "  ", "\t", "*", "# ", "- ", "1. ", "> ", "a", "Word.", "\u2028", "\xa0", "⁂", "* * *", "  \n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert prose_blocks_from_paragraphs(PARAGRAPH_BREAK.split(text)) == prose_blocks(text), repr(text)


def test_only_line_starts_are_escaped_in_one_line_and_many_line_paragraphs():
    assert escape_line_starts("a - b * c # d > e 1. f") == "a - b * c # d > e 1. f"
    assert escape_line_starts("  - first") == "  \\- first"
    assert escape_line_starts("first\n  - second > not") == "first\n  \\- second > not"
