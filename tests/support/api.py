"""Calls the Lambda handlers with API Gateway REST proxy events, routed by template.yaml, and
checks every response against the contract as it arrives."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from export_api_local.apigw import (
    ADMIN,
    ALL_SCOPES,
    Identity,
    QueryParams,
    find_route,
    invoke,
    response_json,
    rest_event,
)
from tests.support.contract import ADMIN_CONTRACT, check_response, contract_for, load_spec

__all__ = ["ADMIN", "ALL_SCOPES", "ApiClient", "Identity", "Response"]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any
    raw_body: str | None

    @property
    def data(self) -> Any:
        return self.body["data"]


@dataclass
class ApiClient:
    responses: list[tuple[str, str, int]] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        *,
        identity: Identity | None,
        query: QueryParams | None = None,
        json_body: Any = None,
        raw_body: str | None = None,
        headers: Mapping[str, str] | None = None,
        check_contract: bool = True,
    ) -> Response:
        """`check_contract=False` only for answers the contract cannot list (a 503 of an overloaded
        dependency): they are still checked to be the contract's ExceptionInfo by the test."""
        found = find_route(method, path)
        assert found is not None, f"template.yaml routes no function for {method} {path}"
        route, path_parameters = found
        body = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else None)
        event = rest_event(
            route,
            path,
            path_parameters,
            query=query,
            headers={"Content-Type": "application/json", **(headers or {})},
            body=body,
            authorizer=identity.context() if identity else None,
        )
        result = invoke(route, event)
        response_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers.setdefault(name.lower(), values[-1])
        response = Response(result["statusCode"], response_headers, response_json(result), result.get("body"))
        spec = load_spec(ADMIN_CONTRACT) if route.path.startswith(("/admin", "/health")) else contract_for(route.path)
        if check_contract:
            check_response(spec, route.path, method, response.status, response_headers, response.body)
        self.responses.append((method.upper(), route.path, response.status))
        return response

    def get(self, path: str, identity: Identity | None, query: QueryParams | None = None) -> Response:
        return self.request("GET", path, identity=identity, query=query)

    def post(self, path: str, identity: Identity | None, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, identity=identity, json_body=json_body, **kwargs)

    def put(self, path: str, identity: Identity | None, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, identity=identity, json_body=json_body, **kwargs)
