"""Streaming serializers of SELECT rows and ASK booleans (JSON, XML, CSV, TSV).

Rows are written one at a time, so a result of any size goes out in constant memory, and the
writer can stop at the row cap and close the document with a note saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _json_term(t: Term) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(t.subject),
            "predicate": _json_term(t.predicate),
            "object": _json_term(t.object),
        },
    }


def _xml_term(t: Term) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}"
        f"</predicate><object>{_xml_term(t.object)}</object></triple>"
    )


def _csv_term(t: Term | None) -> str:
    if t is None:
        return ""
    text = t.value if isinstance(t, ox.NamedNode | ox.Literal) else str(t)
    if isinstance(t, ox.BlankNode):
        text = f"_:{t.value}"
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _tsv_term(t: Term | None) -> str:
    if t is None:
        return ""
    return str(t).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class RowWriter:
    """Writes a SELECT result: ``start(vars)``, ``row(values)`` per row, ``end(truncated_note)``."""

    def __init__(self, key: str, write: Callable[[bytes], object]) -> None:
        self.key = key
        self.write = write
        self.first = True
        self.names: list[str] = []

    def start(self, names: list[str]) -> None:
        self.names = names
        w = self.write
        if self.key == "json":
            w(b'{"head":{"vars":' + json.dumps(names).encode() + b'},"results":{"bindings":[')
        elif self.key == "xml":
            head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
            w(
                b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                + f"<head>{head}</head><results>".encode()
            )
        elif self.key == "csv":
            w((",".join(names) + "\r\n").encode())
        else:
            w(("\t".join("?" + n for n in names) + "\n").encode())

    def row(self, values: list[Term | None]) -> None:
        if self.key == "json":
            obj = {n: _json_term(v) for n, v in zip(self.names, values, strict=True) if v is not None}
            text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
            self.write((text if self.first else "," + text).encode())
        elif self.key == "xml":
            cells = "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(v)}</binding>"
                for n, v in zip(self.names, values, strict=True)
                if v is not None
            )
            self.write(f"<result>{cells}</result>".encode())
        elif self.key == "csv":
            self.write((",".join(_csv_term(v) for v in values) + "\r\n").encode())
        else:
            self.write(("\t".join(_tsv_term(v) for v in values) + "\n").encode())
        self.first = False

    def end(self, note: str | None) -> None:
        if self.key == "json":
            tail = b"]}"
            if note:
                tail += b',"kg:note":' + json.dumps(note).encode()
            self.write(tail + b"}")
        elif self.key == "xml":
            comment = f"<!-- {escape(note).replace('--', '- -')} -->" if note else ""
            self.write(f"</results>{comment}</sparql>\n".encode())


def boolean(key: str, value: bool) -> bytes:
    if key == "json":
        return b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}"
    if key == "xml":
        return (
            b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            + f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n".encode()
        )
    if key == "csv":
        return b"_askResult\r\n" + (b"true" if value else b"false") + b"\r\n"
    return b"?_askResult\n" + (b"true" if value else b"false") + b"\n"
