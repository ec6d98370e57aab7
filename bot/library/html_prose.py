"""HTML to story blocks: paragraphs with ``_italic_``/``**bold**`` kept, scene breaks marked."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, NavigableString, Tag, XMLParsedAsHTMLWarning

from bot.core.models import SCENE_BREAK
from bot.core.text import escape_line_starts, is_scene_break

_BLOCK = {
    "p",
    "div",
    "blockquote",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "pre",
    "center",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "td",
    "th",
    "dl",
    "dt",
    "dd",
    "body",
}
_INLINE_MARKS = {
    "em": "_",
    "i": "_",
    "cite": "_",
    "strong": "**",
    "b": "**",
    "s": "~~",
    "del": "~~",
    "strike": "~~",
    "u": "__",
}
_SKIP = {"script", "style", "head", "title", "meta", "link", "img", "svg"}


def parse_html(markup: str | bytes) -> BeautifulSoup:
    """Parse HTML or XHTML leniently: archives' markup is rarely valid XML."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def blocks_from_html(element: Tag) -> tuple[str, ...]:
    """The element's prose as blocks, each paragraph re-flowed and Discord-escaped."""
    builder = _Builder()
    builder.walk(element)
    builder.flush()
    blocks = builder.blocks
    while blocks and blocks[-1] == SCENE_BREAK:
        blocks.pop()
    while blocks and blocks[0] == SCENE_BREAK:
        blocks.pop(0)
    return tuple(blocks)


def inline_text(element: Tag | None) -> str:
    """An element's text on one line, whitespace collapsed (for metadata values)."""
    if element is None:
        return ""
    return " ".join(element.get_text(" ").split())


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.current: list[str] = []

    def flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        lines = [" ".join(line.split()) for line in text.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if not paragraph:
            return
        if is_scene_break(paragraph):
            self.scene_break()
        else:
            self.blocks.append(escape_line_starts(paragraph))

    def scene_break(self) -> None:
        self.flush()
        if self.blocks and self.blocks[-1] != SCENE_BREAK:
            self.blocks.append(SCENE_BREAK)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # skips comments, CDATA, doctypes
                    self.current.append(re.sub(r"\s+", " ", str(child)))
                continue
            if not isinstance(child, Tag) or child.name in _SKIP:
                continue
            name = child.name
            if name == "hr":
                self.scene_break()
            elif name == "br":
                self._line_break()
            elif name in _INLINE_MARKS:
                self._inline(child, _INLINE_MARKS[name])
            elif name in _BLOCK:
                self.flush()
                if name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                    self._inline(child, "**")
                else:
                    self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def _line_break(self) -> None:
        # Two <br> in a row end a paragraph, as many archives write paragraphs that way.
        if self.current and self.current[-1] == "\n":
            self.current.pop()
            self.flush()
        else:
            self.current.append("\n")

    def _inline(self, node: Tag, mark: str) -> None:
        inner = _Builder()
        inner.walk(node)
        text = "".join(inner.current)
        if inner.blocks:  # block content inside an inline tag: keep it as paragraphs
            self.flush()
            inner.flush()
            self.blocks.extend(inner.blocks)
            return
        stripped = text.strip()
        if not stripped or "\n" in stripped:
            self.current.append(text)
            return
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        self.current.append(f"{lead}{mark}{stripped}{mark}{trail}")
