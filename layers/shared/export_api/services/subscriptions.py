"""Webhook subscriptions of a company: Pleo's Webhook Subscriptions API, with its activities."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from export_api.errors import BadRequest, SubscriptionNotFound, WebhookMessageNotFound
from export_api.models.caller import Caller, Scope
from export_api.models.webhooks import (
    ActivityOperationType,
    DeliveryAttempt,
    EndpointAuthType,
    MessageStatus,
    Subscription,
    SubscriptionActivity,
    SubscriptionRequest,
    SubscriptionStatus,
    WebhookEventType,
    WebhookMessage,
)
from export_api.observability import get_logger
from export_api.repositories.paging import Page, PageRequest, page_of
from export_api.repositories.webhook_queue import WebhookQueue
from export_api.repositories.webhooks import WebhooksRepository
from export_api.settings import Settings
from export_api.webhooks.destinations import DestinationRefused, check_endpoint_url
from export_api.webhooks.signing_secrets import new_secret

# Headers a subscriber may not set: the signature's, the body's, and those HTTP itself owns.
RESERVED_HEADERS = frozenset(
    {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
        "connection",
        "user-agent",
        "te",
        "upgrade",
        "expect",
    }
)
SYSTEM_ACTOR = "urn:export-api:system:webhook-delivery"


def actor_urn(caller: Caller) -> str:
    return f"urn:export-api:principal:{caller.principal_id}"


def _now() -> datetime:
    return datetime.now(UTC)


class SubscriptionsService:
    def __init__(self, repository: WebhooksRepository, settings: Settings, queue: WebhookQueue | None) -> None:
        self.repository = repository
        self.settings = settings
        self.queue = queue

    # Reading ----------------------------------------------------------------------------------------

    def owned(self, caller: Caller, subscription_id: UUID, *, include_deleted: bool = False) -> Subscription:
        subscription = self.repository.get_subscription(subscription_id)
        if (
            subscription is None
            or not caller.can_access(subscription.company_id)
            or (subscription.deleted_at is not None and not include_deleted)
        ):
            raise SubscriptionNotFound()
        return subscription

    def get(self, caller: Caller, subscription_id: UUID) -> Subscription:
        caller.require(Scope.EXPORT_JOBS_READ)
        return self.owned(caller, subscription_id)

    def list(
        self,
        caller: Caller,
        company_id: UUID | None,
        status: SubscriptionStatus | None,
        event_types: Collection[WebhookEventType],
        request: PageRequest,
    ) -> tuple[Page[Subscription], int]:
        caller.require(Scope.EXPORT_JOBS_READ)
        company = caller.company(company_id)
        # A company has at most `webhook_max_subscriptions_per_company`: filtered and paged in memory.
        found = [
            s
            for s in self.repository.company_subscriptions(company)
            if (status is None or s.status is status) and (not event_types or set(event_types) & set(s.event_types))
        ]
        return page_of(found, lambda s: f"{s.created_at.isoformat()}#{s.id}", request), len(found)

    def activities(
        self,
        caller: Caller,
        subscription_id: UUID,
        operations: Collection[ActivityOperationType],
        request: PageRequest,
    ) -> tuple[Page[SubscriptionActivity], int]:
        caller.require(Scope.EXPORT_JOBS_READ)
        # A deleted subscription's history stays readable: its last activity says who deleted it.
        self.owned(caller, subscription_id, include_deleted=True)
        page = self.repository.activities(subscription_id, operations, request)
        return page, self.repository.count_activities(subscription_id, operations)

    def deliveries(
        self, caller: Caller, subscription_id: UUID, request: PageRequest
    ) -> tuple[Page[DeliveryAttempt], int]:
        caller.require(Scope.EXPORT_JOBS_READ)
        self.owned(caller, subscription_id, include_deleted=True)
        return self.repository.attempts(subscription_id, request), self.repository.count_attempts(subscription_id)

    def secret(self, caller: Caller, subscription_id: UUID) -> str:
        caller.require(Scope.EXPORT_JOBS_WRITE)
        return self.owned(caller, subscription_id).secret

    # Changing -------------------------------------------------------------------------------------

    def _validated(self, request: SubscriptionRequest) -> None:
        try:
            check_endpoint_url(request.endpoint_url, self.settings.webhook_local_mode)
        except DestinationRefused as refused:
            raise BadRequest(str(refused)) from None
        if len(set(request.event_types)) != len(request.event_types):
            raise BadRequest("eventTypes lists an event type more than once.")
        reserved = sorted(h for h in (request.custom_headers or {}) if h.lower() in RESERVED_HEADERS)
        auth = request.endpoint_auth
        if (
            auth
            and auth.type is EndpointAuthType.BASIC
            and any(h.lower() == "authorization" for h in request.custom_headers or {})
        ):
            reserved.append("Authorization")
        if reserved:
            raise BadRequest(f"customHeaders may not set {', '.join(reserved)}: the service sets these headers.")
        if auth and auth.type is EndpointAuthType.BASIC and not (auth.credentials and auth.credentials.username):
            raise BadRequest("endpointAuth of type BASIC needs credentials.username (and credentials.password).")

    def _apply(self, request: SubscriptionRequest, base: Subscription) -> Subscription:
        auth = request.endpoint_auth
        basic = auth is not None and auth.type is EndpointAuthType.BASIC and auth.credentials is not None
        reactivated = request.status is SubscriptionStatus.ACTIVE and base.status is SubscriptionStatus.INACTIVE
        return base.model_copy(
            update={
                "endpoint_url": request.endpoint_url,
                "event_types": tuple(request.event_types),
                "status": request.status,
                "endpoint_auth_type": EndpointAuthType.BASIC if basic else EndpointAuthType.NONE,
                "basic_username": auth.credentials.username if basic and auth and auth.credentials else None,
                "basic_password": (auth.credentials.password or "") if basic and auth and auth.credentials else None,
                "custom_headers": dict(request.custom_headers or {}),
                "updated_at": _now(),
                # Turned on again by its owner: failures count afresh.
                "failing_since": None if reactivated else base.failing_since,
            }
        )

    def _activity(
        self, subscription_id: UUID, actor: str, operation: ActivityOperationType, description: str
    ) -> SubscriptionActivity:
        return SubscriptionActivity(
            id=uuid4(),
            subscription_id=subscription_id,
            actor_urn=actor,
            operation_type=operation,
            description=description,
            created_at=_now(),
        )

    def create(self, caller: Caller, company_id: UUID | None, request: SubscriptionRequest) -> Subscription:
        caller.require(Scope.EXPORT_JOBS_WRITE)
        company = caller.company(company_id)
        self._validated(request)
        limit = self.settings.webhook_max_subscriptions_per_company
        if len(self.repository.company_subscriptions(company)) >= limit:
            raise BadRequest(f"A company can have at most {limit} subscriptions: delete one you no longer use.")
        now = _now()
        blank = Subscription(
            id=uuid4(),
            company_id=company,
            endpoint_url=request.endpoint_url,
            event_types=tuple(request.event_types),
            status=request.status,
            created_at=now,
            updated_at=now,
            secret=new_secret(),
        )
        subscription = self._apply(request, blank).model_copy(update={"updated_at": now})
        events = ", ".join(e.value for e in subscription.event_types)
        self.repository.put_subscription(
            subscription,
            self._activity(
                subscription.id,
                actor_urn(caller),
                ActivityOperationType.CREATE,
                f"Subscription created ({subscription.status.value}) for {events}.",
            ),
        )
        get_logger().info("webhook subscription created", extra={"subscription_id": str(subscription.id)})
        return subscription

    def update(self, caller: Caller, subscription_id: UUID, request: SubscriptionRequest) -> Subscription:
        caller.require(Scope.EXPORT_JOBS_WRITE)
        current = self.owned(caller, subscription_id)
        self._validated(request)
        updated = self._apply(request, current)
        changed = [
            name
            for name, attribute in (
                ("endpointUrl", "endpoint_url"),
                ("eventTypes", "event_types"),
                ("status", "status"),
                ("endpointAuth", "endpoint_auth_type"),
                ("endpointAuth", "basic_username"),
                ("endpointAuth", "basic_password"),
                ("customHeaders", "custom_headers"),
            )
            if getattr(current, attribute) != getattr(updated, attribute)
        ]
        described = ", ".join(dict.fromkeys(changed)) or "nothing"
        self.repository.put_subscription(
            updated,
            self._activity(
                subscription_id,
                actor_urn(caller),
                ActivityOperationType.UPDATE,
                f"Subscription updated: {described} changed; status {updated.status.value}.",
            ),
        )
        return updated

    def delete(self, caller: Caller, subscription_id: UUID) -> None:
        caller.require(Scope.EXPORT_JOBS_WRITE)
        current = self.owned(caller, subscription_id)
        now = _now()
        actor = actor_urn(caller)
        deleted = current.model_copy(update={"deleted_at": now, "deleted_by": actor, "updated_at": now})
        self.repository.put_subscription(
            deleted,
            self._activity(subscription_id, actor, ActivityOperationType.DELETE, "Subscription deleted."),
        )

    def rotate_secret(self, caller: Caller, subscription_id: UUID) -> str:
        """A new secret; the previous one keeps signing alongside it for the grace period."""
        caller.require(Scope.EXPORT_JOBS_WRITE)
        current = self.owned(caller, subscription_id)
        now = _now()
        grace = self.settings.webhook_secret_grace_seconds
        rotated = current.model_copy(
            update={
                "secret": new_secret(),
                "previous_secret": current.secret if grace else None,
                "previous_secret_expires_at": now + timedelta(seconds=grace) if grace else None,
                "updated_at": now,
            }
        )
        self.repository.put_subscription(
            rotated,
            self._activity(
                subscription_id,
                actor_urn(caller),
                ActivityOperationType.UPDATE,
                f"Secret rotated; the previous secret also signs for {grace} seconds.",
            ),
        )
        return rotated.secret

    def deactivate(self, subscription: Subscription, reason: str) -> None:
        """The delivery function's verdict on a subscription failing for too long."""
        current = self.repository.get_subscription(subscription.id)
        if current is None or current.status is SubscriptionStatus.INACTIVE or current.deleted_at is not None:
            return
        now = _now()
        self.repository.put_subscription(
            current.model_copy(update={"status": SubscriptionStatus.INACTIVE, "updated_at": now}),
            self._activity(subscription.id, SYSTEM_ACTOR, ActivityOperationType.UPDATE, reason),
        )
        get_logger().warning("webhook subscription deactivated", extra={"subscription_id": str(subscription.id)})

    # Admin ------------------------------------------------------------------------------------------

    def redeliver(self, caller: Caller, subscription_id: UUID, message_id: str) -> WebhookMessage:
        """Queue a stored message again, with the same webhook-id and body (admin scope)."""
        caller.require(Scope.ADMIN)
        subscription = self.owned(caller, subscription_id)
        message = self.repository.get_message(message_id)
        if message is None or message.subscription_id != subscription.id:
            raise WebhookMessageNotFound(f"Subscription {subscription_id} has no message {message_id}.")
        if self.queue is None:
            raise BadRequest("Webhook delivery is not configured here (no WEBHOOK_QUEUE_URL).")
        self.repository.set_message_status(message.id, MessageStatus.PENDING)
        self.queue.enqueue([message.id])
        return message.model_copy(update={"status": MessageStatus.PENDING})
