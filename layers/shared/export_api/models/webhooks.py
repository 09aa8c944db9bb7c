"""Webhook subscriptions (Pleo's Webhook Subscriptions API v11.6.2) and the messages delivered to them.

Domain models here; the wire shapes of spec/webhook-subscriptions.openapi.yaml are built from them in
export_api.http.subscriptions, and the DynamoDB records in export_api.repositories.webhooks.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from export_api.models.base import ContractModel, ContractRequestModel
from export_api.models.enums import ExportJobFailureReasonType, ExportJobStatus
from export_api.models.jobs import ExportJob


class SubscriptionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class EndpointAuthType(StrEnum):
    NONE = "NONE"
    BASIC = "BASIC"


class ActivityOperationType(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class WebhookEventType(StrEnum):
    """`v1.export-job.created` is Pleo's; the others are this project's, for the job's other transitions."""

    EXPORT_JOB_CREATED = "v1.export-job.created"
    EXPORT_JOB_STARTED = "v1.export-job.started"
    EXPORT_JOB_COMPLETED = "v1.export-job.completed"
    EXPORT_JOB_COMPLETED_WITH_ERRORS = "v1.export-job.completed-with-errors"
    EXPORT_JOB_FAILED = "v1.export-job.failed"
    EXPORT_JOB_EXPIRED = "v1.export-job.expired"

    @classmethod
    def for_job(cls, job: ExportJob) -> "WebhookEventType":
        """The event a job's current status announces (an expired job is failed with `job_expired`)."""
        if job.status is ExportJobStatus.FAILED and job.failure_reason_type is ExportJobFailureReasonType.JOB_EXPIRED:
            return cls.EXPORT_JOB_EXPIRED
        return _BY_STATUS[job.status]


_BY_STATUS = {
    ExportJobStatus.PENDING: WebhookEventType.EXPORT_JOB_CREATED,
    ExportJobStatus.IN_PROGRESS: WebhookEventType.EXPORT_JOB_STARTED,
    ExportJobStatus.COMPLETED: WebhookEventType.EXPORT_JOB_COMPLETED,
    ExportJobStatus.COMPLETED_WITH_ERRORS: WebhookEventType.EXPORT_JOB_COMPLETED_WITH_ERRORS,
    ExportJobStatus.FAILED: WebhookEventType.EXPORT_JOB_FAILED,
}

# An HTTP header name (RFC 9110 token), and a value of visible ASCII, spaces and tabs: what every HTTP
# client sends as it is (no header injection, no text that needs an encoding the receiver must guess).
HeaderName = Annotated[str, StringConstraints(pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")]
HeaderValue = Annotated[str, StringConstraints(pattern=r"^[\t\x20-\x7e]{0,1024}$")]


class AuthCredential(ContractRequestModel):
    username: Annotated[str, StringConstraints(max_length=256)] | None = None
    password: Annotated[str, StringConstraints(max_length=256)] | None = None
    token: Annotated[str, StringConstraints(max_length=2048)] | None = None


class EndpointAuth(ContractRequestModel):
    type: EndpointAuthType = EndpointAuthType.NONE
    credentials: AuthCredential | None = None


class SubscriptionRequest(ContractRequestModel):
    """`SubscriptionRequest`: the body of POST and PUT (PUT replaces the whole subscription)."""

    endpoint_url: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=len(WebhookEventType))
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    endpoint_auth: EndpointAuth | None = None
    custom_headers: dict[HeaderName, HeaderValue] | None = Field(default=None, max_length=20)


class Subscription(ContractModel):
    id: UUID
    company_id: UUID
    endpoint_url: str
    event_types: tuple[WebhookEventType, ...]
    status: SubscriptionStatus
    endpoint_auth_type: EndpointAuthType = EndpointAuthType.NONE
    basic_username: str | None = None
    basic_password: str | None = None
    # An empty default, copied per instance: a builtin factory costs a cold start (see RequestPagination).
    custom_headers: dict[str, str] = Field(default={})
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    # Standard Webhooks secret (`whsec_<base64>`); after a rotation the previous one still signs until
    # `previous_secret_expires_at`, so a receiver can switch without losing a message.
    secret: str
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    # Set by the first failed delivery after a success; a subscription failing for long is deactivated.
    failing_since: datetime | None = None

    def wants(self, event_type: WebhookEventType) -> bool:
        return self.status is SubscriptionStatus.ACTIVE and self.deleted_at is None and event_type in self.event_types


class SubscriptionActivity(ContractModel):
    """`SubscriptionActivityModel`: who changed what."""

    id: UUID
    subscription_id: UUID
    actor_urn: str
    operation_type: ActivityOperationType
    description: str
    created_at: datetime


class MessageStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    # The subscription was deleted or deactivated before the message could be delivered.
    DROPPED = "dropped"


class WebhookMessage(ContractModel):
    """One event for one subscription: what is signed and sent, the same bytes on every attempt."""

    id: str
    subscription_id: UUID
    company_id: UUID
    event_id: UUID
    event_type: WebhookEventType
    # The JSON body, exactly as sent: `{"data": ..., "eventType": ..., "eventId": ...}`.
    payload: str
    created_at: datetime
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0
    # When the publisher put it in the queue (a message stored but not queued yet is queued on a retry).
    queued_at: datetime | None = None


class DeliveryOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    # Failed; another attempt is scheduled (`nextAttemptAt`).
    RETRYING = "retrying"
    # Failed, and it was the last attempt: the message is in the dead-letter queue.
    FAILED = "failed"


class DeliveryAttempt(ContractModel):
    """One HTTP attempt at delivering a message (this project's addition: GET /v1/subscriptions/{id}/deliveries)."""

    id: UUID
    subscription_id: UUID
    message_id: str
    event_id: UUID
    event_type: WebhookEventType
    attempt: int
    attempted_at: datetime
    outcome: DeliveryOutcome
    status_code: int | None = None
    latency_ms: int
    error: str | None = None
    next_attempt_at: datetime | None = None
