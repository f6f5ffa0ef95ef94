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


def test_missing_path_and_empty_folder_are_reported_when_read(tmp_path: Path) -> None:
    """Issue 13: a missing path aborted the whole build; now it is read, and reported, in turn."""
    (tmp_path / "empty").mkdir()
    assert discover([tmp_path / "nope.txt", tmp_path / "empty"]) == [
        tmp_path / "nope.txt",
        tmp_path / "empty",
    ]
    with pytest.raises(InputError, match="no such file or folder"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match=r"no \.txt, \.md or \.html files"):
        read_document(tmp_path / "empty")


def test_folders_are_walked_in_order_skipping_hidden_and_unknown(tmp_path: Path) -> None:
    for name in ("b.txt", "a.md", "c.html", "d.pdf", "e.pdf", ".hidden.txt"):
        write(tmp_path / name, "x")
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".git" / "x.txt", "x")
    warnings: list[str] = []
    assert [p.name for p in discover([tmp_path], warnings.append)] == ["a.md", "b.txt", "c.html"]
    assert warnings == [f"{tmp_path}: skipped files of other kinds (2 .pdf); kg reads .txt, .md and .html"]


def test_links_are_not_followed_out_of_the_folder(tmp_path: Path) -> None:
    """Issue 10, finding 6: x.txt -> /etc/passwd was built and served as a title."""
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a.txt", RELEASE)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "same.txt").symlink_to(folder / "a.txt")
    warnings: list[str] = []
    assert [p.name for p in discover([folder], warnings.append)] == ["a.txt", "same.txt"]
    assert len(warnings) == 2 and all("not followed" in w for w in warnings)
    assert "outside" in warnings[0] and "/etc/passwd" in warnings[0]


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    """A FIFO hung kg build; a link to /dev/zero read 3 GB."""
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    assert discover([tmp_path]) == [tmp_path / "pipe.txt"]
    with pytest.raises(InputError, match="not a regular file"):
        read_document(tmp_path / "pipe.txt")  # (returns at once: nothing writes to the FIFO)
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        read_document(tmp_path / "zero.txt")


def test_at_most_the_cap_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import ingest

    monkeypatch.setattr(ingest, "MAX_BYTES", 100)
    path = write(tmp_path / "big.txt", "x" * 101)
    with pytest.raises(InputError, match="more than the limit of 100"):
        read_document(path)
    read_document(write(tmp_path / "ok.txt", "x" * 100))


def test_names_that_are_not_utf8_and_unreadable_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    bad = os.fsdecode(b"caf\xe9.txt")
    write(tmp_path / bad, RELEASE)
    [found] = discover([tmp_path])
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        read_document(found)
    assert "caf\\xe9.txt" in err.value.message  # shown, not a traceback
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path):  # (tests run as root, for whom chmod 000 locks nothing)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert tmp_path / "locked" in discover([tmp_path])
    monkeypatch.setattr(os, "listdir", lambda path: scandir(path))
    with pytest.raises(InputError, match="the folder cannot be read"):
        read_document(tmp_path / "locked")


def test_control_characters_are_stripped_with_a_warning(tmp_path: Path) -> None:
    """C0 controls reached labels and made RDF/XML and SPARQL XML output ill-formed."""
    doc = read_document(write(tmp_path / "c.txt", "Council\x01 Opens\x0cSession\x1b\n\tText.\n"))
    assert doc.text == "Council Opens\nSession\n\tText.\n"
    assert doc.warnings == (
        "removed 3 control characters (U+0001, U+000C, U+001B): they are not allowed in RDF/XML",
    )


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


def test_a_build_reports_what_it_cannot_read_and_builds_the_rest(tmp_path: Path) -> None:
    """Issues 10 (finding 6) and 13, as a user meets them: every problem named, no traceback,
    exit status 2, and the one good release loaded."""
    import os
    import shutil

    from tests.conftest import EXAMPLES, kg

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "forum-statement.txt", folder / "good.txt")
    write(folder / "report.pdf", b"%PDF-1.4")
    os.mkfifo(folder / "pipe.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    write(folder / os.fsdecode(b"caf\xe9.txt"), RELEASE)
    run = kg("build", folder, tmp_path / "missing.txt", "--store", tmp_path / "store", "--no-link")
    assert run.code == 2, run.err
    assert "Traceback" not in run.err
    assert "documents: 4 (1 added, 3 unreadable)" in run.out
    for needle in (
        "pipe.txt: is not a regular file",
        "caf\\xe9.txt: the file name is not valid UTF-8",
        "missing.txt: no such file or folder",
        "1 .pdf",
        "passwd.txt: a link to /etc/passwd",
    ):
        assert needle in run.err, (needle, run.err)
