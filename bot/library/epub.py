"""EPUB files: FanFicFare's, AO3's (calibre-made from AO3 HTML), and any other EPUB."""

from __future__ import annotations

import posixpath
import warnings
from dataclasses import replace

from bs4 import BeautifulSoup, Tag

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.core.ratings import normalise_rating
from bot.library.ao3_html import looks_like_ao3, parse_ao3_soup
from bot.library.archive import unpack_zip
from bot.library.fanficfare_html import summary_text
from bot.library.html_prose import blocks_from_html, inline_text, parse_html
from bot.library.parsed import ParsedStory, meta_from_labels

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import ebooklib
    from ebooklib import epub


def parse_epub(data: bytes) -> ParsedStory:
    book = _read_book(data)
    documents = _spine_documents(book)
    if not documents:
        raise StoryFileError("the EPUB has no readable pages in its spine")
    first = documents[0]
    if first.select_one("body.fff_titlepage") is not None:
        return _fanficfare(book, documents)
    if any(looks_like_ao3(doc) for doc in documents):
        # Merging moves the pages' contents, so it comes only once the EPUB is known to be AO3's.
        parsed = parse_ao3_soup(_merge(documents), fmt="ao3-epub")
        return _ao3_rating_from_tags(parsed, book)
    return _generic(book, documents)


def _read_book(data: bytes) -> epub.EpubBook:
    # Every member is unpacked, within archive.py's limits, before ebooklib sees the book;
    # ebooklib then reads from those bytes only (see _CheckedReader).
    members = unpack_zip(data, "EPUB")
    try:
        reader = _CheckedReader(members)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = reader.load()
            reader.process()
        return book
    except StoryFileError:
        raise
    except Exception as exc:  # ebooklib raises bare exceptions and KeyErrors for broken books
        raise StoryFileError(f"not a readable EPUB: {type(exc).__name__}: {exc}") from None


_NO_ARCHIVE = "(unpacked by bot.library.archive)"


class _CheckedReader(epub.EpubReader):
    """ebooklib's reader over members already unpacked by :func:`unpack_zip`.

    ebooklib reads every file through ``read_file``; here that looks the name up among the
    checked members instead of decompressing from the archive again. ebooklib parses the
    container and the OPF with lxml's ``XMLParser(resolve_entities=False)`` (no entities,
    no DTD, no network: tests/library/test_hostile_files.py holds it to that).
    """

    def __init__(self, members: dict[str, bytes]) -> None:
        super().__init__(_NO_ARCHIVE, {"ignore_ncx": True})
        self._members = members

    def _load(self) -> None:  # ebooklib's own opens the archive (self.zf); this one leaves it None
        self._load_container()
        self._load_opf_file()

    def read_file(self, name: str) -> bytes:
        return self._members[posixpath.normpath(name)]  # a KeyError, as ebooklib expects for a missing file


def _spine_documents(book: epub.EpubBook) -> list[BeautifulSoup]:
    docs = []
    for item_id, _linear in book.spine:
        item = book.get_item_with_id(item_id)
        if item is not None and item.get_type() == ebooklib.ITEM_DOCUMENT:
            # .content is the file as stored; get_content() rebuilds it and drops <body> classes.
            docs.append(parse_html(item.content))
    return docs


def _dc(book: epub.EpubBook, name: str) -> list[str]:
    return [str(value).strip() for value, _attrs in book.get_metadata("DC", name) if value]


def _fanficfare(book: epub.EpubBook, documents: list[BeautifulSoup]) -> ParsedStory:
    """FanFicFare's EPUB: the rating and warnings are only on the title page (docs/story-formats.md)."""
    page = documents[0].body
    assert page is not None
    labels: dict[str, str] = {}
    for bold in page.find_all("b"):
        label = inline_text(bold).rstrip(":").strip().lower()
        value_parts = []
        for sibling in bold.next_siblings:
            if isinstance(sibling, Tag) and sibling.name in {"br", "b"}:
                break
            value_parts.append(sibling.get_text(" ") if isinstance(sibling, Tag) else str(sibling))
        labels[label] = " ".join("".join(value_parts).split())
    description = _dc(book, "description")
    if description:
        labels["summary"] = description[0]
    meta = meta_from_labels(labels, title=(_dc(book, "title") or [""])[0], author=", ".join(_dc(book, "creator")))
    chapters = []
    for doc in documents[1:]:
        body = doc.select_one("body.fff_chapter")
        if body is None:
            continue
        heading = body.select_one("h3.fff_chapter_title")
        title = inline_text(heading) or f"Chapter {len(chapters) + 1}"
        if heading is not None:
            heading.decompose()
        blocks = blocks_from_html(body)
        if blocks:
            chapters.append(Chapter(title, blocks))
    if not chapters:
        raise StoryFileError("FanFicFare EPUB whose chapters hold no text")
    return ParsedStory(Story(meta, tuple(chapters)), "fanficfare-epub")


def _merge(documents: list[BeautifulSoup]) -> BeautifulSoup:
    """All spine pages as one document, so AO3's preface/chapter structure reads as in HTML."""
    merged = parse_html("<html><body></body></html>")
    assert merged.body is not None
    for doc in documents:
        if doc.body is not None:
            for child in list(doc.body.children):
                merged.body.append(child)
    return merged


def _ao3_rating_from_tags(parsed: ParsedStory, book: epub.EpubBook) -> ParsedStory:
    """calibre flattens AO3 tags into ``dc:subject``; use them when the preface lost the rating."""
    if parsed.story.meta.rating_raw:
        return parsed
    for subject in _dc(book, "subject"):
        _level, known = normalise_rating(subject)
        if known and len(subject) > 3:  # skip one-letter subjects that happen to be codes
            meta = replace(parsed.story.meta, rating_raw=subject)
            return ParsedStory(Story(meta, parsed.story.chapters), parsed.format, parsed.notices)
    return parsed


def _generic(book: epub.EpubBook, documents: list[BeautifulSoup]) -> ParsedStory:
    title = (_dc(book, "title") or [""])[0]
    if not title:
        raise StoryFileError("the EPUB has no title in its metadata")
    summary_html = (_dc(book, "description") or [""])[0]
    summary = summary_text(parse_html(summary_html).body) if summary_html else ""  # type: ignore[arg-type]
    meta = meta_from_labels(
        {"summary": summary, "language": (_dc(book, "language") or [""])[0]},
        title=title,
        author=", ".join(_dc(book, "creator")),
    )
    chapters = []
    for doc in documents:
        body = doc.body
        if body is None:
            continue
        heading = body.find(["h1", "h2", "h3"])
        chapter_title = inline_text(heading) if isinstance(heading, Tag) else ""
        if isinstance(heading, Tag):
            heading.decompose()
        blocks = blocks_from_html(body)
        if blocks:
            chapters.append(Chapter(chapter_title or f"Chapter {len(chapters) + 1}", blocks))
    if not chapters:
        raise StoryFileError("the EPUB's pages hold no text")
    notice = "a generic EPUB: rating set to unrated (U); add a NAME.yaml sidecar with the rating"
    return ParsedStory(Story(meta, tuple(chapters)), "epub", (notice,))
