"""Domain errors. Each carries the contract's `ExceptionInfo` type and the HTTP status it maps to;
export_api.http.errors turns them into responses in one place (docs/decisions.md, "Errors")."""


class ExportApiError(Exception):
    status_code = 400
    error_type = "BAD_REQUEST"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ExportApiError):
    pass


class RequiredParameterMissing(ExportApiError):
    error_type = "REQUIRED_PARAMETER_MISSING"


class Unauthorized(ExportApiError):
    status_code = 401
    error_type = "UNAUTHORIZED"


class Forbidden(ExportApiError):
    status_code = 403
    error_type = "FORBIDDEN"


class NotFound(ExportApiError):
    status_code = 404
    error_type = "NOT_FOUND"


class ExportNotFound(NotFound):
    error_type = "EXPORT_NOT_FOUND"

    def __init__(self, message: str = "Export Job not found") -> None:
        super().__init__(message)


class AccountingEntriesNotFound(ExportApiError):
    error_type = "ACCOUNTING_ENTRY_DOES_NOT_EXIST"


class Conflict(ExportApiError):
    status_code = 409
    error_type = "CONFLICT"


class ExportEntryNotFound(NotFound):
    """No export job holds an item for the accounting entry (GET /v3/export-job-items)."""

    error_type = "EXPORT_ENTRY_NOT_FOUND"


class ExportAlreadyInProgress(Conflict):
    """The company has an unfinished export job (pending or in progress): one at a time."""

    error_type = "EXPORT_ALREADY_IN_PROGRESS"

    def __init__(
        self,
        message: str = (
            "An export job is already in progress for this specific company. "
            "You cannot create a new export job until the current one has finished."
        ),
    ) -> None:
        super().__init__(message)


class ExportJobItemsUpdateLimit(ExportApiError):
    # 413, as published for v2/v3 (docs/decisions.md, "Errors"); one core, so v0/v1 answer the same.
    status_code = 413
    error_type = "EXPORT_JOB_ITEMS_UPDATE_LIMIT"


class ExportJobStatusUnprocessable(ExportApiError):
    status_code = 422
    error_type = "EXPORT_JOB_STATUS_UNPROCESSABLE"

    def __init__(self, message: str = "Export Job is finished and can no longer be processed.") -> None:
        super().__init__(message)


class InvalidExportJobStatusChange(ExportApiError):
    status_code = 422
    error_type = "INVALID_EXPORT_JOB_STATUS_CHANGE"


class IdempotencyKeyReused(ExportApiError):
    """The Idempotency-Key was first used with another request (another body, path or operation)."""

    status_code = 422
    error_type = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyKeyInUse(ExportApiError):
    """A request with this Idempotency-Key is still being processed."""

    status_code = 422
    error_type = "IDEMPOTENCY_KEY_IN_USE"


class SubscriptionNotFound(NotFound):
    """No subscription with that id for the caller's company (another company's is as unknown)."""

    error_type = "SUBSCRIPTION_NOT_FOUND"

    def __init__(self, message: str = "Subscription not found") -> None:
        super().__init__(message)


class WebhookMessageNotFound(NotFound):
    error_type = "WEBHOOK_MESSAGE_NOT_FOUND"


CONTRA_ACCOUNTS_MESSAGE = (
    "Contra accounts are not fully configured. Please map contra accounts in the Accounting settings."
)


class MissingContraAccounts(ExportApiError):
    """v3: the company's Pleo accounts are not all mapped to contra accounts (docs/decisions.md)."""

    error_type = "MISSING_CONTRA_ACCOUNTS"

    def __init__(
        self,
        message: str = CONTRA_ACCOUNTS_MESSAGE,
    ) -> None:
        super().__init__(message)


class UnsupportedAccountingEntryType(ExportApiError):
    """An entry the asked version's export item cannot express (v0: `personal_spend`, `fee`; v0/v1: no user)."""

    status_code = 422
    error_type = "UNSUPPORTED_ACCOUNTING_ENTRY_TYPE"
