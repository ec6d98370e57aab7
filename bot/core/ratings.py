"""Content ratings: one normalised scale for every archive's rating system.

The scale and the mapping are in docs/ratings.md: G < PG < T < M < E,
with U (unrated or unknown) gated like E. Warnings can lift a story's level,
and one warning makes a story never servable at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum


class Rating(Enum):
    """A normalised content rating."""

    G = "G"
    PG = "PG"
    T = "T"
    M = "M"
    E = "E"
    U = "U"

    @property
    def severity(self) -> int:
        """Order for comparisons; unrated counts as explicit, as AO3 screens it."""
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_age_restricted_channel(self) -> bool:
        return self.severity >= Rating.M.severity

    def at_least(self, other: Rating) -> Rating:
        """This rating, raised to ``other`` if that is more severe."""
        return other if other.severity > self.severity else self

    @classmethod
    def parse_level(cls, text: str) -> Rating:
        """A level by its code (``"T"``), for settings and command options."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            codes = ", ".join(r.value for r in cls)
            raise ValueError(f"unknown rating level {text!r}; expected one of {codes}") from None


_SEVERITY = {Rating.G: 0, Rating.PG: 1, Rating.T: 2, Rating.M: 3, Rating.E: 4, Rating.U: 4}
_LABELS = {
    Rating.G: "General audiences",
    Rating.PG: "Older children (9+)",
    Rating.T: "Teen (13+)",
    Rating.M: "Mature (16+)",
    Rating.E: "Explicit (18+)",
    Rating.U: "Unrated",
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9+]+", " ", text.lower()).strip()


# Every archive's rating strings, keyed after _key() folding.
_RATING_TABLE: dict[str, Rating] = {
    # FictionRatings / FanFiction.net (FFN prints "Fiction K+", FFF strips "Fiction ")
    "b": Rating.G,
    "k": Rating.G,
    "k+": Rating.PG,
    "t": Rating.T,
    "m": Rating.M,
    "ma": Rating.E,
    # AO3
    "general audiences": Rating.G,
    "general": Rating.G,
    "teen and up audiences": Rating.T,
    "teen and up": Rating.T,
    "teen": Rating.T,
    "mature": Rating.M,
    "explicit": Rating.E,
    "not rated": Rating.U,
    "unrated": Rating.U,
    "none": Rating.U,
    # Wattpad
    "everyone": Rating.T,
    # MPAA-style
    "g": Rating.G,
    "pg": Rating.PG,
    "pg 13": Rating.T,
    "pg13": Rating.T,
    "r": Rating.M,
    "nc 17": Rating.E,
    "nc17": Rating.E,
    "x": Rating.E,
    "adult": Rating.E,
    "e": Rating.E,
    "u": Rating.U,
}

_FR = re.compile(r"^fr\s*(\d{1,2})$")
_FICTION_PREFIX = re.compile(r"^(fiction|rated|rating)\s+")


def normalise_rating(raw: str | None) -> tuple[Rating, bool]:
    """Map a raw rating string to the scale; the flag says whether it was recognised.

    A missing rating is a recognised ``U``. An unrecognised one is also ``U``
    (so it is gated like explicit material) but reported by the caller.
    """
    if raw is None or not raw.strip():
        return Rating.U, True
    key = _FICTION_PREFIX.sub("", _key(raw))
    if key in _RATING_TABLE:
        return _RATING_TABLE[key], True
    match = _FR.match(key.replace(" ", ""))
    if match:
        return _tth_rating(int(match.group(1))), True
    return Rating.U, False


def _tth_rating(age: int) -> Rating:
    """Twisting the Hellmouth's FRnn ratings, mapped by their age number."""
    if age >= 21:
        return Rating.E
    if age >= 15:
        return Rating.M
    if age >= 13:
        return Rating.T
    if age >= 9:
        return Rating.PG
    return Rating.G


