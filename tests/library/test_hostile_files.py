"""Story files from strangers: zip bombs, lying archives, odd paths and XML entity tricks.

Server admins upload story files from Discord, so every reader in ``bot/library`` reads files made
by people who may mean harm (docs/story-formats.md, "Files from strangers"). The archives here are
written by hand, byte by byte, because the point is that they lie; the bombs are built from one
repeated deflate block, so a 5 GB bomb takes 5 MB and no time to make.
"""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from bot.core.errors import StoryFileError
from bot.library import archive
from bot.library.archive import MAX_MEMBERS, MAX_RATIO, MAX_UNCOMPRESSED, MB, unpack_zip
from bot.library.loader import StoryFile, parse_story_file
from tests.conftest import FIXTURES, ROOT

GB = 1024 * MB

# ---------------------------------------------------------------------------------------------
# Writing zip archives that say what we like
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One file of a hand-written zip: its stored bytes and what its headers declare."""

    name: str
    stored: Callable[[], Iterable[bytes]]  # the bytes as stored, in pieces
    stored_size: int
    declared_size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    alias_of: int | None = None  # a second directory entry for an earlier member's bytes

    @property
    def raw_name(self) -> bytes:
        return self.name.encode("utf-8")


def deflated(name: str, content: bytes) -> Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    data = packer.compress(content) + packer.flush()
    return Member(name, lambda: [data], len(data), len(content), zlib.crc32(content))


def stored(name: str, content: bytes) -> Member:
    return Member(name, lambda: [content], len(content), len(content), zlib.crc32(content), zipfile.ZIP_STORED)


def _zero_block() -> tuple[bytes, bytes]:
    """Deflate of 1 MB of zeros, ending in a full flush so the next block starts afresh; and the end."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(bytes(MB)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block, packer.flush()


ZERO_BLOCK, ZERO_END = _zero_block()
NOISE = deflated("OEBPS/a.xhtml", random.Random(7).randbytes(4000))  # does not compress; cut, it ends early


def zeros(name: str, real: int, declared: int | None = None, crc: int | None = None) -> Member:
    """``real`` bytes of zeros (a whole number of MB) as one deflate stream of about real/1000 bytes."""
    blocks = real // MB

    def pieces() -> Iterator[bytes]:
        for _ in range(blocks):
            yield ZERO_BLOCK
        yield ZERO_END

    size = declared if declared is not None else real
    return Member(name, pieces, blocks * len(ZERO_BLOCK) + len(ZERO_END), size, crc if crc is not None else 0)


def write_zip(out: io.RawIOBase | io.BufferedIOBase, members: list[Member], zip64_end: bool = False) -> None:
    """Local headers, data and central directory, each field as the member declares it.

    With ``zip64_end`` the counts and sizes are in a zip64 end record, as tools write for big archives.
    """
    offsets: list[int] = []
    position = 0
    for member in members:
        if member.alias_of is not None:
            offsets.append(offsets[member.alias_of])
            continue
        offsets.append(position)
        zip64 = member.declared_size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, member.declared_size, member.stored_size) if zip64 else b""
        header = struct.pack(
            "<4s2B4HL2L2H",
            b"PK\x03\x04",
            45 if zip64 else 20,
            0,
            member.flags,
            member.method,
            0,
            0x21,
            member.crc,
            0xFFFFFFFF if zip64 else member.stored_size,
            0xFFFFFFFF if zip64 else member.declared_size,
            len(member.raw_name),
            len(extra),
        )
        out.write(header + member.raw_name + extra)
        written = 0
        for piece in member.stored():
            out.write(piece)
            written += len(piece)
        assert written == member.stored_size
        position += len(header) + len(member.raw_name) + len(extra) + written
    directory = bytearray()
    for member, offset in zip(members, offsets, strict=True):
        zip64 = member.declared_size >= 0xFFFFFFFF
        extra = struct.pack("<HHQ", 1, 8, member.declared_size) if zip64 else b""
        directory += struct.pack(
            "<4s4B4HL2L5H2L",
            b"PK\x01\x02",
            45 if zip64 else 20,
            3,
            45 if zip64 else 20,
            0,
            member.flags,
            member.method,
            0,
            0x21,
            member.crc,
            member.stored_size,
            0xFFFFFFFF if zip64 else member.declared_size,
            len(member.raw_name),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        directory += member.raw_name + extra
    out.write(directory)
    count, size = len(members), len(directory)
    if zip64_end:
        out.write(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, position))
        out.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, position + size, 1))
        count, size, position = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, position, 0))


