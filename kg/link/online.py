"""Online linking (opt-in): people, documents, events and other organisations, to Wikidata.

How one entity is decided
-------------------------
1. The W3C Reconciliation Service API (``queries={"q0": {...}}``, POST form) is asked for the
   entity's label with a **type** constraint (Q5 human for a person, Q43229 organization, Q1656682
   event, Q49848 document) and, for a person who holds a post, a **property** constraint
   ``P39 (position held) = <the post's label>``. Up to :attr:`OnlineConfig.batch_size` entities go in
   one request.
2. For people with posts, the Wikidata SPARQL endpoint is asked (one query per batch of candidates)
   for the English labels of each candidate's P39 positions.
3. Each candidate's score in [0, 1]: the service's name score (``score/100``), times 0.5 when the
   candidate lacks the requested type; for a person with posts, the mean of that and 1.0/0.0 for
   whether one of its positions matches one of the person's posts; without context, 0.9 x name +
   0.1 x the service's own ``match`` flag.
4. ``linked`` when the best score reaches :attr:`OnlineConfig.threshold` and leads the runner-up by
   :attr:`OnlineConfig.margin`; otherwise ``below-threshold`` or ``ambiguous``, and nothing is
   linked. Every decision is recorded with all its candidates (see :mod:`kg.link.records`).

HTTP: one injected ``httpx.Client`` (tests pass a transport or point at a loopback server), a
descriptive User-Agent, back-off on 429/502/503/504 honouring ``Retry-After``, and an on-disk
cache (:mod:`kg.link.cache`) so a second run asks nothing already answered. Every question is
answered before anything is written; a failure raises :class:`kg.link.errors.NetworkError` and
leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pyoxigraph as ox

from kg import __version__
from kg.link.cache import AnswerCache
from kg.link.errors import BadResponse, RateLimited, ServiceUnavailable
from kg.link.records import Candidate, Decision, LinkDecision, graph_triples
from kg.link.tables import normalize
from kg.namespaces import KG, WD, sparql_prologue
from kg.store import GraphStore

#: The public Wikidata reconciliation service (W3C Reconciliation API; documented at wikidata.reconci.link).
DEFAULT_RECONCILE_URL = "https://wikidata.reconci.link/en/api"
#: The Wikidata Query Service SPARQL endpoint.
DEFAULT_SPARQL_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = f"kg/{__version__} (knowledge-graph builder linking entities to Wikidata; python-httpx)"
METHOD = "online-reconciliation"

#: Wikidata classes used as the reconciliation type constraint, per kg class.
TYPES: dict[str, str] = {
    "Person": "Q5",  # human
    "Organization": "Q43229",  # organization
    "Event": "Q1656682",  # event
    "Document": "Q49848",  # document
}
POSITION_HELD = "P39"

#: Entities to link online: not yet linked to Wikidata by another graph (offline or confirmed links);
#: ``%s`` is the online graph itself, whose earlier decisions are re-derived from the cache.
ENTITIES_QUERY = """SELECT ?s ?kind ?l ?post WHERE {
  VALUES ?kind { kg:Person kg:Organization kg:Event kg:Document }
  ?s a ?kind ; rdfs:label ?l .
  FILTER NOT EXISTS {
    GRAPH ?g { ?s skos:exactMatch ?m }
    FILTER(?g != <%s> && STRSTARTS(STR(?m), "http://www.wikidata.org/entity/"))
  }
  OPTIONAL { ?s kg:holds|org:holds ?p . ?p rdfs:label ?post }
}"""


@dataclass(frozen=True)
class OnlineConfig:
    reconcile_url: str = DEFAULT_RECONCILE_URL
    sparql_endpoint: str = DEFAULT_SPARQL_ENDPOINT
    user_agent: str = USER_AGENT
    timeout: float = 20.0
    batch_size: int = 10
    limit: int = 5
    max_retries: int = 3
    max_backoff: float = 60.0
    threshold: float = 0.8
    margin: float = 0.1


@dataclass(frozen=True)
class Target:
    """An entity to link online: its IRI, kg class, label and the labels of the posts it holds."""

    subject: str
    kind: str
    label: str
    posts: tuple[str, ...] = ()

    def question(self, limit: int) -> dict[str, Any]:
        q: dict[str, Any] = {"query": self.label, "type": TYPES[self.kind], "limit": limit}
        if self.posts:
            q["properties"] = [{"pid": POSITION_HELD, "v": post} for post in self.posts]
        return q


@dataclass
class OnlineReport:
    decisions: list[LinkDecision] = field(default_factory=list)
    requests: int = 0
    cached: int = 0
    graph: str = ""
    written: bool = False

    def count(self, decision: str) -> int:
        return sum(1 for d in self.decisions if d.decision == decision)


def targets_in(store: GraphStore) -> list[Target]:
    """The entities of the store that online linking considers (not yet linked to Wikidata)."""
    query = ENTITIES_QUERY % online_graph_iri(store.base)
    rows = cast(ox.QuerySolutions, store.query(sparql_prologue() + query))
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    posts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        s, kind, label, post = row["s"], row["kind"], row["l"], row["post"]
        if not isinstance(s, ox.NamedNode) or not isinstance(kind, ox.NamedNode):
            continue
        key = (s.value, kind.value.removeprefix(str(KG)))
        if isinstance(label, ox.Literal):
            labels[key].add(label.value)
        if isinstance(post, ox.Literal):
            posts[key].add(post.value)
    return [
        Target(s, kind, min(labels[(s, kind)]), tuple(sorted(posts[(s, kind)])))
        for (s, kind) in sorted(labels)
    ]


# -- HTTP --------------------------------------------------------------------------------------


def _retry_after(response: httpx.Response, attempt: int, cap: float) -> float:
    """Seconds to wait: ``Retry-After`` (seconds or HTTP date), else 1, 2, 4 ...; at most ``cap``."""
    raw = response.headers.get("Retry-After", "").strip()
    wait = 2.0**attempt
    if raw:
        try:
            wait = float(raw)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                wait = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(max(wait, 0.0), cap)


class Client:
    """The two services behind one ``httpx.Client``, with retries and the answer cache."""

    RETRY = frozenset({429, 502, 503, 504})

    def __init__(
        self,
        config: OnlineConfig,
        cache: AnswerCache,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.config = config
        self.cache = cache
        self.http = http or httpx.Client(timeout=config.timeout)
        self.sleep = sleep
        self.now = now
        self.requests = 0
        self.cached = 0
        #: called with (questions answered, questions) as reconciliation answers arrive
        self.on_progress: Callable[[int, int], None] = lambda done, total: None

    def _post(self, url: str, data: dict[str, str], accept: str) -> Any:
        headers = {"User-Agent": self.config.user_agent, "Accept": accept}
        for attempt in range(self.config.max_retries + 1):
            self.requests += 1
            try:
                response = self.http.post(url, data=data, headers=headers, timeout=self.config.timeout)
            except httpx.TimeoutException:
                raise ServiceUnavailable(
                    url, f"no answer within {self.config.timeout:g} s", "try again later or raise the timeout"
                ) from None
            except httpx.TransportError as exc:
                raise ServiceUnavailable(
                    url, f"cannot connect: {exc or type(exc).__name__}", "check the URL and your network"
                ) from None
            if response.status_code in self.RETRY and attempt < self.config.max_retries:
                self.sleep(_retry_after(response, attempt, self.config.max_backoff))
                continue
            if response.status_code == 429:
                raise RateLimited(
                    url,
                    f"HTTP 429 Too Many Requests after {attempt + 1} attempts",
                    "wait, then run again: answers received so far are cached",
                )
            if response.status_code >= 400:
                raise ServiceUnavailable(url, f"HTTP {response.status_code} {response.reason_phrase}".strip())
            try:
                return response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                head = response.text[:60].replace("\n", " ")
                raise BadResponse(url, f"the answer is not JSON (it begins {head!r})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def reconcile(
        self, questions: Sequence[dict[str, Any]]
    ) -> list[tuple[list[dict[str, Any]], dt.datetime]]:
        """Reconciliation answers (candidate lists) for ``questions``, from the cache or in batches."""
        url = self.config.reconcile_url
        answers: dict[int, tuple[list[dict[str, Any]], dt.datetime]] = {}
        missing: list[int] = []
        for i, q in enumerate(questions):
            hit = self.cache.get(url, q)
            if hit is None:
                missing.append(i)
            else:
                self.cached += 1
                answers[i] = (hit.value, hit.received)
        self.on_progress(len(answers), len(questions))
        for start in range(0, len(missing), self.config.batch_size):
            batch = missing[start : start + self.config.batch_size]
            payload = {f"q{j}": questions[i] for j, i in enumerate(batch)}
            body = self._post(url, {"queries": json.dumps(payload, ensure_ascii=False)}, "application/json")
            received = self.now()
            for j, i in enumerate(batch):
                result = body.get(f"q{j}", {}).get("result") if isinstance(body, dict) else None
                if not isinstance(result, list) or not all(
                    isinstance(c, dict) and isinstance(c.get("id"), str) for c in result
                ):
                    raise BadResponse(url, f"no valid result list for q{j} in the reconciliation answer")
                self.cache.put(url, questions[i], result, received)
                answers[i] = (result, received)
            self.on_progress(len(answers), len(questions))
        return [answers[i] for i in range(len(questions))]

    def positions(self, qids: Sequence[str]) -> dict[str, list[str]]:
        """English labels of the P39 positions held by each item, from the cache or SPARQL."""
        url = self.config.sparql_endpoint
        out: dict[str, list[str]] = {}
        missing: list[str] = []
        for qid in sorted(set(qids)):
            hit = self.cache.get(url, {"P39": qid})
            if hit is None:
                missing.append(qid)
            else:
                self.cached += 1
                out[qid] = list(hit.value)
        for start in range(0, len(missing), 50):
            batch = missing[start : start + 50]
            query = (
                "PREFIX wd: <http://www.wikidata.org/entity/>\n"
                "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "SELECT ?item ?label WHERE { VALUES ?item { " + " ".join(f"wd:{q}" for q in batch) + " }\n"
                '  ?item wdt:P39 ?position . ?position rdfs:label ?label . FILTER(LANG(?label) = "en") }'
            )
            body = self._post(url, {"query": query}, "application/sparql-results+json")
            try:
                bindings = body["results"]["bindings"]
                found: dict[str, list[str]] = defaultdict(list)
                for b in bindings:
                    found[b["item"]["value"].rsplit("/", 1)[-1]].append(b["label"]["value"])
            except (KeyError, TypeError, AttributeError):
                raise BadResponse(url, "the answer is not SPARQL 1.1 JSON results") from None
            received = self.now()
            for qid in batch:
                labels = sorted(found.get(qid, []))
                self.cache.put(url, {"P39": qid}, labels, received)
                out[qid] = labels
        return out


# -- scoring -----------------------------------------------------------------------------------

_STOP = {"of", "the", "for", "and", "united", "nations", "un", "a", "an"}


def _tokens(text: str) -> set[str]:
    return {t for t in normalize(text).split() if t not in _STOP}


def post_matches(post: str, position: str) -> bool:
    """Whether a post named in the text and a Wikidata position are the same office (token overlap)."""
    a, b = _tokens(post), _tokens(position)
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= 0.6 or (min(len(a), len(b)) >= 2 and (a <= b or b <= a))


def score_candidate(target: Target, cand: dict[str, Any], positions: dict[str, list[str]]) -> float:
    name = min(max(float(cand.get("score", 0)) / 100.0, 0.0), 1.0)
    types = [t.get("id") for t in cand.get("type", []) if isinstance(t, dict)]
    if types and TYPES[target.kind] not in types:
        name *= 0.5
    if target.posts:
        held = positions.get(str(cand["id"]), [])
        context = any(post_matches(p, h) for p in target.posts for h in held)
        return 0.5 * name + 0.5 * (1.0 if context else 0.0)
    return 0.9 * name + 0.1 * (1.0 if cand.get("match") is True else 0.0)


def decide(
    target: Target,
    answer: list[dict[str, Any]],
    received: dt.datetime,
    positions: dict[str, list[str]],
    config: OnlineConfig,
) -> LinkDecision:
    source = config.reconcile_url + (f" + {config.sparql_endpoint}" if target.posts else "")
    cands = [
        Candidate(str(WD[str(c["id"])]), score_candidate(target, c, positions), str(c.get("name", "")))
        for c in answer
        if re.fullmatch(r"Q[1-9][0-9]*", str(c["id"]))
    ]
    ranked = sorted(cands, key=lambda c: (-c.score, c.target))
    matched = f"label {target.label!r}" + (f"; P39 {' | '.join(target.posts)}" if target.posts else "")
    if not ranked:
        return LinkDecision(
            target.subject, METHOD, "no-candidate", 0.0, config.threshold, source, received, None, matched, ()
        )
    best = ranked[0]
    runner = ranked[1].score if len(ranked) > 1 else 0.0
    decision: Decision
    if best.score < config.threshold:
        decision = "below-threshold"
    elif best.score - runner < config.margin:
        decision = "ambiguous"
    else:
        decision = "linked"
    return LinkDecision(
        target.subject,
        METHOD,
        decision,
        best.score,
        config.threshold,
        source,
        received,
        best.target if decision == "linked" else None,
        matched,
        tuple(ranked),
    )


# -- the library entry point -------------------------------------------------------------------


def online_graph_iri(base: str) -> str:
    return f"{base}graph/links-online"


def write_online_graph(store: GraphStore, decisions: Sequence[LinkDecision]) -> bool:
    """Replace ``graph/links-online`` with ``decisions`` (one transaction); False if nothing changed."""
    graph = online_graph_iri(store.base)
    triples = graph_triples(store.base, decisions)
    if sorted(str(t) for t in store.graph_triples(graph)) == [str(t) for t in triples]:
        return False
    store.replace_graph(graph, triples)
    return True


def link_online(
    store: GraphStore,
    config: OnlineConfig | None = None,
    cache: AnswerCache | None = None,
    http: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    write: bool = True,
    exclude: frozenset[str] = frozenset(),
    on_progress: Callable[[int, int], None] | None = None,
) -> OnlineReport:
    """Link the store's people, documents, events and other organisations; write ``graph/links-online``.

    Entities already linked to Wikidata (in the store, or in ``exclude``) are skipped. All questions
    are answered (from the cache or the services) before the graph is replaced in one transaction;
    a :class:`~kg.link.errors.NetworkError` leaves the store unchanged. ``write=False`` only decides.
    ``on_progress(answered, entities)`` follows the reconciliation questions as they are answered.
    """
    config = config or OnlineConfig()
    cache = AnswerCache(None) if cache is None else cache
    client = Client(config, cache, http, sleep, now)
    if on_progress is not None:
        client.on_progress = on_progress
    targets = [t for t in targets_in(store) if t.subject not in exclude]
    answers = client.reconcile([t.question(config.limit) for t in targets])
    wanted = [str(c["id"]) for t, (a, _) in zip(targets, answers, strict=True) if t.posts for c in a]
    positions = client.positions(wanted) if wanted else {}
    report = OnlineReport(requests=client.requests, cached=client.cached, graph=online_graph_iri(store.base))
    report.decisions = [
        decide(t, answer, received, positions, config)
        for t, (answer, received) in zip(targets, answers, strict=True)
    ]
    if write:
        report.written = write_online_graph(store, report.decisions)
    return report


__all__ = [
    "DEFAULT_RECONCILE_URL",
    "DEFAULT_SPARQL_ENDPOINT",
    "METHOD",
    "TYPES",
    "USER_AGENT",
    "Client",
    "OnlineConfig",
    "OnlineReport",
    "Target",
    "decide",
    "link_online",
    "online_graph_iri",
    "post_matches",
    "score_candidate",
    "targets_in",
    "write_online_graph",
]
