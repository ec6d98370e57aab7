"""Every supported format, read from real or faithfully built sample files."""

from pathlib import Path

import pytest

from bot.core.models import SCENE_BREAK
from bot.core.ratings import CHOSE_NOT_TO_WARN, GRAPHIC_VIOLENCE, MAJOR_CHARACTER_DEATH, Rating
from bot.core.text import plain_words
from bot.library.loader import StoryFile, parse_story_file
from tests.conftest import FIXTURES, SHIPPED_STORY
from tests.library.epub_builder import ao3_epub

FFF = FIXTURES / "fanficfare"
AO3 = FIXTURES / "ao3"


def read(path: Path):
    return parse_story_file(StoryFile.read(path))


def test_shipped_story_plain_header():
    parsed = read(SHIPPED_STORY)
    meta = parsed.story.meta
    assert parsed.format == "plain-header"
    assert (meta.title, meta.author, meta.fandom) == (
        "Fight For Me",
        "Singing Violin",
        "Buffy: The Vampire Slayer",
    )
    assert meta.rating_raw == "K" and meta.rating.level is Rating.G
    assert meta.summary == "One last reunion. A request, denied. Another granted. Love. Peace."
    assert meta.disclaimer.startswith("The Buffyverse")
    assert meta.feedback == "is always welcome, though please read the story first."
    assert parsed.story.words == 1243
    body = SHIPPED_STORY.read_text().split("\n\n", 1)[1]
    assert [w for b in parsed.story.chapters[0].blocks for w in plain_words(b)] == plain_words(body)


@pytest.mark.parametrize("suffix", ["txt", "html", "epub"])
def test_fanficfare_sample_matches_its_title_page(suffix):
    parsed = read(FFF / f"long-way-home.{suffix}")
    meta = parsed.story.meta
    assert parsed.format == f"fanficfare-{suffix}"
    assert meta.title == "The Long Way Home"
    assert meta.author == "Quill Harper"
    assert meta.fandom == "Buffy: The Vampire Slayer"
    assert meta.rating_raw == "Teen And Up Audiences"
    assert meta.rating.level is Rating.T
    assert meta.rating.warnings == (MAJOR_CHARACTER_DEATH,)
    assert (
        meta.summary
        == "Willow walks home the long way, and Sunnydale walks with her. A second paragraph: of the summary."
    )
    assert [c.title for c in parsed.story.chapters] == [
        "Chapter 1. The Bronze",
        "Chapter 2. The Cemetery",
        "Chapter 3. Home",
    ]
    assert meta.status == "Completed"
    assert meta.characters == ("Buffy Summers", "Willow Rosenberg")


@pytest.mark.parametrize("suffix", ["txt", "html", "epub"])
def test_fanficfare_default_sample_unknown_rating_wrapped_values(suffix):
    parsed = read(FFF / f"test-story-1.{suffix}")
    meta = parsed.story.meta
    assert meta.title == "Test Story Title 1"
    assert meta.author == "Test Author aa"
    # Wrapped at 78 columns in the TXT; one value in HTML and EPUB.
    assert meta.fandom.endswith("Once Upon a Time (TV), Puella Magi Madoka Magica/魔法少女まどか★マギカ")
    assert meta.rating.level is Rating.U and not meta.rating.recognised
    assert any("Tweenie" in n for n in parsed.notices)
    assert meta.warnings == ("Swearing", "Violence")
    assert len(parsed.story.chapters) == 9 == int(meta.extra["chapters"])
    assert parsed.story.chapters[0].title.startswith("Prologue tests:")
    assert "\n\n" in meta.summary  # the summary's two paragraphs survive


def test_fanficfare_formats_agree_on_the_text():
    words = {
        s: plain_words("\n\n".join(c.text for c in read(FFF / f"test-story-1.{s}").story.chapters))
        for s in ("txt", "html", "epub")
    }
    assert len(words["txt"]) == len(words["html"]) == len(words["epub"])


def test_fanficfare_html_keeps_a_co_author_whose_link_goes_nowhere(tmp_path):
    """FanFicFare links a co-author without a page to ``href='None'``; the author is kept all the same."""
    original = (FFF / "test-story-1.html").read_text(encoding="utf-8")
    one = "<a class='authorlink' href='http://author/url'>Test Author aa</a>"
    assert one in original
    two = one + ", <a class='authorlink' href='None'>Second Writer</a>"
    path = tmp_path / "two-authors.html"
    path.write_text(original.replace(one, two, 1), encoding="utf-8")
    assert read(path).story.meta.author == "Test Author aa, Second Writer"
    assert read(FFF / "test-story-1.html").story.meta.author == "Test Author aa"


def test_fanficfare_body_keeps_emphasis_and_scene_breaks():
    chapter = read(FFF / "test-story-1.txt").story.chapters[1]
    text = chapter.text
    assert "_italics_" in text and "**bold**" in text
    assert SCENE_BREAK in chapter.blocks
    assert "### " not in text  # html2text headings become bold, not giant Discord headings


def _ao3_checks(parsed, fmt):
    meta = parsed.story.meta
    assert parsed.format == fmt
    assert meta.title == "The Watcher's Diary"
    assert meta.author == "Quillfeather"
    assert meta.fandom == "Buffy the Vampire Slayer (TV)"
    assert meta.rating_raw == "Teen And Up Audiences" and meta.rating.level is Rating.T
    assert meta.rating.warnings == (GRAPHIC_VIOLENCE, MAJOR_CHARACTER_DEATH)
    assert meta.summary == "Giles keeps a diary. Some entries are _not_ about vampires.\n\nThree entries, one year."
    assert [c.title for c in parsed.story.chapters] == [
        "Chapter 1: September",
        "Chapter 2: February",
        "Chapter 3: June",
    ]
    assert meta.relationships == ("Rupert Giles & Buffy Summers",)
    assert meta.tags == ("Angst", "Epistolary")
    assert meta.status == "Completed"
    first = parsed.story.chapters[0].blocks
    assert first[1].startswith("\\* She asked")  # a line-start bullet, escaped
    assert SCENE_BREAK in first
    assert "Cold, and colder." not in parsed.story.chapters[1].text  # chapter summary is not text
    assert "Thank you for reading." not in parsed.story.chapters[1].text  # end notes neither


