"""Requests to the Lambda handlers as API Gateway sends them (REST proxy events, routed by template.yaml)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from export_api_local.apigw import ADMIN, Identity, QueryParams, find_route, invoke, rest_event

__all__ = ["ADMIN", "Answer", "Identity", "event_for"]


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def event_for(
    method: str,
    path: str,
    identity: Identity | None,
    query: QueryParams | None = None,
    body: Any = None,
    key: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The function route and the API Gateway event of one request (with `key` as its Idempotency-Key)."""
    found = find_route(method, path)
    if found is None:
        raise LookupError(f"template.yaml routes no function for {method} {path}")
    route, parameters = found
    event = rest_event(
        route,
        path,
        parameters,
        query=query,
        headers={"Content-Type": "application/json", **({"Idempotency-Key": key} if key else {})},
        body=json.dumps(body) if body is not None else None,
        authorizer=identity.context() if identity else None,
    )
    return route, event


def request(
    method: str,
    path: str,
    identity: Identity | None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    expect: int | None = None,
    key: str | None = None,
) -> Answer:
    route, event = event_for(method, path, identity, query, body, key)
    result = invoke(route, event)
    answer = Answer(result["statusCode"], json.loads(result["body"]) if result.get("body") else None)
    if expect is not None and answer.status != expect:
        raise AssertionError(f"{method} {path} answered {answer.status}, expected {expect}: {answer.body}")
    return answer
