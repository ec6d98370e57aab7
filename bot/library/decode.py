"""Bytes to text: byte-order marks honoured, UTF-8 preferred, legacy encodings detected."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from bot.core.errors import StoryFileError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte encodings story files really come in; detection is limited to these so a
# stray binary file is refused instead of being "decoded" as some exotic code page.
_LEGACY = ["cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "mac_roman"]


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read with; line ends become ``\\n``."""
    if not data.strip():
        raise StoryFileError("the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(encoding)), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise StoryFileError(
                    f"starts with a {encoding.replace('-sig', '').upper()} byte-order mark "
                    f"but is not valid {encoding.replace('-sig', '').upper()}: {exc.reason} "
                    f"at byte {exc.start}"
                ) from None
    if b"\x00" in data[:4096]:
        raise StoryFileError("looks like a binary file (it contains NUL bytes), not a story")
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    best = _legacy_match(data)
    if best is None:
        raise StoryFileError(
            "cannot tell its text encoding: it is not UTF-8 and reads as no single-byte encoding; save it as UTF-8"
        )
    return _normalise_newlines(data.decode(best)), best


def _legacy_match(data: bytes) -> str | None:
    """The single-byte encoding that reads ``data`` best; ties go to the most common one.

    Short texts often read equally well in several code pages (``ï`` in cp1252 is
    ``ď`` in cp1250); Western cp1252 is what legacy fan fiction files mostly are.
    """
    matches = list(from_bytes(data, cp_isolation=_LEGACY, threshold=0.25))
    if not matches:
        return None
    best = min(matches, key=lambda m: (m.chaos, -m.coherence))
    tied = [m.encoding for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    return min(tied, key=lambda e: _LEGACY.index(e) if e in _LEGACY else len(_LEGACY))


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