# AO3 archive warnings, canonical display names.
GRAPHIC_VIOLENCE = "Graphic Depictions Of Violence"
MAJOR_CHARACTER_DEATH = "Major Character Death"
RAPE_NON_CON = "Rape/Non-Con"
UNDERAGE_SEX = "Underage Sex"
NO_WARNINGS_APPLY = "No Archive Warnings Apply"
CHOSE_NOT_TO_WARN = "Creator Chose Not To Use Archive Warnings"

_WARNING_ALIASES: dict[str, str] = {
    "graphic depictions of violence": GRAPHIC_VIOLENCE,
    "graphic violence": GRAPHIC_VIOLENCE,
    "violence": GRAPHIC_VIOLENCE,
    "major character death": MAJOR_CHARACTER_DEATH,
    "character death": MAJOR_CHARACTER_DEATH,
    "mcd": MAJOR_CHARACTER_DEATH,
    "rape non con": RAPE_NON_CON,
    "rape noncon": RAPE_NON_CON,
    "non con": RAPE_NON_CON,
    "noncon": RAPE_NON_CON,
    "rape": RAPE_NON_CON,
    "underage sex": UNDERAGE_SEX,
    "underage": UNDERAGE_SEX,
    "no archive warnings apply": NO_WARNINGS_APPLY,
    "no warnings apply": NO_WARNINGS_APPLY,
    "no warnings": NO_WARNINGS_APPLY,
    "none": NO_WARNINGS_APPLY,
    "creator chose not to use archive warnings": CHOSE_NOT_TO_WARN,
    "choose not to use archive warnings": CHOSE_NOT_TO_WARN,
    "chose not to use archive warnings": CHOSE_NOT_TO_WARN,
    "chose not to warn": CHOSE_NOT_TO_WARN,
}

WARNING_NOTES: dict[str, str] = {
    GRAPHIC_VIOLENCE: "graphic violence",
    MAJOR_CHARACTER_DEATH: "a major character dies",
    RAPE_NON_CON: "non-consensual sexual content; read only where explicit material is allowed",
    UNDERAGE_SEX: "sexual content involving minors; never posted anywhere",
    CHOSE_NOT_TO_WARN: "the author chose not to warn, so any warning may apply",
}


def normalise_warnings(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Canonical AO3 warning names, deduplicated in order; unknown warnings kept as written."""
    seen: dict[str, None] = {}
    for item in raw:
        for part in _split_list(item):
            seen.setdefault(_WARNING_ALIASES.get(_key(part), part), None)
    if len(seen) > 1:
        seen.pop(NO_WARNINGS_APPLY, None)
    return tuple(seen)


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]", text) if p.strip()]


@dataclass(frozen=True, slots=True)
class ContentRating:
    """A story's rating as served: the raw string, the level after warnings, and servability."""

    raw: str
    base: Rating
    warnings: tuple[str, ...] = ()
    recognised: bool = True
    level: Rating = field(init=False)
    refusal: str | None = field(init=False)

    def __post_init__(self) -> None:
        level = self.base
        if RAPE_NON_CON in self.warnings:
            level = level.at_least(Rating.E)
        if CHOSE_NOT_TO_WARN in self.warnings:
            level = level.at_least(Rating.M)
        object.__setattr__(self, "level", level)
        refusal = None
        if UNDERAGE_SEX in self.warnings:
            refusal = "tagged Underage Sex: content that sexualises minors is never allowed on Discord"
        object.__setattr__(self, "refusal", refusal)

    @property
    def servable(self) -> bool:
        return self.refusal is None

    @classmethod
    def from_raw(cls, raw: str | None, warnings: list[str] | tuple[str, ...] = ()) -> ContentRating:
        base, recognised = normalise_rating(raw)
        return cls(
            raw=(raw or "").strip(),
            base=base,
            warnings=normalise_warnings(list(warnings)),
            recognised=recognised,
        )

    def notes(self) -> list[str]:
        """Human notes for the warnings that carry one, in order."""
        return [f"{w}: {WARNING_NOTES[w]}" for w in self.warnings if w in WARNING_NOTES]
