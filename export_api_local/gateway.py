"""The local API Gateway: template.yaml's routes, served by calling each function's handler in-process.

What `sam local start-api` does, minus Docker. For every request the gateway
- finds the route among the template's `Api` events (a route added to the template is served; a
  path or method it does not declare gets the MISSING_AUTHENTICATION_TOKEN gateway response,
  locally 404 `{"type": "NOT_FOUND", ...}`),
- builds the REST API (v1) Lambda proxy event: path and path parameters, multi-value query
  parameters and headers, body, stage and request context,
- counts requests without an Authorization header per address, as the web ACL's anonymous rule does
  (`limits`), and runs the route's Lambda authorizer as the template declares it (`Gateway.authorize`,
  the hook, which calls `export_api_local.authorizer`), puts the authorizer's context in
  `requestContext.authorizer`, or answers the gateway response instead (401 UNAUTHORIZED, 403
  ACCESS_DENIED, as the template shapes them),
- meters a route that requires an API key by the usage plan of the key the authorizer named (`limits`:
  429 THROTTLED or QUOTA_EXCEEDED with Retry-After, 403 INVALID_API_KEY),
- calls the function's handler with the event and a Lambda context, one invocation at a time per
  function (a warm Lambda instance serves one request at a time), and returns its response.
"""

import asyncio
import base64
import json
import threading
import traceback
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from export_api_local import authorizer
from export_api_local.apigw import LambdaContext, handler_for, rest_event
from export_api_local.environment import ACCOUNT_ID
from export_api_local.template import Route, load_template, resources_of_type, routes
from export_api_local.usage_plans import AnonymousRateLimit, UsagePlanMeter, waf_block_body

# API Gateway's own answers, locally in the contract's error shape unless template.yaml declares them.
DEFAULT_GATEWAY_RESPONSES: dict[str, tuple[int, str]] = {
    # API Gateway answers 403 for a path or method it does not know; locally, 404 says what happened.
    "MISSING_AUTHENTICATION_TOKEN": (404, "NOT_FOUND"),
    "INTEGRATION_FAILURE": (502, "INTERNAL_ERROR"),
    "INTEGRATION_TIMEOUT": (504, "INTERNAL_ERROR"),
}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: Sequence[tuple[str, str]] = ()
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    scheme: str = "http"
    port: int = 3000


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def stage_name() -> str:
    parameter = (load_template().get("Parameters") or {}).get("StageName") or {}
    return str(parameter.get("Default", "api"))


