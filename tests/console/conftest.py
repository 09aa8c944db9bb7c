"""The job console served over HTTP in this process (uvicorn in a thread), in front of the in-process
gateway and moto: the workflow's fixtures run the real state machine (tests/workflow/conftest.py)."""

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import uvicorn

from export_api_local.asgi import LocalApp
from export_api_local.gateway import Gateway
from tests.local.server import free_port
from tests.support.keys import signer
from tests.workflow.conftest import lifecycle, pytest_configure

__all__ = ["lifecycle", "pytest_configure"]


@dataclass(frozen=True)
class Page:
    status: int
    text: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Console:
    base_url: str

    def get(self, path: str, authorization: str | None = None, cookie: str | None = None) -> Page:
        request = urllib.request.Request(self.base_url + path)
        if authorization:
            request.add_header("Authorization", authorization)
        if cookie:
            request.add_header("Cookie", cookie)
        return _open(request)

    def post_form(self, path: str, body: str, headers: dict[str, str] | None = None) -> Page:
        request = urllib.request.Request(self.base_url + path, data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        return _open(request)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: object, **__: object) -> None:
        return None


def _open(request: urllib.request.Request) -> Page:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return Page(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Page(error.code, error.read().decode(), dict(error.headers))


def bearer(companies: list[str], scopes: list[str]) -> str:
    # Admin tokens are minted for the admin audience (the admin authorizer takes no other).
    token = signer(admin="admin" in scopes).mint("console-tests", companies, scopes, ttl=timedelta(minutes=5))
    return f"Bearer {token}"


@pytest.fixture
def admin() -> str:
    return bearer([], ["admin"])


@pytest.fixture
def console(tables: None) -> Iterator[Console]:
    port = free_port()
    app = LocalApp(Gateway(), timeout_seconds=29)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the console's server did not start"
        time.sleep(0.02)
    try:
        yield Console(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
