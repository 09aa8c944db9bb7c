"""A FastAPI app per Lambda function, wrapped by Mangum, with the contract's error shape."""

import inspect
from collections.abc import Callable, Iterable
from typing import Any, cast

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum
from starlette.routing import BaseRoute

from export_api.http.endpoint_context import describe_endpoints
from export_api.http.errors import install_error_handlers
from export_api.http.responses import ContractJSONResponse
from export_api.observability import instrument
from export_api.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def create_app(title: str, routers: Iterable[APIRouter]) -> FastAPI:
    app = FastAPI(
        title=title,
        default_response_class=ContractJSONResponse,
        # The contract is the documentation (spec/export-api.openapi.yaml); nothing is served by the functions.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    for router in routers:
        for route in router.routes:
            _require_coroutine(route)
        # The routes as the router built them (its prefix, tags and dependencies already applied), not
        # `include_router`: that builds every route a second time, at the first request (tens of ms per
        # cold start). The routes answer with contract responses themselves, so no app default is lost.
        app.router.routes.extend(router.routes)
    return app


def _require_coroutine(route: BaseRoute) -> None:
    """Every route is a coroutine that calls the services directly, blocking I/O included.

    A Lambda execution environment serves one request at a time, so nothing could run beside a request
    while it waits. A route that is a plain function would run in anyio's worker thread instead: a thread
    hop per request, and anyio's thread machinery loaded and a worker started at every cold start.
    """
    if isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(
            f"Route {route.path} ({route.endpoint.__name__}) is a plain function: "
            "declare it `async def` (export_api.http.app: a function serves one request at a time)."
        )


# A request no route serves, as API Gateway would send it: it walks (and so builds) every route.
_PRIMING_EVENT: dict[str, Any] = {
    "resource": "/{proxy+}",
    "path": "/__prime__",
    "httpMethod": "GET",
    "headers": {},
    "multiValueHeaders": {},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": "GET", "path": "/__prime__", "stage": "prime"},
    "body": None,
    "isBase64Encoded": False,
}


def prime(adapter: Mangum) -> None:
    """Do at init what the first request would do: serve one request that no route matches.

    Starlette builds its middleware stack on its first request, and a router included with
    `include_router` would have its routes built when a request first walks them. A request for no route
    walks every route and answers the contract's 404 (no AWS call, nothing logged), so whatever is left to
    build is built at init: within Lambda's init phase (and in a SnapStart snapshot), not on the first
    caller's request.
    """
    describe_endpoints(cast(FastAPI, adapter.app))
    # No Lambda context: nothing on the path of an unrouted request reads it.
    response = adapter(_PRIMING_EVENT, cast(Any, None))
    if response.get("statusCode") != 404:
        raise RuntimeError(f"priming request answered {response.get('statusCode')}, not 404")


def lambda_handler(app: FastAPI, service: str) -> LambdaHandler:
    """The Lambda entry point: Mangum adapting API Gateway REST proxy events to the app.

    Instrumented around the Lambda handler, not the ASGI app: logs carry API Gateway's request id as
    `correlation_id`, metrics are flushed once per invocation, and every response (errors too)
    echoes that request id as `X-Request-Id`.
    """
    # Lifespan "off": Mangum would run startup per invocation; clients are created once per process instead.
    adapter = Mangum(app, lifespan="off", api_gateway_base_path=get_settings().api_base_path)
    prime(adapter)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)
        request_id = (event.get("requestContext") or {}).get("requestId")
        if request_id:
            response["headers"] = {**(response.get("headers") or {}), "X-Request-Id": str(request_id)}
        return response

    instrumented: LambdaHandler = instrument(handler, service, correlation_paths.API_GATEWAY_REST)
    return instrumented