def gateway_response(response_type: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one of API Gateway's own responses: as template.yaml's
    `GatewayResponses` declares it (static templates), else in the contract's error shape."""
    status, error_type = DEFAULT_GATEWAY_RESPONSES.get(response_type, (500, "INTERNAL_ERROR"))
    fallback = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    for api in resources_of_type("AWS::Serverless::Api").values():
        declared = api.get("GatewayResponses") or {}
        spec = declared.get(response_type) or declared.get(fallback)
        template = ((spec or {}).get("ResponseTemplates") or {}).get("application/json")
        if spec and template:
            headers = ((spec.get("ResponseParameters") or {}).get("Headers")) or {}
            return (
                int(spec.get("StatusCode") or status),
                {"Content-Type": "application/json", **{k: str(v).strip("'") for k, v in headers.items()}},
                str(template).replace("$context.error.messageString", json.dumps(message)).encode(),
            )
    body = json.dumps({"type": error_type, "message": message}, separators=(",", ":")).encode()
    return status, {"Content-Type": "application/json;charset=UTF-8"}, body


def _canonical(name: str) -> str:
    # ASGI servers lower-case header names; clients (curl, requests, SDKs) send them capitalized.
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _multi(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _specificity(route: Route) -> tuple[int, int]:
    # API Gateway prefers a literal segment over a {parameter} one.
    segments = route.path.strip("/").split("/")
    return sum(1 for s in segments if not s.startswith("{")), len(segments)


_loops = threading.local()


def _ensure_event_loop() -> None:
    """Mangum runs the ASGI app on the thread's current event loop; worker threads have none."""
    if getattr(_loops, "loop", None) is None:
        _loops.loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_loops.loop)


@dataclass(frozen=True)
class Limits:
    """What API Gateway and the web ACL enforce before a function runs; None fields enforce nothing."""

    usage_plans: UsagePlanMeter | None = None
    anonymous: AnonymousRateLimit | None = None


@dataclass
class Gateway:
    region: str = "eu-west-1"
    stage: str = field(default_factory=stage_name)
    routes: Sequence[Route] = field(default_factory=routes)
    limits: Limits = field(default_factory=Limits)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.routes = sorted(self.routes, key=_specificity, reverse=True)
        for route in self.routes:
            self._locks.setdefault(route.function, threading.Lock())

    @property
    def uses_authorizer(self) -> bool:
        return any(route.authorizer_function for route in self.routes)

    def serves_path(self, path: str) -> bool:
        """Whether the template declares this path (for any method)."""
        return any(route.pattern.fullmatch(path) for route in self.routes)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        return None

    def error(self, response_type: str, message: str, request_id: str | None = None) -> HttpResponse:
        status, headers, body = gateway_response(response_type, message)
        return HttpResponse(status, [*headers.items(), ("x-amzn-RequestId", request_id or str(uuid.uuid4()))], body)

    def not_found(self, method: str, path: str) -> HttpResponse:
        message = f"No operation {method.upper()} {path}: template.yaml declares no such route."
        return self.error("MISSING_AUTHENTICATION_TOKEN", message)

    def event(self, route: Route, parameters: Mapping[str, str], request: HttpRequest) -> dict[str, Any]:
        """The API Gateway REST proxy event for one request."""
        headers = _multi([(_canonical(k), v) for k, v in request.headers])
        headers.setdefault("X-Forwarded-For", [request.source_ip])
        headers.setdefault("X-Forwarded-Proto", [request.scheme])
        headers.setdefault("X-Forwarded-Port", [str(request.port)])
        body: str | None = None
        is_base64 = False
        if request.body:
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                body, is_base64 = base64.b64encode(request.body).decode(), True
        event = rest_event(
            route,
            request.path,
            parameters,
            query=_multi(list(request.query)),
            headers={k: v[-1] for k, v in headers.items()},
            body=body,
            stage=self.stage,
        )
        event["multiValueHeaders"] = headers
        event["isBase64Encoded"] = is_base64
        event["requestContext"]["identity"]["sourceIp"] = request.source_ip
        return event

    def handle(self, request: HttpRequest, identity: Mapping[str, Any] | None = None) -> HttpResponse:
        """Serves one request. `identity`, when given, stands in for the authorizer's context (for a
        trusted in-process caller such as the demo loader); otherwise the route's authorizer runs."""
        found = self.find(request.method, request.path)
        if found is None:
            return self.not_found(request.method, request.path)
        route, parameters = found
        event = self.event(route, parameters, request)
        if identity is None:
            anonymous = not any(name.lower() == "authorization" for name, _ in request.headers)
            if anonymous and self.limits.anonymous is not None and not self.limits.anonymous.allows(request.source_ip):
                return HttpResponse(429, [("Content-Type", "application/json")], waf_block_body())
            outcome = self.authorize(route, event)
            if isinstance(outcome, HttpResponse):
                return outcome
            if route.api_key_required and self.limits.usage_plans is not None:
                refusal = self.limits.usage_plans.refusal(outcome.usage_key if outcome else None)
                if refusal is not None:
                    return self.error(refusal, refusal, str(event["requestContext"]["requestId"]))
            event["requestContext"]["authorizer"] = outcome.context if outcome else None
        else:
            event["requestContext"]["authorizer"] = dict(identity)
        return self.invoke(route, event)

    def authorize(self, route: Route, event: dict[str, Any]) -> authorizer.Authorized | HttpResponse | None:
        """THE authorizer hook: runs the route's Lambda authorizer from template.yaml (none for a public
        route) and gives what it allowed (the context for `requestContext.authorizer`, the usage key), or
        API Gateway's own answer."""
        request_id = str(event["requestContext"]["requestId"])
        try:
            outcome = authorizer.authorize(route, event)
        except Exception:
            traceback.print_exc()
            return self.error("AUTHORIZER_FAILURE", "The authorizer failed.", request_id)
        if isinstance(outcome, authorizer.GatewayDenial):
            headers = [*outcome.headers.items(), ("x-amzn-RequestId", request_id)]
            return HttpResponse(outcome.status, headers, outcome.body.encode())
        return outcome

    def invoke(self, route: Route, event: dict[str, Any]) -> HttpResponse:
        request_id = str(event["requestContext"]["requestId"])
        context = LambdaContext(
            function_name=route.function,
            invoked_function_arn=f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{route.function}",
            aws_request_id=request_id,
        )
        try:
            with self._locks[route.function]:
                _ensure_event_loop()
                result = handler_for(route)(event, context)
            status = int(result["statusCode"])
        except Exception:
            traceback.print_exc()
            return self.error("INTEGRATION_FAILURE", "Internal server error", request_id)
        multi = {k: [str(v) for v in values] for k, values in (result.get("multiValueHeaders") or {}).items()}
        pairs = [(k, str(v)) for k, v in (result.get("headers") or {}).items() if k not in multi]
        pairs += [(k, v) for k, values in multi.items() for v in values]
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
        return HttpResponse(status, [*pairs, ("x-amzn-RequestId", request_id)], body)
