"""What the sync and async clients share: settings, headers, and reading an answer."""

import uuid
from typing import Any

import httpx

from export_api_client._version import __version__
from export_api_client.auth import credential
from export_api_client.errors import api_error
from export_api_client.operations import Call
from export_api_client.retry import RetryPolicy

#: Every request has a deadline: 5 s to connect, 30 s to read (API Gateway's own limit is 29 s).
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def client_options(
    base_url: str, token: str | None, api_key: str | None, timeout: httpx.Timeout | float | None
) -> dict[str, Any]:
    return {
        "base_url": base_url.rstrip("/"),
        "auth": credential(token, api_key),
        "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
        "headers": {"User-Agent": f"export-api-client/{__version__}", "Accept": "application/json"},
    }


def request_headers(call: Call[Any]) -> dict[str, str]:
    """One Idempotency-Key per logical write, the same on every retry of it: the service then replays
    the first answer rather than acting twice (a dropped connection after the write went through)."""
    return {"Idempotency-Key": str(uuid.uuid4())} if call.write else {}


def decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def failure(response: httpx.Response) -> Exception:
    return api_error(response.status_code, decoded(response), response.headers)


def retry_after(response: httpx.Response) -> str | None:
    value: str | None = response.headers.get("Retry-After")
    return value


__all__ = ["DEFAULT_TIMEOUT", "RetryPolicy", "client_options", "decoded", "failure", "request_headers", "retry_after"]
