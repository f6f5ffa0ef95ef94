"""Reference point for the endpoint benchmark: the naive FastAPI + pyoxigraph app (in-process
queries, Rust serialization, no timeout, no row cap, no isolation). Not a product: it shows what
kg serve's safety (worker processes, cancellation, caps) costs per request.

    python benchmarks/endpoint_plain_app.py STORE PORT
"""

from __future__ import annotations

import sys

import pyoxigraph as ox
import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

store = ox.Store.read_only(sys.argv[1])
app = FastAPI()


def answer(query: str) -> tuple[bytes, str]:
    result = store.query(query)
    if isinstance(result, ox.QueryTriples):
        return ox.serialize(result, format=ox.RdfFormat.TURTLE) or b"", "text/turtle"
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b"", "application/sparql-results+json"


@app.get("/sparql")
async def sparql(request: Request) -> Response:
    body, media = await run_in_threadpool(answer, request.query_params["query"])
    return Response(body, media_type=media)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
