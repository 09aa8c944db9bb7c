"""Request bodies: parsed and validated by hand so each failure gets the contract's error type."""

import json
from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from export_api.errors import BadRequest
from export_api.http.errors import describe_validation_errors

T = TypeVar("T")

MAX_BODY_BYTES = 1_048_576


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        raise BadRequest("A JSON request body is required.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"The request body is not valid JSON: {error}.") from None
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None


def validate(adapter: TypeAdapter[T], value: Any) -> T:
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        raise BadRequest(describe_validation_errors(list(error.errors()), "body field")) from None


def require_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise BadRequest("The request body must be a JSON array.")
    return value
