"""A page of private reading: a private story or a catch-up, one message at a time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PageKind(StrEnum):
    STORY = "page"  # a private reading of a story; ``owner`` is the story id
    CATCHUP = "catchup"  # a catch-up on a serial; ``owner`` is the schedule id


@dataclass(frozen=True, slots=True)
class Page:
    kind: PageKind
    owner: int
    text: str
    page: int  # from 0
    pages: int

    @property
    def first(self) -> bool:
        return self.page == 0

    @property
    def last(self) -> bool:
        return self.page >= self.pages - 1


def clamp(page: int, pages: int) -> int:
    return max(0, min(page, pages - 1))
