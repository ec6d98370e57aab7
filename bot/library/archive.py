"""Zip archives from strangers, unpacked within limits (docs/story-formats.md, "Files from strangers").

An EPUB is a zip archive, and a zip archive can claim anything: a few megabytes that unpack to
gigabytes (a zip bomb), a central directory whose sizes lie, members that overlap, or paths that
climb out of the archive. :func:`unpack_zip` checks what the archive declares before anything is
decompressed, then reads every member itself, counting the bytes as they come out, so a member
that holds more than it declared is stopped at the first byte too many. Callers get plain bytes
and never hand the archive to another zip reader.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from io import BytesIO

from bot.core.errors import StoryFileError

MB = 1024 * 1024

# Large fan fiction EPUBs (a million words, or a few illustrations) unpack to about 20 MB. The
# pages are then parsed with BeautifulSoup, at about 8 times their size in memory: 64 MB of prose
# took 8 s and 470 MB at peak when measured, which is as much as one file should cost the bot.
MAX_UNCOMPRESSED = 64 * MB
# A FanFicFare EPUB has one page per chapter; ten thousand files is far beyond any real story.
MAX_MEMBERS = 10_000
# The central directory is parsed before any check can run, so its own size is bounded first.
MAX_DIRECTORY_BYTES = 4 * MB
# Prose deflates about 3:1 and images not at all; deflate cannot pass about 1032:1, which is
# what a zip bomb's zeros reach. Members up to RATIO_FLOOR may compress as well as they like.
MAX_RATIO = 100
RATIO_FLOOR = 256 * 1024
# EPUB paths look like OEBPS/Text/chapter1.xhtml.
MAX_PATH_DEPTH = 16
MAX_NAME_LENGTH = 255

_READ_CHUNK = 1 * MB
_STORED, _DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
_ENCRYPTED = 0x1
_UTF8_NAME = 0x800

_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record
_END64_SIGNATURE = b"PK\x06\x06"
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ODD_NAME = re.compile(r"[\x00-\x1f\x7f\\]|^[A-Za-z]:")


def unpack_zip(data: bytes, what: str) -> dict[str, bytes]:
    """Every file in the zip archive ``data`` by name, or :class:`StoryFileError` naming the limit.

    ``what`` names the file in messages ("EPUB"). Directory entries are left out.
    """
    damaged = f"not a readable {what}: the zip archive is truncated or damaged"
    entries, directory_bytes = _declared_directory(data, damaged)
    if entries > MAX_MEMBERS:
        raise StoryFileError(f"the {what} holds {entries:,} files, more than the {MAX_MEMBERS:,} Storyteller reads")
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise StoryFileError(
            f"the {what}'s list of files takes {size_text(directory_bytes)}, "
            f"more than the {size_text(MAX_DIRECTORY_BYTES)} Storyteller reads"
        )
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise StoryFileError(damaged) from None
    check_members(members, len(data), what)
    unpacked: dict[str, bytes] = {}
    budget = MAX_UNCOMPRESSED
    for info in members:
        content = _read_member(data, info, budget, what, damaged)
        budget -= len(content)
        if not info.is_dir():
            unpacked[info.filename] = content
    return unpacked


def check_members(members: list[zipfile.ZipInfo], archive_bytes: int, what: str) -> None:
    """Refuse an archive on what its central directory declares, before anything is unpacked."""
    if len(members) > MAX_MEMBERS:
        raise StoryFileError(
            f"the {what} holds {len(members):,} files, more than the {MAX_MEMBERS:,} Storyteller reads"
        )
    total = sum(info.file_size for info in members)
    if total > MAX_UNCOMPRESSED:
        raise StoryFileError(
            f"the {what} would unpack to {size_text(total)}, "
            f"more than the {size_text(MAX_UNCOMPRESSED)} Storyteller reads"
        )
    names: set[str] = set()
    for info in members:
        _check_name(info, what)
        if info.filename in names:
            raise StoryFileError(f"the {what} holds two files named {info.filename!r}")
        names.add(info.filename)
        if info.flag_bits & _ENCRYPTED:
            raise StoryFileError(f"the {what} is encrypted ({info.filename!r}); Storyteller reads only open files")
        if info.compress_type not in (_STORED, _DEFLATED):
            raise StoryFileError(
                f"the {what} packs {info.filename!r} with zip method {info.compress_type}; "
                "Storyteller reads deflate or no compression"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise StoryFileError(
                f"{info.filename!r} in the {what} would unpack to {size_text(info.file_size)} from "
                f"{size_text(info.compress_size)}, more than {MAX_RATIO} times its size: it looks like a zip bomb"
            )
    if total > RATIO_FLOOR and total > MAX_RATIO * max(archive_bytes, 1):
        raise StoryFileError(
            f"the {what} would unpack to {size_text(total)} from {size_text(archive_bytes)}, "
            f"more than {MAX_RATIO} times its size: it looks like a zip bomb"
        )
    _check_no_overlap(members, archive_bytes, what)


def size_text(n: int) -> str:
    """``4.2 GB``, ``64 MB``, ``300 KB``, ``12 bytes``."""
    for unit, scale in (("GB", 1024 * MB), ("MB", MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _declared_directory(data: bytes, damaged: str) -> tuple[int, int]:
    """How many members the end record declares, and its central directory's size in bytes.

    Found the way :mod:`zipfile` finds it, so both read the same record.
    """
    if len(data) >= _END.size and data[-_END.size : -_END.size + 4] == _END_SIGNATURE and data[-2:] == b"\0\0":
        start = len(data) - _END.size
    else:
        search_from = max(len(data) - (1 << 16) - _END.size, 0)
        start = data.rfind(_END_SIGNATURE, search_from)
    if start < 0 or len(data) - start < _END.size:
        raise StoryFileError(damaged)
    _sig, _disk, _cd_disk, _disk_entries, entries, directory_bytes, _offset, _comment = _END.unpack_from(data, start)
    locator = start - _END64_LOCATOR.size
    if locator >= 0 and data[locator : locator + 4] == _END64_LOCATOR_SIGNATURE:
        end64 = locator - _END64.size
        if end64 < 0 or data[end64 : end64 + 4] != _END64_SIGNATURE:
            raise StoryFileError(damaged)
        fields = _END64.unpack_from(data, end64)
        entries, directory_bytes = fields[7], fields[8]
    return entries, directory_bytes


def _check_name(info: zipfile.ZipInfo, what: str) -> None:
    name = info.orig_filename
    parts = name.rstrip("/").split("/")
    odd = (
        name != info.filename  # a NUL byte, which zipfile cuts the name at
        or not name.strip("/")
        or name.startswith("/")
        or _ODD_NAME.search(name) is not None
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(name.rstrip("/")) != name.rstrip("/")
    )
    if odd:
        raise StoryFileError(f"the {what} holds a file with an odd path: {name[:80]!r}")
    if len(name) > MAX_NAME_LENGTH or len(parts) > MAX_PATH_DEPTH:
        raise StoryFileError(
            f"the {what} holds a file whose path is too long or too deep: {name[:80]!r} "
            f"(Storyteller reads up to {MAX_PATH_DEPTH} folders deep and {MAX_NAME_LENGTH} characters)"
        )


def _check_no_overlap(members: list[zipfile.ZipInfo], archive_bytes: int, what: str) -> None:
    """Each member's bytes lie inside the archive and apart from the others' (overlap makes zip bombs)."""
    end = 0
    for info in sorted(members, key=lambda member: member.header_offset):
        if info.header_offset < end:
            raise StoryFileError(f"the {what} is malformed: {info.filename!r} overlaps another file")
        end = info.header_offset + _LOCAL.size + len(info.orig_filename) + info.compress_size
        if end > archive_bytes:
            raise StoryFileError(f"not a readable {what}: {info.filename!r} runs past the end of the file (truncated?)")


def _read_member(data: bytes, info: zipfile.ZipInfo, budget: int, what: str, damaged: str) -> bytes:
    """One member's bytes, decompressed here and never beyond its declared size or ``budget``."""
    offset = info.header_offset
    if offset + _LOCAL.size > len(data):
        raise StoryFileError(damaged)
    header = _LOCAL.unpack_from(data, offset)
    signature, flags, name_length, extra_length = header[0], header[3], header[10], header[11]
    if signature != _LOCAL_SIGNATURE:
        raise StoryFileError(damaged)
    raw_name = data[offset + _LOCAL.size : offset + _LOCAL.size + name_length]
    try:
        local_name = raw_name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
    except UnicodeDecodeError:
        raise StoryFileError(damaged) from None
    if local_name != info.orig_filename:
        raise StoryFileError(f"the {what} is malformed: {info.filename!r} is named {local_name!r} in its own header")
    start = offset + _LOCAL.size + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise StoryFileError(damaged)
    if info.compress_type == _STORED:
        content = bytes(raw[: min(info.file_size, budget) + 1])
    else:
        content = _inflate(raw, min(info.file_size, budget) + 1, info, what)
    if len(content) > info.file_size:
        raise StoryFileError(
            f"the {what} is malformed: {info.filename!r} unpacks to more than the {size_text(info.file_size)} "
            "its header declares (a zip bomb's trick), so Storyteller stopped reading it"
        )
    if len(content) > budget:  # only if the declared sizes were not checked first
        raise StoryFileError(f"the {what} unpacks to more than the {size_text(MAX_UNCOMPRESSED)} Storyteller reads")
    if len(content) < info.file_size:
        raise StoryFileError(f"the {what} is damaged: {info.filename!r} is shorter than its header declares")
    if zlib.crc32(content) != info.CRC:
        raise StoryFileError(f"the {what} is damaged: {info.filename!r} fails its checksum")
    return content


def _inflate(raw: memoryview, limit: int, info: zipfile.ZipInfo, what: str) -> bytes:
    """Raw deflate data, decompressed a chunk at a time and never to more than ``limit`` bytes."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    pending: bytes | memoryview = raw
    try:
        while not inflater.eof and len(out) < limit:
            chunk = inflater.decompress(pending, min(_READ_CHUNK, limit - len(out)))
            pending = inflater.unconsumed_tail
            out += chunk
            if not chunk and not pending:
                break  # the input ran out before the deflate stream ended
    except zlib.error:
        raise StoryFileError(f"the {what} is damaged: {info.filename!r} cannot be decompressed") from None
    if not inflater.eof and len(out) < limit:
        raise StoryFileError(f"the {what} is damaged: {info.filename!r} is cut short")
    return bytes(out)
