"""Ingestion: files and folders -> Documents; bad input -> InputError naming the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import discover, doc_id_for, html_to_text, markdown_to_text, read_document

RELEASE = "3 March 2021\n\nCouncil Opens Session\n\nSUVA, Fiji, 2 March - The Council met today.\n"


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_plain_text_document_has_stable_id_and_header(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "r.txt", RELEASE))
    assert doc.doc_id == doc_id_for(RELEASE) and len(doc.doc_id) == 16
    assert doc.issued == dt.date(2021, 3, 3)
    assert doc.title == "Council Opens Session"
    assert (doc.dateline_place, doc.dateline_country) == ("Suva", "Fiji")
    assert doc.source == str(tmp_path / "r.txt")
    moved = read_document(write(tmp_path / "copy.txt", RELEASE))
    assert moved.doc_id == doc.doc_id


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n ", "the file is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Caf\u00e9 au lait\n".encode("latin-1"), "not valid UTF-8 (byte 0xe9 at line 1"),
        ("tags.html", b"<html><script>x()</script></html>", "no text left"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(
    tmp_path: Path, name: str, data: bytes, problem: str
) -> None:
    path = write(tmp_path / name, data)
    with pytest.raises(InputError) as err:
        read_document(path)
    assert str(path) in err.value.message
    assert problem in err.value.message


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "nope.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \.txt, \.md or \.html files"):
        discover([tmp_path / "empty"])


def test_folders_are_walked_in_order_skipping_hidden_and_unknown(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "c.html", "d.pdf", ".hidden.txt"):
        write(tmp_path / name, "x")
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".git" / "x.txt", "x")
    assert [p.name for p in discover([tmp_path])] == ["a.md", "b.txt", "c.html"]


def test_html_and_markdown_become_text() -> None:
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head>"
        "<body><h1>Head&amp;line</h1><p>First <b>para</b>.</p><script>x</script><p>Second.</p></body></html>"
    )
    assert text == "Head&line\n\nFirst para.\n\nSecond.\n"
    md = markdown_to_text("# Title\n\nSome **bold** and [a link](http://x) and *em*.\n")
    assert md == "Title\n\nSome bold and a link and em.\n"


def test_crlf_and_bom_are_normalised(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path / "w.txt", b"\xef\xbb\xbfLine one\r\nLine two\r\n"))
    assert doc.text == "Line one\nLine two\n"
