"""Security headers on every response, in one place: a strict Content Security Policy on HTML
pages (the query page, entity pages, the API docs) and ``nosniff`` everywhere, added by the
response-headers middleware (``cors.CORS``); a route that needs more (the API docs' inline
script) sets its own policy, built with ``policy``, and that one is kept."""

from __future__ import annotations

import base64
import hashlib
import re

#: What an HTML page of kg may load: its own scripts, styles and data, nothing inline, nothing
#: from elsewhere, no framing, no plugins.
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "worker-src": "'self'",
}


def policy(**extra: str) -> str:
    """The policy, with sources added to some directives (``script_src="'sha256-...'"``)."""
    parts = []
    for name, sources in DIRECTIVES.items():
        more = extra.get(name.replace("-", "_"))
        parts.append(f"{name} {sources} {more}" if more else f"{name} {sources}")
    return "; ".join(parts)


def inline_script_hashes(html: str) -> str:
    """CSP hash sources for the inline scripts of a page kg itself generates (never for a page
    that holds a caller's data)."""
    bodies = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in bodies
    )


CSP = policy().encode()


def secure(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A response's headers with the policy added to an HTML page (unless its route set one) and
    ``nosniff`` to everything (called by the one response-headers middleware, ``cors.CORS``)."""
    names = {k.lower() for k, _ in headers}
    kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if kind.startswith(b"text/html") and b"content-security-policy" not in names:
        headers.append((b"content-security-policy", CSP))
    if b"x-content-type-options" not in names:
        headers.append((b"x-content-type-options", b"nosniff"))
    return headers