def zip_bytes(members: list[Member], zip64_end: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, members, zip64_end)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# A small EPUB, written by hand so its XML reaches the parsers exactly as written
# ---------------------------------------------------------------------------------------------

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="utf-8"?>{doctype}
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">hostile-1</dc:identifier><dc:title>{title}</dc:title><dc:language>en</dc:language>
<dc:creator>Someone</dc:creator><dc:description>{summary}</dc:description>
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="c1" href="chapter1.xhtml" media-type="application/xhtml+xml"/>{extra_items}
</manifest>
<spine><itemref idref="c1"/></spine>
</package>"""

NAV = """<?xml version="1.0" encoding="utf-8"?>{doctype}
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Nav</title></head>
<body><nav epub:type="toc"><ol><li><a href="chapter1.xhtml">{title}</a></li></ol></nav></body></html>"""

CHAPTER = """<?xml version="1.0" encoding="utf-8"?>{doctype}
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title></head>
<body><h1>Chapter One</h1><p>The road was long.</p><p>{body}</p><p>The end.</p></body></html>"""


def epub_bytes(
    doctype: str = "", title: str = "A Safe Story", summary: str = "A summary.", body: str = "Some text."
) -> bytes:
    fill = {"doctype": doctype, "title": title, "summary": summary, "body": body, "extra_items": ""}
    return zip_bytes(
        [
            stored("mimetype", b"application/epub+zip"),
            deflated("META-INF/container.xml", CONTAINER),
            deflated("OEBPS/content.opf", OPF.format(**fill).encode()),
            deflated("OEBPS/nav.xhtml", NAV.format(**fill).encode()),
            deflated("OEBPS/chapter1.xhtml", CHAPTER.format(**fill).encode()),
        ]
    )


def parse(name: str, data: bytes):
    return parse_story_file(StoryFile(Path(name), data, None, None))


def test_the_hand_written_epub_reads():
    """The archives below differ from this one only in what they are testing."""
    story = parse("safe.epub", epub_bytes()).story
    assert story.meta.title == "A Safe Story"
    assert story.chapters[0].blocks == ("The road was long.", "Some text.", "The end.")


# ---------------------------------------------------------------------------------------------
# Zip bombs, measured in a process of their own
# ---------------------------------------------------------------------------------------------

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a broken check fails here, not the machine
from bot.core.errors import StoryFileError
from bot.library.loader import StoryFile, parse_story_file
path = Path(sys.argv[1])
data = path.read_bytes()
start = time.perf_counter()
try:
    parse_story_file(StoryFile(path, data, None, None))
    outcome = "read"
except StoryFileError as exc:
    outcome = "refused: " + str(exc)
except MemoryError:
    outcome = "MemoryError"
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": peak_mb}))
"""


