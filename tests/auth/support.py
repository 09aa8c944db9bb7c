"""Requests that go through the route's Lambda authorizer first, exactly as API Gateway runs it."""

import json
from dataclasses import dataclass
from typing import Any

from export_api_local.apigw import QueryParams, find_route, invoke, rest_event
from export_api_local.authorizer import GatewayDenial, authorize, denial_response
from tests.support.contract import check_response, spec_for


@dataclass(frozen=True)
class AuthResponse:
    status: int
    body: Any
    raw: str


def call(
    method: str,
    path: str,
    authorization: str | None,
    *,
    query: QueryParams | None = None,
    json_body: Any = None,
) -> AuthResponse:
    found = find_route(method, path)
    assert found is not None, f"no route for {method} {path}"
    route, parameters = found
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    event = rest_event(
        route,
        path,
        parameters,
        query=query,
        headers=headers,
        body=json.dumps(json_body) if json_body is not None else None,
    )
    outcome = authorize(route, event)
    if isinstance(outcome, GatewayDenial):
        result = denial_response(outcome)
    else:
        event["requestContext"]["authorizer"] = outcome.context if outcome else None
        result = invoke(route, event)
    raw = result.get("body") or ""
    body = json.loads(raw) if raw else None
    headers_out = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    spec = spec_for(route.path)
    check_response(spec, route.path, method, result["statusCode"], headers_out, body)
    return AuthResponse(result["statusCode"], body, raw)
