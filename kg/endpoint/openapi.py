"""The OpenAPI description of the routes that read raw requests (``/sparql``, ``/update``,
``/store``): their parameters, bodies, responses and media types, as the SPARQL 1.1 Protocol,
Update and Graph Store Protocol define them and kg answers them. FastAPI cannot infer these (the
routes read the request themselves), so they are written here and merged into each operation."""

from __future__ import annotations

from typing import Any

from kg.endpoint.negotiation import RDF_FORMATS, RESULT_FORMATS
from kg.endpoint.tasks import RDF_INPUT

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "title", "message"],
            "properties": {
                "status": {"type": "integer"},
                "title": {"type": "string"},
                "message": {"type": "string"},
            },
        }
    },
}

WHY = {
    400: "Malformed request: a syntax error (with its position), a parameter given twice, bad UTF-8, "
    "a graph IRI that is not an IRI, nesting deeper than max_depth",
    401: "A write without 'Authorization: Bearer <token>'",
    403: "Writes turned off, SERVICE/LOAD turned off or outside service_allowlist, kg's own graphs",
    404: "No such graph",
    405: "The default graph is the merge of the named graphs and cannot be written",
    406: "No acceptable media type in Accept",
    413: "Body larger than max_body",
    415: "Unsupported request media type or charset",
    503: "The query ran past query_timeout or worker_memory and was stopped (Retry-After)",
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {
            "description": WHY[s],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }


#: SPARQL 1.1 Query Results JSON Format, §3: a head, and results or a boolean.
RESULTS_JSON = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object"},
        "boolean": {"type": "boolean"},
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
        },
    },
}


def _any(media_types: list[str]) -> dict[str, Any]:
    def schema(media: str) -> dict[str, Any]:
        if media == "application/sparql-results+json":
            return RESULTS_JSON
        return {} if media.endswith("json") else {"type": "string"}

    return {m: {"schema": schema(m)} for m in media_types}


_RESULTS = [f.media_type for f in (*RESULT_FORMATS, *RDF_FORMATS)]
_GRAPHS = [f.media_type for f in RDF_FORMATS]
_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "A result format by short name (json, xml, csv, tsv, ttl, nt, jsonld, rdfxml, trig, nq); "
    "it wins over Accept when it fits the query form",
    "schema": {"type": "string"},
}


def _graph_list(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": what,
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }


_QUERY_TEXT = {"type": "string", "description": "A SPARQL 1.1 query", "example": "ASK { ?s ?p ?o }"}
_UPDATE_TEXT = {
    "type": "string",
    "description": "A SPARQL 1.1 Update that writes named graphs",
    "example": "INSERT DATA { GRAPH <https://kg.example/id/graph/mine> { <urn:a> <urn:b> <urn:c> } }",
}
_QUERY_RESPONSES = {
    "200": {
        "description": "SELECT/ASK results, or the RDF of CONSTRUCT/DESCRIBE, by content negotiation "
        "(without a query: the service description)",
        "headers": {
            "KG-Row-Limit": {"schema": {"type": "string"}, "description": "max_rows (0: no cap)"},
            "KG-Truncated": {
                "schema": {"type": "string"},
                "description": "true when max_rows cut the result",
            },
        },
        "content": _any(_RESULTS),
    },
    **_errors(400, 403, 406, 413, 415, 503),
}


def sparql(method: str) -> dict[str, Any]:
    """/sparql: the query operation by GET (parameters) or POST (form or direct body)."""
    datasets = [
        _graph_list("default-graph-uri", "IRIs of the graphs whose merge is the default graph"),
        _graph_list("named-graph-uri", "IRIs of the named graphs the query may use"),
    ]
    if method == "GET":
        query = {
            "name": "query",
            "in": "query",
            "required": False,
            "description": "The query; without it, GET answers the service description",
            "schema": _QUERY_TEXT,
        }
        return {"parameters": [query, *datasets, _FORMAT], "responses": _QUERY_RESPONSES}
    form = {
        "type": "object",
        "required": ["query"],
        "properties": {
            "query": _QUERY_TEXT,
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "parameters": [*datasets, _FORMAT],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "application/sparql-query": {"schema": _QUERY_TEXT},
            },
        },
        "responses": _QUERY_RESPONSES,
    }


def update() -> dict[str, Any]:
    """/update: POST form or direct body, with the bearer token."""
    datasets = [
        _graph_list("using-graph-uri", "IRIs whose merge is the default graph of the WHERE clauses"),
        _graph_list("using-named-graph-uri", "IRIs of the named graphs the WHERE clauses may use"),
    ]
    form = {
        "type": "object",
        "required": ["update"],
        "properties": {
            "update": _UPDATE_TEXT,
            "using-graph-uri": {"type": "array", "items": {"type": "string"}},
            "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "parameters": datasets,
        "security": [{"bearer": []}],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "application/sparql-update": {"schema": _UPDATE_TEXT},
            },
        },
        "responses": {
            "204": {"description": "Done, in one transaction"},
            **_errors(400, 401, 403, 413, 415, 503),
        },
    }