def _measure(path: Path) -> dict:
    """Parse ``path`` in a fresh interpreter: what happened, its wall time (start-up included), peak RSS."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    wall = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    print(f"{path.name}: {result}")  # shown with pytest -s: the figures docs/story-formats.md quotes
    return result


def _bomb_epub(path: Path, bomb: Member, zip64_end: bool = False) -> Path:
    fill = {"doctype": "", "title": "Bomb", "summary": "", "body": "", "extra_items": ""}
    with path.open("wb") as out:
        write_zip(
            out,
            [
                stored("mimetype", b"application/epub+zip"),
                deflated("META-INF/container.xml", CONTAINER),
                deflated("OEBPS/content.opf", OPF.format(**fill).encode()),
                deflated("OEBPS/nav.xhtml", NAV.format(**fill).encode()),
                bomb,
            ],
            zip64_end,
        )
    return path


def test_zip_bomb_is_refused_before_unpacking_quickly_and_in_little_memory(tmp_path):
    # 5 GB of zeros in one member (zip64 sizes), as honest as a bomb gets: the directory says 5 GB.
    path = _bomb_epub(tmp_path / "bomb.epub", zeros("OEBPS/chapter1.xhtml", 5 * GB), zip64_end=True)
    assert path.stat().st_size < 6 * MB
    with zipfile.ZipFile(path) as made:
        assert made.getinfo("OEBPS/chapter1.xhtml").file_size == 5 * GB
    result = _measure(path)
    assert result["outcome"] == "refused: the EPUB would unpack to 5 GB, more than the 64 MB Storyteller reads"
    assert result["wall"] < 10
    assert result["peak_mb"] < 500


def test_bomb_whose_directory_lies_is_stopped_while_reading(tmp_path):
    # 2 GB of zeros declared as 1 MB, with the checksum of that first 1 MB: a reader that trusts the
    # directory and stops at the declared size would take it. The declared sizes pass every check.
    lie = zeros("OEBPS/chapter1.xhtml", 2 * GB, declared=MB, crc=zlib.crc32(bytes(MB)))
    path = _bomb_epub(tmp_path / "liar.epub", lie)
    assert path.stat().st_size < 3 * MB
    with zipfile.ZipFile(path) as made:
        archive.check_members(made.infolist(), path.stat().st_size, "EPUB")  # nothing to see from outside
    result = _measure(path)
    assert result["outcome"] == (
        "refused: the EPUB is malformed: 'OEBPS/chapter1.xhtml' unpacks to more than the 1 MB its header "
        "declares (a zip bomb's trick), so Storyteller stopped reading it"
    )
    assert result["wall"] < 10
    assert result["peak_mb"] < 500


def _no_decompression(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("decompressed before the checks refused the archive")

    monkeypatch.setattr(archive.zlib, "decompressobj", refuse)


def test_one_member_that_compresses_too_well_is_refused_before_unpacking(monkeypatch):
    data = zip_bytes([stored("mimetype", b"application/epub+zip"), zeros("OEBPS/a.xhtml", 40 * MB)])
    assert 40 * MB < MAX_UNCOMPRESSED  # within the total: the ratio alone refuses it
    _no_decompression(monkeypatch)
    with pytest.raises(StoryFileError, match=rf"'OEBPS/a.xhtml' .* 40 MB from [\d.]+ KB, more than {MAX_RATIO} times"):
        parse("ratio.epub", data)


def test_many_small_members_that_compress_too_well_are_refused(monkeypatch):
    small = deflated("x", bytes(200 * 1024))  # each below RATIO_FLOOR, so no member alone is refused
    members = [replace(small, name=f"OEBPS/p{n}.xhtml") for n in range(300)]
    data = zip_bytes(members)
    assert sum(m.declared_size for m in members) < MAX_UNCOMPRESSED
    _no_decompression(monkeypatch)
    refusal = rf"the EPUB would unpack to 58.6 MB from [\d.]+ KB, more than {MAX_RATIO} times"
    with pytest.raises(StoryFileError, match=refusal):
        parse("many.epub", data)


@pytest.mark.parametrize("zip64_end", [False, True])
def test_too_many_members_are_refused_before_the_directory_is_read(monkeypatch, zip64_end):
    members = [stored(f"OEBPS/{n}.css", b"") for n in range(MAX_MEMBERS + 1)]
    data = zip_bytes(members, zip64_end)
    with zipfile.ZipFile(io.BytesIO(data)) as made:
        assert len(made.infolist()) == MAX_MEMBERS + 1
    monkeypatch.setattr(archive.zipfile, "ZipFile", None)  # the count comes from the end record alone
    with pytest.raises(StoryFileError, match=r"holds 10,001 files, more than the 10,000 Storyteller reads"):
        parse("crowded.epub", data)


def test_a_huge_central_directory_is_refused_before_it_is_read(monkeypatch):
    data = bytearray(epub_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<L", data, end + 12, 200 * MB)  # the directory's declared size
    monkeypatch.setattr(archive.zipfile, "ZipFile", None)
    with pytest.raises(StoryFileError, match=r"list of files takes 200 MB, more than the 4 MB Storyteller reads"):
        parse("directory.epub", bytes(data))


def test_overlapping_members_are_refused():
    """The "better zip bomb": many directory entries sharing one compressed kernel."""
    kernel = deflated("OEBPS/a.xhtml", b"<p>" + b"x" * 1000 + b"</p>")
    members = [kernel] + [replace(kernel, name=f"OEBPS/{n}.xhtml", alias_of=0) for n in range(3)]
    with pytest.raises(StoryFileError, match="overlaps another file"):
        parse("overlap.epub", zip_bytes(members))


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../../outside.xhtml",
        "OEBPS/../../outside.xhtml",
        "OEBPS\\chapter.xhtml",
        "C:/Windows/win.ini",
        "OEBPS//chapter.xhtml",
        "./OEBPS/chapter.xhtml",
        "OEBPS/chapter.xhtml\x00.css",
        "OEBPS/\x1b[31mred.xhtml",
    ],
)
def test_odd_paths_are_refused(name):
    with pytest.raises(StoryFileError, match="odd path"):
        parse("odd.epub", zip_bytes([stored("mimetype", b"application/epub+zip"), deflated(name, b"x")]))


@pytest.mark.parametrize("name", ["/".join(["d"] * 17) + "/x.xhtml", "OEBPS/" + "n" * 300 + ".xhtml"])
def test_too_deep_or_long_paths_are_refused(name):
    with pytest.raises(StoryFileError, match="too long or too deep"):
        parse("deep.epub", zip_bytes([deflated(name, b"x")]))


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ([deflated("OEBPS/a.xhtml", b"one"), deflated("OEBPS/a.xhtml", b"two")], "two files named 'OEBPS/a.xhtml'"),
        (
            [Member("OEBPS/a.xhtml", lambda: [b"xxxxxxxxxxxx"], 12, 3, 0, zipfile.ZIP_DEFLATED, flags=1)],
            "encrypted",
        ),
        ([Member("OEBPS/a.xhtml", lambda: [b"BZh9"], 4, 3, 0, zipfile.ZIP_BZIP2)], "zip method 12"),
        (
            [Member("OEBPS/a.xhtml", lambda: [b"abc"], 3, 3, 0, zipfile.ZIP_STORED)],
            "a.xhtml' fails its checksum",
        ),
        ([Member("OEBPS/a.xhtml", lambda: [b"abcd"], 4, 3, 0, zipfile.ZIP_STORED)], "more than the 3 bytes"),
        ([Member("OEBPS/a.xhtml", lambda: [b"ab"], 2, 3, 0, zipfile.ZIP_STORED)], "shorter than its header"),
        ([Member("OEBPS/a.xhtml", lambda: [b"\xff\xff\xff"], 3, 3, 0)], "cannot be decompressed"),
        ([replace(NOISE, stored=lambda: [b"".join(NOISE.stored())[:1000]], stored_size=1000)], "is cut short"),
    ],
)
def test_malformed_members_are_refused(members, reason):
    with pytest.raises(StoryFileError, match=reason):
        parse("malformed.epub", zip_bytes(members))


def test_a_local_header_naming_another_file_is_refused():
    data = bytearray(zip_bytes([deflated("OEBPS/a.xhtml", b"text")]))
    data[30 : 30 + len("OEBPS/a.xhtml")] = b"OEBPS/b.xhtml"  # the local header's copy of the name
    with pytest.raises(StoryFileError, match=r"is named 'OEBPS/b\.xhtml' in its own header"):
        parse("renamed.epub", bytes(data))


def test_a_member_ebooklib_asks_for_but_the_archive_lacks_is_a_clear_error():
    data = zip_bytes([stored("mimetype", b"application/epub+zip"), deflated("META-INF/container.xml", CONTAINER)])
    with pytest.raises(StoryFileError, match="not a readable EPUB: EpubException"):
        parse("hollow.epub", data)


def test_damaged_epubs_give_a_reason_never_a_traceback():
    """Random damage to a real FanFicFare EPUB: each copy is read or refused with StoryFileError."""
    original = (FIXTURES / "fanficfare" / "long-way-home.epub").read_bytes()
    rng = random.Random(20261125)
    outcomes = {"read": 0, "refused": 0}
    for n in range(120):
        data = bytearray(original)
        if n % 4 == 0:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.choice((1, 2, 8))):
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            parse("damaged.epub", bytes(data))
            outcomes["read"] += 1
        except StoryFileError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 60


# ---------------------------------------------------------------------------------------------
# XML and HTML: parsed, never fetched from
# ---------------------------------------------------------------------------------------------

SECRET = "SECRET-d41d8cd98f00"


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = f'<!ENTITY leaked "{SECRET}">'.encode() if self.path.endswith(".dtd") else SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def web():
    """A web server on this machine that notes every request it gets: nothing may reach it."""
    handler = type("Recorder", (_Recorder,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def _hostile_doctype(secret_file: Path, url: str) -> str:
    return (
        f'\n<!DOCTYPE html SYSTEM "{url}/external.dtd" [\n'
        f'<!ENTITY file SYSTEM "{secret_file.as_uri()}">\n'
        f'<!ENTITY net SYSTEM "{url}/entity">\n'
        f'<!ENTITY % remote SYSTEM "{url}/parameter.dtd"> %remote;\n'
        "]>"
    )


def _hostile_body(url: str) -> str:
    return (
        f'[&file;] [&net;] [&leaked;] <img src="{url}/image.png"/>'
        f'<link rel="stylesheet" href="{url}/style.css"/>'
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/include" parse="text"/>'
    )


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def test_the_hostile_markup_does_leak_through_a_careless_parser(secret_file, web):
    """The attack works on lxml with entities resolved: the tests below would see a leak."""
    url, requests = web
    page = CHAPTER.format(doctype=_hostile_doctype(secret_file, url), body=_hostile_body(url)).encode()
    careless = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False, recover=True)
    assert SECRET in etree.tostring(etree.parse(io.BytesIO(page), careless)).decode()
    # This libxml2 cannot fetch over HTTP at all; the recorder is shown to hear a fetch that is made.
    with urllib.request.urlopen(f"{url}/entity", timeout=5) as response:
        assert response.read() == SECRET.encode()
    assert requests == ["/entity"]


def test_epub_entities_are_not_resolved_nor_urls_fetched(secret_file, web):
    url, requests = web
    doctype = _hostile_doctype(secret_file, url)
    data = epub_bytes(doctype=doctype, title="Safe &file; Title", summary="&file;&net;", body=_hostile_body(url))
    parsed = parse("xxe.epub", data)
    assert SECRET not in repr(parsed)
    assert parsed.story.meta.title.startswith("Safe")
    assert "The road was long." in parsed.story.chapters[0].blocks
    assert requests == []


def test_html_entities_are_not_resolved_nor_urls_fetched(secret_file, web):
    url, requests = web
    page = CHAPTER.format(doctype=_hostile_doctype(secret_file, url), body=_hostile_body(url))
    for name in ("xxe.html", "xxe.xhtml"):
        parsed = parse(name, page.encode())
        assert SECRET not in repr(parsed)
        assert "The road was long." in parsed.story.chapters[0].blocks
    assert requests == []


def _laughs() -> tuple[str, str]:
    """A billion laughs (10^9 'lol' from 1 KB) and a quadratic blow-up (1 GB from 100 KB)."""
    entities = ['<!ENTITY lol0 "lol">', f'<!ENTITY big "{"x" * 50_000}">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    return "\n<!DOCTYPE html [\n" + "\n".join(entities) + "\n]>", "&lol9;" + "&big;" * 20_000


@pytest.mark.parametrize("where", ["chapter.epub", "package.epub", "page.html"])
def test_entity_expansion_stays_small_and_fast(where):
    doctype, body = _laughs()
    if where == "chapter.epub":
        data = epub_bytes(doctype=doctype, body=body)
    elif where == "package.epub":  # in content.opf, which ebooklib parses with lxml's XML parser
        data = epub_bytes(doctype=doctype, title="Laughs &lol9;", summary="&lol9;" + "&big;" * 20_000)
    else:
        data = CHAPTER.format(doctype=doctype, body=body).encode()
    start = time.perf_counter()
    try:
        outcome = repr(parse(where, data))
    except StoryFileError as exc:  # refusing is as good as reading it small
        outcome = str(exc)
    assert time.perf_counter() - start < 3
    assert len(outcome) < 200_000  # the markup as written is 100 KB; expanded it would be gigabytes
    assert "lollollol" not in outcome and "x" * 50_001 not in outcome


@pytest.mark.parametrize("zip64_end", [False, True])
def test_unpack_zip_returns_exactly_the_members(zip64_end):
    members = [stored("mimetype", b"application/epub+zip"), deflated("OEBPS/a.xhtml", b"<p>a</p>" * 1000)]
    data = zip_bytes(members, zip64_end)
    assert unpack_zip(data, "EPUB") == {"mimetype": b"application/epub+zip", "OEBPS/a.xhtml": b"<p>a</p>" * 1000}
