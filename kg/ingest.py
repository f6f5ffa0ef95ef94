"""Files and folders -> Documents (text, metadata, stable id).

Plain text (``.txt``, and files without a known suffix), Markdown (``.md``) and HTML
(``.html``/``.htm``) are read as UTF-8. Markup is turned into plain text first; offsets in the
Document refer to that text. A Document's id is derived from the SHA-256 of its text, so the
same content gets the same id (and graph) wherever it lives.
"""

from __future__ import annotations

import hashlib
import html
import re
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


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise InputError(str(path), "the file is empty", "give a file with text in it")
    if b"\x00" in data[:8192]:
        raise InputError(
            str(path), "this looks like a binary file, not text", "give a UTF-8 text, Markdown or HTML file"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            str(path),
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}, offset {exc.start})",
            "convert it, for example with: iconv -f latin1 -t utf-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_document(path: Path, source: str | None = None) -> Document:
    """Read one file into a Document. Raises InputError with the file's name on any problem."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(str(path), f"the file is {size} bytes, more than the limit of {MAX_BYTES}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "no such file or folder", "check the path") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, expected a file") from None
    except PermissionError:
        raise InputError(str(path), "permission denied") from None
    raw = _decode(path, data)
    suffix = path.suffix.lower()
    media_type = "text/plain"
    if suffix in HTML_SUFFIXES:
        text, media_type = html_to_text(raw), "text/html"
    elif suffix in MARKDOWN_SUFFIXES:
        text, media_type = markdown_to_text(raw), "text/markdown"
    else:
        text = raw
    if not text.strip():
        raise InputError(str(path), "no text left after removing markup", "give a file with text in it")
    return document_from_text(text, source=source or str(path), media_type=media_type)


def document_from_text(text: str, source: str, media_type: str = "text/plain") -> Document:
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
    )


def discover(paths: list[Path]) -> list[Path]:
    """Expand folders (recursively, supported suffixes only, hidden files skipped), in sorted order.

    Raises InputError for a path that does not exist or a folder with nothing to read.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(str(path), "no such file or folder", "check the path")
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED - {""}
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                raise InputError(
                    str(path), "the folder has no .txt, .md or .html files", "point at files kg can read"
                )
            found.extend(files)
        else:
            found.append(path)
    return found
