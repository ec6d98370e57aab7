"""Archive of Our Own downloads (HTML, and EPUBs calibre made from that HTML).

The preface's ``dl.tags`` holds the rating and tags. Labels were singular before
2023-10 (``Fandom:``) and plural since (``Fandoms:``); warnings used tag names
before 2023-04 and display names since. Both generations read the same here.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.library.html_prose import blocks_from_html, inline_text
from bot.library.parsed import ParsedStory, meta_from_labels

_LABELS = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "category": "ao3 categories",
    "categories": "ao3 categories",
    "fandom": "fandom",
    "fandoms": "fandom",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tags": "tags",
    "language": "language",
    "series": "series",
    "collections": "collections",
    "stats": "stats",
}


def looks_like_ao3(soup: BeautifulSoup) -> bool:
    if soup.select_one("#preface dl.tags, div.meta dl.tags") is not None:
        return True
    message = soup.select_one("p.message")
    return message is not None and "Archive of Our Own" in message.get_text()


def parse_ao3_soup(soup: BeautifulSoup, fmt: str = "ao3-html") -> ParsedStory:
    meta_div = _preface_meta(soup)
    labels = _tag_labels(meta_div)
    stats = labels.pop("stats", "")
    title = inline_text(meta_div.find("h1")) if meta_div else ""
    if not title:
        title = inline_text(soup.select_one("p.message b")) or inline_text(soup.find("title"))
    author = _byline(meta_div)
    if meta_div is not None:
        labels.update(_preface_blocks(meta_div))
    labels.update(_stats(stats))
    meta = meta_from_labels(labels, title=title, author=author)
    chapters = _chapters(soup)
    if not chapters:
        raise StoryFileError("AO3 download with no chapter text")
    notices = []
    declared = labels.get("chapters declared")
    if declared and declared.isdigit() and int(declared) != len(chapters):
        notices.append(f"AO3 stats say {declared} chapters; the file holds {len(chapters)}")
    return ParsedStory(Story(meta, tuple(chapters)), fmt, tuple(notices))


def _preface_meta(soup: BeautifulSoup) -> Tag | None:
    tags = soup.select_one("dl.tags")
    if tags is not None and isinstance(tags.parent, Tag):
        return tags.parent
    return soup.select_one("#preface div.meta")


def _tag_labels(meta_div: Tag | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    if meta_div is None:
        return labels
    for dt in meta_div.select("dl.tags dt"):
        label = inline_text(dt).rstrip(":").strip().lower()
        dd = dt.find_next_sibling("dd")
        if dd is None:
            continue
        links = [inline_text(a) for a in dd.find_all("a")]
        value = ", ".join(links) if links and label not in {"series", "stats"} else inline_text(dd)
        labels[_LABELS.get(label, label)] = value
    return labels


def _byline(meta_div: Tag | None) -> str:
    if meta_div is None:
        return ""
    byline = meta_div.select_one(".byline")
    if byline is None:
        return ""
    authors = [inline_text(a) for a in byline.select("a[rel=author]")]
    if authors:
        return ", ".join(authors)
    return re.sub(r"^by\s+", "", inline_text(byline))


def _preface_blocks(meta_div: Tag) -> dict[str, str]:
    """``<p>Summary</p><blockquote>`` and ``<p>Notes</p><blockquote>`` pairs."""
    found: dict[str, str] = {}
    for p in meta_div.find_all("p", recursive=False):
        label = inline_text(p).lower()
        quote = p.find_next_sibling()
        if label in {"summary", "notes"} and isinstance(quote, Tag) and quote.name == "blockquote":
            found[label] = "\n\n".join(blocks_from_html(quote))
    return found


def _stats(stats: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in ("Published", "Updated", "Completed"):
        match = re.search(rf"{key}:\s*(\d{{4}}-\d{{2}}-\d{{2}})", stats)
        if match:
            found["updated" if key == "Completed" else key.lower()] = match.group(1)
    chapters = re.search(r"Chapters:\s*(\d+)\s*/\s*(\d+|\?)", stats)
    if chapters:
        found["chapters declared"] = chapters.group(1)
        complete = chapters.group(1) == chapters.group(2) or "Completed:" in stats
        found["status"] = "Completed" if complete else "In-Progress"
    words = re.search(r"Words:\s*([\d,]+)", stats)
    if words:
        found["words declared"] = words.group(1).replace(",", "")
    return found


def _chapters(soup: BeautifulSoup) -> list[Chapter]:
    chapters: list[Chapter] = []
    headings = soup.select("div.meta.group h2.heading")
    if headings:
        for heading in headings:
            group = heading.find_parent("div")
            body = group.find_next("div", class_="userstuff") if group else None
            _append(chapters, inline_text(heading), body)
        return chapters
    # A one-shot: an h2.toc-heading with the title, then the text.
    for heading in soup.select("h2.toc-heading"):
        name = inline_text(heading)
        if name in {"Preface", "Afterword"}:
            continue
        body = heading.find_next("div", class_="userstuff")
        _append(chapters, name, body)
    return chapters


def _append(chapters: list[Chapter], title: str, body: Tag | None) -> None:
    if body is None:
        return
    for landmark in body.select(".landmark"):
        landmark.decompose()
    blocks = blocks_from_html(body)
    if blocks:
        chapters.append(Chapter(title or f"Chapter {len(chapters) + 1}", blocks))