def test_ao3_html_current_labels():
    _ao3_checks(read(AO3 / "the-watcher-s-diary.html"), "ao3-html")


def test_ao3_epub_made_by_calibre_from_the_html(tmp_path):
    _ao3_checks(read(ao3_epub(AO3 / "the-watcher-s-diary.html", tmp_path / "diary.epub")), "ao3-epub")


@pytest.mark.parametrize("build", [False, True])
def test_ao3_old_singular_labels_and_tag_names(tmp_path, build):
    path = AO3 / "old-oneshot.html"
    parsed = read(ao3_epub(path, tmp_path / "old.epub") if build else path)
    meta = parsed.story.meta
    assert meta.title == "Sunnydale Nights" and meta.author == "nightowl"
    assert meta.fandom == "Buffy the Vampire Slayer (TV)"
    assert meta.rating.base is Rating.M
    assert meta.rating.warnings == (CHOSE_NOT_TO_WARN,)
    assert meta.relationships == ("Buffy Summers/Spike",)
    assert len(parsed.story.chapters) == 1
    assert parsed.story.chapters[0].title == "Sunnydale Nights"
    assert meta.summary == "A cemetery, a crypt, a truce that will not last the night."


def test_markdown_front_matter_coerces_values_and_splits_chapters(tmp_path):
    path = tmp_path / "night-shift.md"
    path.write_text(
        "---\ntitle: Night Shift\nauthor: Ann\nfandom: Angel\nrating: No\n"
        "published: 2011-02-04\nwarnings: [Major Character Death]\ntags: [angst, hurt/comfort]\n"
        "summary: 'Two: parts.'\n---\n\nA prologue line.\n\n# One\n\nFirst *chapter* text.\n\n"
        "## A subheading\n\nMore.\n\n# Two\n\n- dash start\n\n***\n\nEnd.\n",
        encoding="utf-8",
    )
    parsed = read(path)
    meta = parsed.story.meta
    assert meta.title == "Night Shift"
    assert meta.rating_raw == "no"  # YAML 1.1 made it False; coerced back to text
    assert meta.published == "2011-02-04"
    assert meta.warnings == ("Major Character Death",)
    assert meta.tags == ("angst", "hurt/comfort")
    assert [c.title for c in parsed.story.chapters] == ["Night Shift", "One", "Two"]
    assert parsed.story.chapters[1].blocks == ("First *chapter* text.", "**A subheading**", "More.")
    assert parsed.story.chapters[2].blocks == ("\\- dash start", SCENE_BREAK, "End.")


def test_sidecar_overrides_and_adds(tmp_path):
    story = tmp_path / "fight.txt"
    story.write_bytes(SHIPPED_STORY.read_bytes())
    (tmp_path / "fight.yaml").write_text(
        "slug: fight\nrating: T\nwarnings: [Major Character Death]\ncontent_notes: terminal illness\n",
        encoding="utf-8",
    )
    meta = read(story).story.meta
    assert meta.slug == "fight"
    assert meta.rating.level is Rating.T
    assert meta.rating.warnings == (MAJOR_CHARACTER_DEATH,)
    assert meta.content_notes == "terminal illness"
    assert meta.title == "Fight For Me"


def test_plain_text_without_header(tmp_path):
    path = tmp_path / "the_quiet_hour.txt"
    path.write_text("Chapter 1\n\nIt was quiet.\nVery quiet.\n\nChapter 2\n\nThen it wasn't.\n", encoding="utf-8")
    parsed = read(path)
    assert parsed.story.meta.title == "The Quiet Hour"
    assert parsed.story.meta.rating.level is Rating.U
    assert any("no header" in n for n in parsed.notices)
    assert [c.title for c in parsed.story.chapters] == ["Chapter 1", "Chapter 2"]
    assert parsed.story.chapters[0].blocks == ("It was quiet. Very quiet.",)


ENCODED = "Title: Café Noir\nAuthor: Zoë\nRating: T\n\nShe ordered a café au lait — naïvely.\n"


@pytest.mark.parametrize(
    "data",
    [
        ENCODED.encode("utf-8"),
        b"\xef\xbb\xbf" + ENCODED.encode("utf-8"),
        ENCODED.encode("utf-16"),  # with BOM
        ENCODED.replace("\n", "\r\n").encode("utf-8"),
        ENCODED.replace("\n", "\r").encode("utf-8"),
        ENCODED.replace("—", "-").encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "crlf", "cr", "cp1252"],
)
def test_encodings_and_line_endings(tmp_path, data):
    path = tmp_path / "cafe.txt"
    path.write_bytes(data)
    parsed = read(path)
    assert parsed.story.meta.title == "Café Noir"
    assert parsed.story.meta.author == "Zoë"
    assert "naïvely" in parsed.story.chapters[0].text


def test_legacy_latin1_story_is_detected_not_mangled(tmp_path):
    text = "Title: Été\nRating: G\n\n" + "Les élèves étaient à la fenêtre, déçus et fâchés. " * 20
    path = tmp_path / "ete.txt"
    path.write_bytes(text.encode("latin-1"))
    parsed = read(path)
    assert parsed.story.meta.title == "Été"
    assert "déçus et fâchés" in parsed.story.chapters[0].text
