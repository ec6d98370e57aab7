"""FanFicFare HTML: ``<h1>`` title and author, a ``<b>Label:</b>`` table, ``section`` chapters."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.library.html_prose import blocks_from_html, inline_text
from bot.library.parsed import ParsedStory, meta_from_labels


def looks_like_fanficfare_html(soup: BeautifulSoup) -> bool:
    return soup.select_one("a[name^=section]") is not None and soup.select_one("table.full") is not None


def authors_after(heading: object, title_link: object) -> str:
    """Every author named after the title in ``<h1>``: "by A, B", whatever the links point to.

    FanFicFare links each author, but a co-author without a page gets ``href='None'``
    and is easy to miss by looking for links alone.
    """
    if not isinstance(heading, Tag) or not isinstance(title_link, Tag):
        return ""
    after: list[str] = []
    seen_title = False
    for node in heading.children:
        if node is title_link:
            seen_title = True
        elif seen_title:
            after.append(node.get_text() if isinstance(node, Tag) else str(node))
    text = " ".join("".join(after).split())
    return text[3:].strip() if text.lower().startswith("by ") else ""


def parse_fanficfare_html(soup: BeautifulSoup) -> ParsedStory:
    heading = soup.find("h1")
    title_link = heading.find("a") if isinstance(heading, Tag) else None
    title = inline_text(title_link) or inline_text(soup.find("title"))
    author = authors_after(heading, title_link) or inline_text(soup.select_one("a.authorlink"))
    labels: dict[str, str] = {}
    for row in soup.select("table.full tr"):
        cells = row.find_all("td")
        if len(cells) == 2 and cells[0].find("b"):
            label = inline_text(cells[0]).rstrip(":").strip().lower()
            labels[label] = summary_text(cells[1]) if label == "summary" else inline_text(cells[1])
    meta = meta_from_labels(labels, title=title, author=author)
    chapters = []
    anchors = soup.select("a[name^=section]")
    for anchor in anchors:
        chapter_title = inline_text(anchor.find("h2")) or f"Chapter {len(chapters) + 1}"
        body = BeautifulSoup("<div></div>", "lxml").div
        assert body is not None
        for sibling in list(anchor.next_siblings):
            if isinstance(sibling, Tag) and sibling.name == "a" and str(sibling.get("name", "")).startswith("section"):
                break
            body.append(sibling.__copy__() if isinstance(sibling, Tag) else str(sibling))
        blocks = blocks_from_html(body)
        if blocks:
            chapters.append(Chapter(chapter_title, blocks))
    if not chapters:
        raise StoryFileError("FanFicFare HTML whose chapters hold no text")
    return ParsedStory(Story(meta, tuple(chapters)), "fanficfare-html")


def summary_text(cell: Tag) -> str:
    """A summary cell, keeping its paragraph breaks."""
    paragraphs = [p for p in blocks_from_html(cell) if p.strip()]
    return "\n\n".join(paragraphs)
