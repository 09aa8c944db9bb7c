"""Typed exceptions: one class per HTTP status the contract names, a subclass per error `type` an
integration acts on, and every one carrying the contract's `ExceptionInfo` (`type`, `message`)."""

from collections.abc import Mapping
from typing import Any, ClassVar


class ExportApiError(Exception):
    """Anything this client raises."""


class TransportError(ExportApiError):
    """The service could not be reached (connection refused or dropped, timeout) after every retry."""


class ApiError(ExportApiError):
    """The service answered with an error: `status`, and the contract's `type` and `message`."""

    status_code: ClassVar[int | None] = None

    def __init__(self, status: int, type: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {type}: {message}")
        self.status = status
        self.type = type
        self.message = message
        self.headers = dict(headers or {})


class BadRequest(ApiError):
    status_code = 400


class Unauthorized(ApiError):
    status_code = 401


class Forbidden(ApiError):
    status_code = 403


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class PayloadTooLarge(ApiError):
    status_code = 413


class Unprocessable(ApiError):
    status_code = 422


class TooManyRequests(ApiError):
    status_code = 429


class ServerError(ApiError):
    """Any 5xx (503 `SERVICE_UNAVAILABLE` included) still failing after every retry."""


class MissingContraAccounts(BadRequest):
    """v3 export items need a contra account for every Pleo account of the company."""


class ExportNotFound(NotFound):
    pass


class ExportEntryNotFound(NotFound):
    pass


class ExportAlreadyInProgress(Conflict):
    """The company already has an unfinished export job: finish that one first."""


class ExportJobItemsUpdateLimit(PayloadTooLarge):
    pass


class InvalidExportJobStatusChange(Unprocessable):
    """The lifecycle does not allow this event in the job's current status."""


class ExportJobStatusUnprocessable(Unprocessable):
    """The job is finished (or not yet started) for this operation."""


class IdempotencyKeyReused(Unprocessable):
    pass


class IdempotencyKeyInUse(Unprocessable):
    """The first request with this key is still running: retried like a 503."""


_BY_TYPE: dict[str, type[ApiError]] = {
    "MISSING_CONTRA_ACCOUNTS": MissingContraAccounts,
    "EXPORT_NOT_FOUND": ExportNotFound,
    "EXPORT_ENTRY_NOT_FOUND": ExportEntryNotFound,
    "EXPORT_ALREADY_IN_PROGRESS": ExportAlreadyInProgress,
    "EXPORT_JOB_ITEMS_UPDATE_LIMIT": ExportJobItemsUpdateLimit,
    "INVALID_EXPORT_JOB_STATUS_CHANGE": InvalidExportJobStatusChange,
    "EXPORT_JOB_STATUS_UNPROCESSABLE": ExportJobStatusUnprocessable,
    "IDEMPOTENCY_KEY_REUSED": IdempotencyKeyReused,
    "IDEMPOTENCY_KEY_IN_USE": IdempotencyKeyInUse,
}
_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status_code: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PayloadTooLarge,
        Unprocessable,
        TooManyRequests,
    )
    if cls.status_code is not None
}


def error_type(body: Any) -> str | None:
    """The contract's error `type` of a decoded body, if it has one."""
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return str(body["type"])
    return None


def api_error(status: int, body: Any, headers: Mapping[str, str] | None = None) -> ApiError:
    """The most specific exception for an error answer; a body that is not `ExceptionInfo` still gives one."""
    type_ = error_type(body) or f"HTTP_{status}"
    message = body.get("message") if isinstance(body, dict) else None
    text = message if isinstance(message, str) else f"HTTP {status}"
    cls = _BY_TYPE.get(type_)
    if cls is None or (cls.status_code is not None and cls.status_code != status):
        cls = ServerError if status >= 500 else _BY_STATUS.get(status, ApiError)
    return cls(status, type_, text, headers)
