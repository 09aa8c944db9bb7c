"""API Gateway REST proxy events, and invoking the function a template route names."""

import importlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from export_api_local.template import Route, routes

QueryParams = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:local"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


ALL_SCOPES = "export-jobs:read export-jobs:write export-items:read"


@dataclass(frozen=True)
class Identity:
    """What an authorizer puts in the request context for a caller (primitives only)."""

    company_ids: tuple[str, ...]
    scopes: str = ALL_SCOPES
    principal_id: str = "integration"

    def context(self) -> dict[str, str]:
        return {"principalId": self.principal_id, "companyIds": ",".join(self.company_ids), "scopes": self.scopes}


ADMIN = Identity(company_ids=(), scopes="admin", principal_id="admin")


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes():
        parameters = route.match(method, path)
        if parameters is not None:
            return route, parameters
    return None


def rest_event(
    route: Route,
    path: str,
    path_parameters: Mapping[str, str],
    *,
    query: QueryParams | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    authorizer: Mapping[str, Any] | None = None,
    stage: str = "api",
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda proxy integration for one request."""
    multi_query = {k: [v] if isinstance(v, str) else list(v) for k, v in (query or {}).items()}
    header_map = {"Host": "127.0.0.1", **(headers or {})}
    request_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": header_map,
        "multiValueHeaders": {k: [v] for k, v in header_map.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "accountId": "123456789012",
            "apiId": "local",
            "protocol": "HTTP/1.1",
            "domainName": header_map["Host"],
            "identity": {"sourceIp": "127.0.0.1", "userAgent": header_map.get("User-Agent", "")},
            "authorizer": dict(authorizer) if authorizer is not None else None,
        },
    }


def handler_for(route: Route) -> Any:
    return importlib.import_module(route.module).handler


def invoke(route: Route, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = handler_for(route)(event, LambdaContext(function_name=route.function))
    return response


def url_of(path: str, query: QueryParams | None) -> str:
    return path + ("?" + urlencode(query, doseq=True) if query else "")


def response_json(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response.get("body") else None
