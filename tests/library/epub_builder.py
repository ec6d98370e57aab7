"""Builds EPUBs the way AO3 does: calibre converts the HTML download, split per chapter.

AO3 does not write EPUBs itself: calibre's ``ebook-convert`` makes them from the
HTML download, so the preface, each chapter and the afterword become spine
pages, and every tag (the rating included) is flattened into ``dc:subject``
(docs/story-formats.md, "AO3 downloads").
"""

from __future__ import annotations

import warnings
from pathlib import Path

from bs4 import BeautifulSoup, Tag

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ebooklib import epub


def ao3_epub(html_path: Path, out: Path) -> Path:
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "lxml")
    book = epub.EpubBook()
    title = soup.select_one("#preface h1").get_text(strip=True)
    book.set_identifier("calibre-" + html_path.stem)
    book.set_title(title)
    book.set_language("en")
    for author in soup.select(".byline a[rel=author]"):
        book.add_author(author.get_text(strip=True))
    summary = soup.select_one("#preface blockquote.userstuff")
    if summary is not None:
        book.add_metadata("DC", "description", summary.decode_contents())
    book.add_metadata("DC", "publisher", "Archive of Our Own")
    book.add_metadata("DC", "subject", "Fanworks")
    for a in soup.select("dl.tags dd a"):
        book.add_metadata("DC", "subject", a.get_text(strip=True))

    pages = [_page("preface", "Preface", soup.select_one("#preface"))]
    chapters = soup.select_one("#chapters")
    groups = chapters.select("div.meta.group")
    if groups:
        for n, group in enumerate(groups, 1):
            body = group.find_next_sibling("div", class_="userstuff")
            wrapper = soup.new_tag("div", attrs={"id": "chapters", "class": "userstuff"})
            wrapper.append(group.__copy__())
            wrapper.append(body.__copy__())
            pages.append(_page(f"chapter{n}", group.h2.get_text(strip=True), wrapper))
    else:
        pages.append(_page("chapter1", title, chapters))
    pages.append(_page("afterword", "Afterword", soup.select_one("#afterword")))
    for page in pages:
        book.add_item(page)
    book.toc = pages
    book.spine = pages
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(out), book)
    return out


def _page(name: str, title: str, element: Tag) -> epub.EpubHtml:
    page = epub.EpubHtml(title=title, file_name=f"{name}.xhtml", lang="en")
    page.content = f"<html><head><title>{title}</title></head><body>{element}</body></html>"
    return page