def store(method: str, direct: bool) -> dict[str, Any]:
    """/store (indirect: ?graph= or ?default) and /store/... (direct: the URL names the graph)."""
    params: list[dict[str, Any]] = []
    if not direct:
        params = [
            {
                "name": "graph",
                "in": "query",
                "required": False,
                "description": "The IRI of a named graph (URL-encoded)",
                "schema": {"type": "string", "example": "https://kg.example/id/graph/meta"},
            },
            {
                "name": "default",
                "in": "query",
                "required": False,
                "description": "The default graph (read only: it is the merge of the named graphs)",
                "schema": {"type": "string"},
                "allowEmptyValue": True,
            },
        ]
    if method == "GET":
        return {
            "parameters": [*params, _FORMAT],
            "responses": {
                "200": {"description": "The graph", "content": _any(_GRAPHS)},
                **_errors(400, 404, 406, 503),
            },
        }
    writes = {"security": [{"bearer": []}], "parameters": params}
    statuses = _errors(400, 401, 403, 405, 413, 415, 503)
    if method == "DELETE":
        return {**writes, "responses": {"204": {"description": "Deleted"}, **statuses, **_errors(404)}}
    content = _any(list(RDF_INPUT))
    if method == "POST":
        content["multipart/form-data"] = {
            "schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}
        }
    created = {"201": {"description": "Created (POST on /store alone: Location names the new graph)"}}
    return {
        **writes,
        "requestBody": {"required": True, "content": content},
        "responses": {**created, "204": {"description": "Replaced or merged"}, **statuses},
    }


def components() -> dict[str, Any]:
    return {
        "schemas": {"Error": ERROR},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "KG_TOKEN"}},
    }


def void() -> dict[str, Any]:
    return {
        "responses": {"200": {"description": "VoID statistics", "content": _any(_GRAPHS)}, **_errors(406)}
    }


def entity() -> dict[str, Any]:
    return {
        "parameters": [
            {"name": "rest", "in": "path", "required": True, "schema": {"type": "string"}},
            _FORMAT,
        ],
        "responses": {
            "200": {
                "description": "The entity: HTML for browsers, RDF by Accept",
                "content": _any(["text/html", *_GRAPHS]),
            },
            **_errors(404, 406, 503),
        },
    }


def search() -> dict[str, Any]:
    found = {
        "200": {
            "description": "Entities whose label matches",
            "content": _any(["text/html", "application/json"]),
        }
    }
    return {"responses": {**found, **_errors(400, 503)}}


def ontology() -> dict[str, Any]:
    return {
        "parameters": [_FORMAT],
        "responses": {
            "200": {
                "description": "The ontology: HTML for browsers, RDF by Accept",
                "content": _any(["text/html", *_GRAPHS]),
            },
            **_errors(406),
        },
    }


def install(app: Any, entity_path: str) -> None:
    """Give ``app`` an OpenAPI document with these operations in place of FastAPI's guesses."""
    from fastapi.openapi.utils import get_openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            written = {
                ("/sparql", "get"): sparql("GET"),
                ("/sparql", "post"): sparql("POST"),
                ("/update", "post"): update(),
                ("/void", "get"): void(),
                (entity_path, "get"): entity(),
                ("/ontology", "get"): ontology(),
            }
            for path, direct in (("/store", False), ("/store/{rest}", True)):
                for method in ("GET", "PUT", "POST", "DELETE"):
                    op = store(method, direct)
                    if direct:  # (a path no route matches, one with a line break, is a 404)
                        rest = {"name": "rest", "in": "path", "required": True, "schema": {"type": "string"}}
                        op["parameters"] = [rest, *op["parameters"]]
                        op["responses"].update(_errors(404))
                    written[(path, method.lower())] = op
            for (path, method), spec in written.items():
                operation = doc["paths"].get(path, {}).get(method)
                if operation is not None:
                    operation.pop("requestBody", None)
                    operation.update(spec)
            found = doc["paths"].get("/search", {}).get("get")
            if found is not None:  # (its q and limit parameters are FastAPI's)
                found["responses"] = search()["responses"]
            doc.setdefault("components", {}).update(components())
            doc["components"]["schemas"] = {
                k: v for k, v in doc["components"]["schemas"].items() if "ValidationError" not in k
            }
            for operations in doc["paths"].values():
                for operation in operations.values():
                    # FastAPI's 422 for a parameter it cannot read is answered 400 here (routes)
                    if operation["responses"].pop("422", None) is not None:
                        operation["responses"].setdefault("400", _errors(400)["400"])
            app.openapi_schema = doc
        return dict(app.openapi_schema)

    app.openapi = document
