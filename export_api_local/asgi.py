"""The HTTP face of the local service: an ASGI app (served by uvicorn) in front of the gateway.

A path that template.yaml declares goes to the gateway, whose handler call runs in a worker thread
under API Gateway's integration timeout. Anything else is a local page (Swagger UI, the specs) or a
404 in the contract's error shape. The job console (export_api_local.console) is under /console.
"""

from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from export_api_local.console import console_routes
from export_api_local.docs import spec_for, swagger_page, swagger_ui_assets
from export_api_local.gateway import Gateway, HttpRequest, HttpResponse


def _pages(gateway: Gateway) -> Starlette:
    async def index(_: Request) -> Response:
        return RedirectResponse("/docs")

    async def docs(_: Request) -> Response:
        return HTMLResponse(swagger_page("export-api"))

    async def admin_docs(_: Request) -> Response:
        return HTMLResponse(swagger_page("admin-api"))

    async def openapi(request: Request) -> Response:
        base_url = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
        spec = spec_for(request.path_params["name"], base_url)
        if spec is None:
            raise HTTPException(404)
        return JSONResponse(spec)

    async def not_found(request: Request, _: Exception) -> Response:
        answer = gateway.not_found(request.method, request.url.path)
        return Response(answer.body, answer.status, headers=dict(answer.headers))

    routes: list[Any] = [
        Route("/", index),
        Route("/docs", docs),
        Route("/docs/admin", admin_docs),
        Route("/openapi/{name}.json", openapi),
        *console_routes(gateway),
    ]
    assets = swagger_ui_assets()
    if assets is not None:
        routes.append(Mount("/docs/assets", StaticFiles(directory=assets)))
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})


class LocalApp:
    """ASGI app: template routes through the gateway, local pages otherwise."""

    def __init__(self, gateway: Gateway, timeout_seconds: float) -> None:
        self.gateway = gateway
        self.timeout_seconds = timeout_seconds
        self.pages = _pages(gateway)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.gateway.serves_path(scope["path"]):
            await self.proxy(scope, receive, send)
        else:
            await self.pages(scope, receive, send)

    async def proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        client = scope.get("client") or ("127.0.0.1", 0)
        server = scope.get("server") or ("127.0.0.1", 80)
        http_request = HttpRequest(
            method=request.method,
            path=scope["path"],
            query=[(k, v) for k, v in request.query_params.multi_items()],
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=await request.body(),
            source_ip=str(client[0]),
            scheme=str(scope.get("scheme", "http")),
            port=int(server[1] or 80),
        )
        try:
            with anyio.fail_after(self.timeout_seconds):
                # abandon_on_cancel: API Gateway answers 504 at its timeout; the call itself runs on.
                response = await anyio.to_thread.run_sync(self.gateway.handle, http_request, abandon_on_cancel=True)
        except TimeoutError:
            message = f"The function did not answer within {self.timeout_seconds:g} s."
            response = self.gateway.error("INTEGRATION_TIMEOUT", message)
        await _send(response, send)


async def _send(response: HttpResponse, send: Send) -> None:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers
        if name.lower() not in {"content-length", "transfer-encoding", "connection"}
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
