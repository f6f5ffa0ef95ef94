"""ASK results in the four result formats (SELECT rows are serialized by Oxigraph, see ``execute``)."""

from __future__ import annotations


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
