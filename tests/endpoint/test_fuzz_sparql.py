"""Hypothesis over query and update text: whatever the endpoint's checks let through runs, here,
in this process, with the network, against a listener on 127.0.0.1, and the listener must hear
nothing. So every SERVICE or LOAD is either seen (and refused: allow_service is off) or the text
is refused for what it is; never run hidden.

Two generators: grammar-aware (SPARQL built from parts, with the spellings, escapes, comments and
strings that fooled the old lexer), and byte-level (those texts with characters inserted and
removed anywhere but inside the listener's URL, so no traffic can go anywhere else).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.endpoint import classify, tasks
from kg.endpoint.execute import Job, Remote, check
from kg.endpoint.protocol import ProtocolError

EXAMPLES = 400
META = "https://kg.example/id/graph/meta"


class Counter:
    """A listener on 127.0.0.1 that counts connections (and closes them at once, so a caller
    never waits on it). The count is up before the caller sees the connection close."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Counter]:
    target = Counter()
    yield target
    target.sock.close()


URL = "\x00URL\x00"  # stands for the listener's URL; never mutated

SERVICE = st.sampled_from(["SERVICE", "service", "Service", "sErViCe", "SERVICE SILENT", "\\u0053ERVICE"])
LOAD = st.sampled_from(["LOAD", "load", "LOAD SILENT", "Load"])
TARGET = st.sampled_from([f"<{URL}/x>", "t:x", "t:", f"<{URL}/a\\u0062>"])
NOISE = st.sampled_from(
    [
        " ",
        "\n",
        "# a comment\n",
        "#",
        "# SERVICE <x>\n",
        '"',
        "'",
        '"\\""',
        "'\\''",
        '"""',
        "'''",
        '"\\u0022"',
        "'\\u0027'",
        '"a # b"',
        "ex:a\\#b",
        "ex:a\\'b",
        'ex:a\\"b',
        "<urn:a#b>",
        "\\",
        "\\u0022",
        "\\u0023",
        "\\u007B",
        "{",
        "}",
        "(",
        ")",
        ".",
        ";",
        "<",
        ">",
        "?s",
        "1",
    ]
)
TERM = st.sampled_from(
    ["?s", "?p", "?o", "ex:a", "ex:a\\#b", "<urn:x>", '"lit"', "'lit'", '"""a\n"b"""', "1", "ex:"]
)


@st.composite
def pattern(draw: st.DrawFn) -> str:
    parts = [f"{draw(TERM)} {draw(TERM)} {draw(TERM)} ."]
    if draw(st.booleans()):
        parts.append(f"{draw(SERVICE)} {draw(TARGET)} {{ ?s ?p ?o }}")
    if draw(st.booleans()):
        parts.append(f"BIND({draw(TERM)} AS ?b{draw(st.integers(0, 3))})")
    if draw(st.booleans()):
        parts.append(f"FILTER({draw(TERM)} != {draw(TERM)})")
    for _ in range(draw(st.integers(0, 3))):
        parts.insert(draw(st.integers(0, len(parts))), draw(NOISE))
    return " ".join(draw(st.permutations(parts)))


PROLOGUE = f"PREFIX ex: <urn:ex:> PREFIX t: <{URL}/> "


@st.composite
def query_text(draw: st.DrawFn) -> str:
    body = draw(pattern())
    form = draw(
        st.sampled_from(
            ["SELECT * WHERE {{ {} }}", "ASK {{ {} }}", "SELECT * {{ {{ {} }} OPTIONAL {{ ?s ?p ?o }} }}"]
        )
    )
    return PROLOGUE + draw(NOISE) + form.format(body)


@st.composite
def update_text(draw: st.DrawFn) -> str:
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            ops.append(f"{draw(LOAD)} {draw(TARGET)} INTO GRAPH <urn:g>")
        elif kind == 1:
            ops.append(f"INSERT {{ GRAPH <urn:g> {{ ?s ?p ?o }} }} WHERE {{ {draw(pattern())} }}")
        elif kind == 2:
            ops.append(
                f"INSERT DATA {{ GRAPH <urn:g> {{ <urn:a> <urn:b> {draw(TERM).replace('?', '_:')} }} }}"
            )
        else:
            ops.append(draw(NOISE))
    return PROLOGUE + " ; ".join(ops)


def mutated(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``base`` texts with characters inserted or removed anywhere but inside the URL."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        pieces = draw(base).split(URL)
        out = []
        for piece in pieces:
            chars = list(piece)
            for _ in range(draw(st.integers(0, 4))):
                at = draw(st.integers(0, len(chars)))
                if draw(st.booleans()) and at < len(chars):
                    del chars[at]
                else:
                    chars[at:at] = draw(
                        st.sampled_from(
                            ['"', "'", "\\", "#", "\n", "<", ">", "{", "}", "u0022", "\\u", "SERVICE", "LOAD"]
                        )
                    )
            out.append("".join(chars))
        return URL.join(out)

    return build()


def run_if_allowed(text: str, update: bool, listener: Counter) -> None:
    """The endpoint's checks on ``text``; if they let it through, run it with the network."""
    text = text.replace(URL, listener.url)
    before = listener.count
    try:
        if update:
            prepared = tasks.prepare_update(text, None, {}, (META,), 100, [], [])
            classify.check_remote(prepared.reading, False, ())
        else:
            check(Job(text, "json", None, max_depth=100, remote=Remote(False, ())))
    except ProtocolError:
        return  # refused: fine, whatever it was
    try:
        if update:
            ox.Store().update(text)
        else:
            result = ox.Store().query(text)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
    except (SyntaxError, ValueError, OSError):
        pass
    assert listener.count == before, f"a SERVICE or LOAD the checks did not see reached the network: {text!r}"


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@FUZZ
@given(text=st.one_of(query_text(), mutated(query_text())))
def test_queries_are_classified_or_refused(listener, text):
    run_if_allowed(text, False, listener)


@FUZZ
@given(text=st.one_of(update_text(), mutated(update_text())))
def test_updates_are_classified_or_refused(listener, text):
    run_if_allowed(text, True, listener)


def test_the_listener_hears_what_is_not_checked(listener):
    """The property can fail: run unchecked, the same SERVICE reaches the listener."""
    before = listener.count
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}"))
    assert listener.count == before + 1
