"""Broken files are refused with a reason that names the problem."""

import pytest

from bot.core.errors import StoryFileError
from bot.library.loader import StoryFile, parse_story_file
from tests.conftest import FIXTURES


def read_bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return parse_story_file(StoryFile.read(path))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"\n\n  \n", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("header-only.txt", b"Title: Nothing Here\nAuthor: Nobody\nRating: K\n", "no story text"),
        ("bad-bom.txt", b"\xef\xbb\xbfTitle: X\n\n\xff\xfe\xfa broken", "not valid UTF-8"),
        ("bad-front-matter.md", b"---\ntitle: [unclosed\n---\n\nText.\n", "not valid YAML at line 1"),
        ("no-closing-fence.md", b"---\ntitle: X\n\nText.\n", "no closing ---"),
        ("notes.pdf", b"%PDF-1.4", "unsupported file type .pdf"),
        ("truncated.epub", (FIXTURES / "fanficfare" / "long-way-home.epub").read_bytes()[:3000], "truncated"),
        ("not-a-zip.epub", b"this is not an epub", "not a readable EPUB"),
    ],
)
def test_broken_file_reason(tmp_path, name, data, reason):
    with pytest.raises(StoryFileError, match=reason):
        read_bytes(tmp_path, name, data)


def test_bad_sidecar_names_the_key(tmp_path):
    (tmp_path / "s.txt").write_text("Title: S\n\nText.\n")
    (tmp_path / "s.yaml").write_text("ratng: T\n")
    with pytest.raises(StoryFileError, match="unknown key 'ratng'"):
        parse_story_file(StoryFile.read(tmp_path / "s.txt"))


def test_sidecar_with_invalid_yaml(tmp_path):
    (tmp_path / "s.txt").write_text("Title: S\n\nText.\n")
    (tmp_path / "s.yaml").write_text("summary: one: two\n")
    with pytest.raises(StoryFileError, match="sidecar is not valid YAML"):
        parse_story_file(StoryFile.read(tmp_path / "s.txt"))
