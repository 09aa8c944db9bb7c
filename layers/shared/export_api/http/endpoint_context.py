"""Where each endpoint is defined, handed to FastAPI at init so that no request reads it from source.

FastAPI names the endpoint (function, file, line) in its error reports, and finds it with
`inspect.getsourcelines` when a request first reaches the endpoint: the source file is read and the
function's block tokenized by Python's pure-Python tokenizer, which first compiles its regular
expressions (a few ms of a cold start's first request, in every function). The function's code object
already holds its first line (its first decorator's, as `getsourcelines` reports it), so each route's
entry is made from that at init.

FastAPI keeps these entries in `fastapi.routing._endpoint_context_cache`, by the endpoint's id. Should
it move or drop that, nothing is filled in and FastAPI reads the source as before
(tests/test_cold_start.py then reports the tokenizer at work in a first request).
"""

import inspect
from typing import Any

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute


def describe_endpoints(app: FastAPI) -> None:
    cache = getattr(routing, "_endpoint_context_cache", None)
    if not isinstance(cache, dict):
        return
    for route in app.routes:
        endpoint = route.dependant.call if isinstance(route, APIRoute) else None
        if inspect.isfunction(endpoint) and id(endpoint) not in cache:
            cache[id(endpoint)] = _context_of(endpoint)


def _context_of(endpoint: Any) -> dict[str, Any]:
    # As FastAPI's own reading: the file only where the source is present.
    context: dict[str, Any] = {"line": endpoint.__code__.co_firstlineno, "function": endpoint.__name__}
    source_file = inspect.getsourcefile(endpoint)
    if source_file is not None:
        context["file"] = source_file
    return context
