from enum import StrEnum


class ExportJobStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    FAILED = "failed"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"

    @property
    def is_open(self) -> bool:
        """Open jobs accept item updates and serve export items (docs/decisions.md, "Job lifecycle")."""
        return self in (ExportJobStatus.PENDING, ExportJobStatus.IN_PROGRESS)


class ExportJobItemStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    FAILED = "failed"
    SUCCESSFUL = "successful"
    ABANDONED = "abandoned"

    @property
    def is_unfinished(self) -> bool:
        """Unfinished items become `abandoned` when their job fails (docs/decisions.md, "Job lifecycle")."""
        return self in (ExportJobItemStatus.PENDING, ExportJobItemStatus.IN_PROGRESS)


class ExportJobEventType(StrEnum):
    STARTED = "started"
    FAILED = "failed"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"


class ExportJobFailureReasonType(StrEnum):
    INVALID_CONFIGURATION = "invalid_configuration"
    MISSING_CONFIGURATION = "missing_configuration"
    AUTHENTICATION_FAILURE = "authentication_failure"
    ACCOUNTING_SYSTEM_AUTHENTICATION_FAILURE = "accounting_system_authentication_failure"
    PLEO_RATE_LIMIT = "pleo_rate_limit"
    ACCOUNTING_SYSTEM_RATE_LIMIT = "accounting_system_rate_limit"
    SERVICE_UNREACHABLE = "service_unreachable"
    ACCOUNTING_SYSTEM_UNREACHABLE = "accounting_system_unreachable"
    VALIDATION_FAILURE = "validation_failure"
    AUTHORIZATION_FAILURE = "authorization_failure"
    INTEGRATION_UNUSABLE = "integration_unusable"
    JOB_EXPIRED = "job_expired"
    SERVICE_TIMEOUT = "service_timeout"
    ACCOUNTING_SYSTEM_TIMEOUT = "accounting_system_timeout"
    CANCELED_BY_USER = "canceled_by_user"


class ExportJobItemFailureReasonType(StrEnum):
    """Why an item could not be exported: the 18 values of v3's `ExportJobItemFailureReasonType`."""

    RECEIPT_UPLOAD_FAILURE = "receipt_upload_failure"
    RECEIPT_DOWNLOAD_FAILURE = "receipt_download_failure"
    RECEIPT_FILE_SIZE_LIMIT_EXCEEDED = "receipt_file_size_limit_exceeded"
    RECEIPT_CONVERSION_FAILURE = "receipt_conversion_failure"
    UNEXPECTED_FAILURE = "unexpected_failure"
    INVALID_CONFIGURATION = "invalid_configuration"
    MISSING_CONFIGURATION = "missing_configuration"
    ACCOUNTING_SYSTEM_AUTHENTICATION_FAILURE = "accounting_system_authentication_failure"
    ACCOUNTING_SYSTEM_RATE_LIMIT = "accounting_system_rate_limit"
    ACCOUNTING_SYSTEM_UNREACHABLE = "accounting_system_unreachable"
    VALIDATION_FAILURE = "validation_failure"
    ACCOUNTING_SYSTEM_VALIDATION_FAILURE = "accounting_system_validation_failure"
    AUTHORIZATION_FAILURE = "authorization_failure"
    ACCOUNTING_SYSTEM_TIMEOUT = "accounting_system_timeout"
    # v3 only: the published v0-v2 enums stop at accounting_system_timeout.
    VENDOR_UNKNOWN = "vendor_unknown"
    ACCOUNT_UNKNOWN = "account_unknown"
    TAX_CODE_UNKNOWN = "tax_code_unknown"
    TAG_UNKNOWN = "tag_unknown"

    @property
    def before_v3(self) -> "ExportJobItemFailureReasonType":
        """The reason as v0-v2 can show it: a v3-only "unknown mapping" reason is a missing configuration
        there (the ERP lacks a vendor, account, tax code or tag the item needs)."""
        return ExportJobItemFailureReasonType.MISSING_CONFIGURATION if self in V3_ONLY_ITEM_FAILURE_REASONS else self


V3_ONLY_ITEM_FAILURE_REASONS = frozenset(
    {
        ExportJobItemFailureReasonType.VENDOR_UNKNOWN,
        ExportJobItemFailureReasonType.ACCOUNT_UNKNOWN,
        ExportJobItemFailureReasonType.TAX_CODE_UNKNOWN,
        ExportJobItemFailureReasonType.TAG_UNKNOWN,
    }
)


class ExportJobItemUpdateErrorType(StrEnum):
    """The per-item error types of a PUT's `errors` (`ExportJobItemUpdateErrorType`)."""

    ACCOUNTING_ENTRY_DOES_NOT_EXIST = "ACCOUNTING_ENTRY_DOES_NOT_EXIST"
    EXPORT_ENTRY_STATUS_UPDATE_FAILED = "EXPORT_ENTRY_STATUS_UPDATE_FAILED"
    ACCOUNTING_ENTRY_UPDATE_FAILED = "ACCOUNTING_ENTRY_UPDATE_FAILED"


class PageOrder(StrEnum):
    ASC = "ASC"
    ASC_NULLS_FIRST = "ASC_NULLS_FIRST"
    ASC_NULLS_LAST = "ASC_NULLS_LAST"
    DESC = "DESC"
    DESC_NULLS_FIRST = "DESC_NULLS_FIRST"
    DESC_NULLS_LAST = "DESC_NULLS_LAST"

    @property
    def ascending(self) -> bool:
        # Every sortable key is always present, so the NULLS_* variants order like their base.
        return self.value.startswith("ASC")
