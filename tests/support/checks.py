"""Assertions shared by the test modules."""

from typing import Any

from tests.support.api import Response


def assert_error(response: Response, status: int, error_type: str | None = None) -> dict[str, Any]:
    """The response is the contract's `ExceptionInfo` with this status (and type, if given)."""
    assert response.status == status, (response.status, response.body)
    body: dict[str, Any] = response.body
    assert isinstance(body, dict), body
    assert set(body) == {"type", "message"}, body
    for field in ("type", "message"):
        assert isinstance(body[field], str), body
        assert body[field].strip(), body
    if error_type is not None:
        assert body["type"] == error_type, body
    return body
