"""Request bodies: parsed and validated by hand so each failure gets the contract's error type."""

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from export_api.errors import BadRequest
from export_api.http.errors import describe_validation_errors

T = TypeVar("T")

MAX_BODY_BYTES = 1_048_576


def _reject_constant(name: str) -> Any:
    # Python's json module accepts NaN and Infinity; JSON (RFC 8259) does not.
    raise ValueError(f"{name} is not a JSON value")


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise BadRequest("A JSON request body is required.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest(f"The request body is not valid JSON: {error}.") from None
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None


def validate(adapter: TypeAdapter[T], value: Any) -> T:
    """Validate a parsed body against its model in strict JSON mode: a JSON type the contract does not
    allow is a 400 (no `"yes"` or `1` for a boolean, no number for a date-time), while the string forms
    of uuids, date-times and enums are read as JSON carries them."""
    try:
        return adapter.validate_json(json.dumps(value), strict=True)
    except ValidationError as error:
        raise BadRequest(describe_validation_errors(list(error.errors()), "body field")) from None


def require_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest("The request body must be a JSON array.")
    return value
