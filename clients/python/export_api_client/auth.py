"""The contract's two credentials: a bearer token, or an API key as the basic-auth user name with an
empty password (`Authorization: Basic base64("<key>:")`)."""

from collections.abc import Generator

import httpx


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def api_key_auth(api_key: str) -> httpx.Auth:
    return httpx.BasicAuth(api_key, "")


def credential(token: str | None, api_key: str | None) -> httpx.Auth:
    if (token is None) == (api_key is None):
        raise ValueError("pass exactly one credential: token= (bearer) or api_key= (basic auth user name)")
    return BearerAuth(token) if token is not None else api_key_auth(api_key)  # type: ignore[arg-type]
