"""Pacing: how long a reader needs for what was just posted, and the order posts go out in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.installments import Installment
from bot.core.models import count_words

FIRST_POST_DELAY = 3.0  # seconds between the card and the first message
MIN_DELAY = 1.5  # never faster than this, whatever the speed: no floods
MIN_SPEED, MAX_SPEED = 0.25, 4.0


@dataclass(frozen=True, slots=True)
class Post:
    """One message of a reading, in order: story text, or a chapter heading."""

    installment: int
    text: str
    is_heading: bool = False

    @property
    def words(self) -> int:
        return count_words(self.text)


def reading_script(installments: list[Installment]) -> list[Post]:
    """Every message of a reading in order; a heading opens each chapter of a multi-chapter story."""
    chapters = {i.chapter_number for i in installments}
    posts: list[Post] = []
    for installment in installments:
        if len(chapters) > 1 and installment.part == 1:
            posts.append(Post(installment.number, f"**{installment.chapter_title}**", is_heading=True))
        posts += [Post(installment.number, m) for m in installment.messages]
    return posts


def delay_before(previous: Post | None, *, words_per_minute: int, speed: float = 1.0) -> float:
    """Seconds to wait before the next post: the time a reader needs for the previous one."""
    if previous is None:
        return FIRST_POST_DELAY
    seconds = previous.words / words_per_minute * 60 / max(MIN_SPEED, min(MAX_SPEED, speed))
    return max(MIN_DELAY, seconds)


def faster(speed: float) -> float:
    return min(MAX_SPEED, round(speed * 1.5, 3))


def slower(speed: float) -> float:
    return max(MIN_SPEED, round(speed / 1.5, 3))
