"""Every failure becomes the contract's `{"type", "message"}` body, here and nowhere else."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from export_api.errors import ExportApiError
from export_api.http.responses import error_response
from export_api.observability import get_logger


def describe_validation_errors(errors: list[Any], where: str = "") -> str:
    """A message naming the first few offending fields and what is wrong with each."""
    parts = []
    for error in errors[:3]:
        loc = tuple(error.get("loc") or ())
        location = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
        # An error on the body as a whole (a JSON string where an object belongs) has an empty location.
        kind = {"query": "query parameter", "path": "path parameter", "header": "header"}.get(
            str(loc[0]) if loc else "", where or "field"
        )
        field = ".".join(location) if location else "request body"
        parts.append(f"{kind} {field}: {error.get('msg', 'is invalid')}")
    more = f" (and {len(errors) - 3} more problems)" if len(errors) > 3 else ""
    return "Invalid " + "; ".join(parts) + more + "."


def _is_missing(errors: list[Any]) -> bool:
    return bool(errors) and all(e.get("type") == "missing" for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ExportApiError)
    async def domain_error(_: Request, error: ExportApiError) -> Response:
        response = error_response(error.status_code, error.error_type, error.message)
        if getattr(error, "replayed", False):
            # The answer an earlier request with the same Idempotency-Key got (http/idempotency.py).
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, error: RequestValidationError) -> Response:
        errors = list(error.errors())
        error_type = "REQUIRED_PARAMETER_MISSING" if _is_missing(errors) else "BAD_REQUEST"
        return error_response(400, error_type, describe_validation_errors(errors))

    @app.exception_handler(ValidationError)
    async def body_invalid(_: Request, error: ValidationError) -> Response:
        return error_response(400, "BAD_REQUEST", describe_validation_errors(list(error.errors()), "body field"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return error_response(404, "NOT_FOUND", "No such resource: check the path and the API version.")
        if error.status_code == 405:
            return error_response(405, "BAD_REQUEST", "This method is not allowed on this resource.")
        return error_response(error.status_code, "BAD_REQUEST", str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> Response:
        if _is_aws_unavailable(error):
            # Still throttled or failing after botocore's retries (repositories/aws.py): nothing was
            # half-done (every write is one conditional write or transaction), so the client may retry.
            get_logger().warning("AWS unavailable after retries", exc_info=error)
            response = error_response(
                503, "SERVICE_UNAVAILABLE", "The service is busy or briefly unavailable; retry with backoff."
            )
            response.headers["Retry-After"] = "1"
            return response
        get_logger().exception("unexpected error", exc_info=error)
        return error_response(500, "INTERNAL_ERROR", "An unexpected error occurred; it has been logged.")


# Error codes of AWS throttling and transient failures (botocore's standard retry mode retries these).
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)
# botocore's connection failures (its exceptions are not imported here: the authorizer's cold start).
_UNAVAILABLE_ERRORS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)


def _is_aws_unavailable(error: Exception) -> bool:
    if not type(error).__module__.startswith("botocore"):
        return False
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str((response.get("Error") or {}).get("Code", ""))
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode", 0) or 0)
        return code in _UNAVAILABLE_CODES or status >= 500
    return type(error).__name__ in _UNAVAILABLE_ERRORS
