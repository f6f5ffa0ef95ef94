"""Files and folders -> Documents (text, metadata, stable id).

Plain text (``.txt``, and files without a known suffix), Markdown (``.md``) and HTML
(``.html``/``.htm``) are read as UTF-8. Markup is turned into plain text first; offsets in the
Document refer to that text. A Document's id is derived from the SHA-256 of its text, so the
same content gets the same id (and graph) wherever it lives.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import stat
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from kg.errors import InputError
from kg.model import Document
from kg.text import parse_header

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES
#: Files larger than this are refused (a press release is a few kilobytes).
MAX_BYTES = 20_000_000


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def doc_id_for(text: str) -> str:
    """The stable document id: the first 16 hex digits of the text's SHA-256."""
    return content_hash(text)[:16]


class _HTMLText(HTMLParser):
    BLOCK = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "section",
            "article",
            "header",
            "footer",
            "blockquote",
            "title",
            "ul",
            "ol",
            "table",
            "dd",
            "dt",
            "figcaption",
        ]
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skip:
            self.parts.append(data)


def html_to_text(source: str) -> str:
    parser = _HTMLText()
    parser.feed(source)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return html.unescape(text).strip() + "\n"


_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.M), ""),  # headings
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"`([^`]+)`"), r"\1"),  # code
    (re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", re.M), ""),  # rules
]


def markdown_to_text(source: str) -> str:
    text = source
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def shown(path: Path | str) -> str:
    """A path as messages show it: bytes that are not UTF-8 as ``\\xNN``."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise InputError(shown(path), "the file is empty", "give a file with text in it")
    if b"\x00" in data[:8192]:
        raise InputError(
            shown(path),
            "this looks like a binary file, not text",
            "give a UTF-8 text, Markdown or HTML file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            shown(path),
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}, offset {exc.start})",
            "convert it, for example with: iconv -f latin1 -t utf-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _folder_problem(path: Path) -> InputError:
    """Why a folder given where a file is read cannot be built from."""
    try:
        names = os.listdir(path)
    except OSError as exc:
        return InputError(shown(path), f"the folder cannot be read ({exc.strerror})", "check its permissions")
    if not any(Path(n).suffix.lower() in SUPPORTED - {""} for n in names):
        return InputError(
            shown(path), "the folder has no .txt, .md or .html files", "point at files kg can read"
        )
    return InputError(shown(path), "is a folder, expected a file")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, at most ``MAX_BYTES`` (InputError for anything else: a
    missing path, a folder, a FIFO or device, a file too large, a name that is not UTF-8)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(shown(path), "the file name is not valid UTF-8", "rename the file") from None
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(shown(path), "no such file or folder", "check the path") from None
    except PermissionError:
        raise InputError(shown(path), "permission denied") from None
    except OSError as exc:
        raise InputError(shown(path), f"cannot be opened ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _folder_problem(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                shown(path), "is not a regular file (a FIFO, device or socket)", "give a text file"
            )
        if info.st_size > MAX_BYTES:
            raise InputError(
                shown(path), f"the file is {info.st_size} bytes, more than the limit of {MAX_BYTES}"
            )
        chunks: list[bytes] = []
        left = MAX_BYTES + 1  # the file may grow after fstat: read no more than this
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise InputError(shown(path), f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise InputError(shown(path), f"the file is more than the limit of {MAX_BYTES} bytes")
    return data


#: C0 control characters (tab, newline and carriage return excepted): not allowed in XML 1.0, so
#: they would make RDF/XML and SPARQL XML results ill-formed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_controls(text: str) -> tuple[str, list[str]]:
    """``text`` without C0 control characters (form and line feeds become newlines), and a
    warning saying how many went."""
    found = _CONTROLS.findall(text)
    if not found:
        return text, []
    text = _CONTROLS.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)
    kinds = ", ".join(sorted({f"U+{ord(c):04X}" for c in found}))
    return text, [f"removed {len(found)} control characters ({kinds}): they are not allowed in RDF/XML"]


def read_document(path: Path, source: str | None = None) -> Document:
    """Read one file into a Document. Raises InputError with the file's name on any problem."""
    raw = _decode(path, read_bytes(path))
    suffix = path.suffix.lower()
    media_type = "text/plain"
    if suffix in HTML_SUFFIXES:
        text, media_type = html_to_text(raw), "text/html"
    elif suffix in MARKDOWN_SUFFIXES:
        text, media_type = markdown_to_text(raw), "text/markdown"
    else:
        text = raw
    text, warnings = strip_controls(text)
    if not text.strip():
        raise InputError(shown(path), "no text left after removing markup", "give a file with text in it")
    return document_from_text(text, source=source or str(path), media_type=media_type, warnings=warnings)


def document_from_text(
    text: str, source: str, media_type: str = "text/plain", warnings: list[str] | None = None
) -> Document:
    """Make a Document from text already in memory (the header is parsed for its metadata)."""
    header = parse_header(text)
    return Document(
        doc_id=doc_id_for(text),
        text=text,
        source=source,
        content_hash=content_hash(text),
        media_type=media_type,
        title=header.title,
        issued=header.issued,
        dateline_place=header.dateline_place,
        dateline_country=header.dateline_country,
        warnings=tuple(warnings or ()),
    )


def discover(paths: list[Path], warn: Callable[[str], None] | None = None) -> list[Path]:
    """The files to read under ``paths``, folders expanded (recursively, supported suffixes only,
    hidden files skipped), in sorted order.

    Nothing here stops a build: a path that is missing, a folder that cannot be read or has
    nothing kg reads, a file name that is not UTF-8, a FIFO or device, is listed as it is, so
    that reading it reports it (unreadable, exit status 2) while the rest is built. Links inside
    a folder are followed only to files within it; those and files of other kinds are skipped
    and told to ``warn``.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():  # a link the caller named is followed
            before = len(found)
            skipped: Counter[str] = Counter()
            _walk(path, path.resolve(), found, skipped, warn)
            if skipped and warn is not None:
                kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
                warn(f"{shown(path)}: skipped files of other kinds ({kinds}); kg reads .txt, .md and .html")
            if len(found) == before:
                found.append(path)  # reported as unreadable: a folder with nothing to read
        else:
            found.append(path)
    return found


def _walk(
    folder: Path, root: Path, found: list[Path], skipped: Counter[str], warn: Callable[[str], None] | None
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        found.append(folder)  # reported as unreadable (permission denied, ...)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if entry.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root) or not target.is_file():
                if warn is not None:
                    where = f"outside {shown(root)}" if not target.is_relative_to(root) else "not a file"
                    warn(f"{shown(path)}: a link to {shown(target)}, {where}: not followed")
                continue
        elif entry.is_dir(follow_symlinks=False):
            _walk(path, root, found, skipped, warn)
            continue
        suffix = Path(entry.name).suffix.lower()
        if suffix in SUPPORTED - {""}:
            found.append(path)  # a FIFO or device with such a name is reported when read
        else:
            skipped[suffix or "no suffix"] += 1
