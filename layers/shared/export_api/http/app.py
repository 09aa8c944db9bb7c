"""A FastAPI app per Lambda function, wrapped by Mangum, with the contract's error shape."""

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from mangum import Mangum
from starlette.routing import BaseRoute

from export_api.http.errors import install_error_handlers
from export_api.http.responses import ContractJSONResponse
from export_api.settings import Settings, get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class HttpApi:
    """An API function's routes: what export_api.bootstrap builds its FastAPI + Mangum handler from."""

    title: str
    routers: tuple[APIRouter, ...]
    test_helpers: tuple[Callable[[], APIRouter], ...] = ()
    """What makes the routers that exist only while TEST_HELPERS is enabled (`api_handler`): where it is
    not, as the template leaves it, the init neither imports nor builds them."""

    def all_routers(self) -> tuple[APIRouter, ...]:
        """Its routers with the test helpers' (the contract tests read every route it may serve)."""
        return (*self.routers, *(make() for make in self.test_helpers))

    def handler(self, settings: Settings) -> LambdaHandler:
        return api_handler(create_app(self.title, self.routers), settings.api_base_path, self.test_helpers)


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
    add_routes(app, routers)
    return app


def add_routes(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    for router in routers:
        for route in router.routes:
            _require_coroutine(route)
        # The routes as the router built them (its prefix, tags and dependencies already applied), not
        # `include_router`: that builds every route a second time, at the first request (tens of ms per
        # cold start). The routes answer with contract responses themselves, so no app default is lost.
        app.router.routes.extend(router.routes)


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


def api_handler(
    app: FastAPI, base_path: str = "/", test_helpers: Sequence[Callable[[], APIRouter]] = ()
) -> LambdaHandler:
    """The Lambda entry point of an API function: Mangum adapting API Gateway REST proxy events to the
    app; every response (errors too) echoes API Gateway's request id as `X-Request-Id`.

    `test_helpers` make the routers that exist only while TEST_HELPERS is enabled: built here if it is,
    else by the first request that finds it enabled; until then their paths answer 404 as any path that
    does not exist. A Lambda environment's setting never changes (its routes are built at init or
    never); a test or `make run` may switch it.

    export_api.bootstrap instruments it around the Lambda handler, not the ASGI app: logs carry that
    request id as `correlation_id` and metrics are flushed once per invocation.
    """
    # Lifespan "off": Mangum would run startup per invocation; clients are created once per process instead.
    adapter = Mangum(app, lifespan="off", api_gateway_base_path=base_path)
    operations: dict[tuple[str, str], str] = {}
    unrouted = list(test_helpers)

    def helpers_enabled() -> bool:
        """Whether the test helpers are enabled, their routes in place if so: the settings are read per
        request (cached) so that a test or `make run` may switch them."""
        if not get_settings().test_helpers_enabled:
            return False
        if unrouted:
            # A handler serves one request at a time (Lambda; make run's gateway too): no other request
            # sees the routes half added.
            add_routes(app, [make() for make in unrouted])
            unrouted.clear()
        return True

    helpers_enabled()

    def injected(event: dict[str, Any]) -> dict[str, Any] | None:
        """A fault the test helpers injected for this request (http/faults.py), only while they are
        enabled."""
        if not helpers_enabled():
            return None
        from export_api.http.faults import inject, operations_of
        from export_api.services.container import get_services

        if not operations:
            operations.update(operations_of(app))
        return inject(event, operations, get_services().fault_injector.take)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = injected(event) or adapter(event, context)
        request_id = (event.get("requestContext") or {}).get("requestId")
        if request_id:
            response["headers"] = {**(response.get("headers") or {}), "X-Request-Id": str(request_id)}
        return response

    return handler
