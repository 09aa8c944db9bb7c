"""Webhooks table: subscriptions, their activities, the messages sent to them and each delivery attempt.

Keys (`pk`, `sk`):
- a subscription: `SUB#<id>`, `SUB`; while not deleted it also has `companyId` and
  `sortKey = <createdAt>#<id>`, which put it in the `byCompany` index (a company's subscriptions,
  oldest first; what an event fans out to). Deleting it removes those two attributes.
- an activity: `SUB#<id>#ACT`, `<createdAt>#<activityId>`, with `subscriptionOperation =
  <id>#<operationType>` for the `byOperation` index (the `operation_types` filter).
- a delivery attempt: `SUB#<id>#DLV`, `<attemptedAt>#<attemptId>`.
- a message: `MSG#<messageId>`, `MSG` (its payload, status and attempt count).
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from botocore.exceptions import ClientError

from export_api.models.webhooks import (
    ActivityOperationType,
    DeliveryAttempt,
    MessageStatus,
    Subscription,
    SubscriptionActivity,
    WebhookMessage,
)
from export_api.repositories import aws
from export_api.repositories.paging import Page, PageRequest, query_page
from export_api.settings import MissingConfiguration

BY_COMPANY_INDEX = "byCompany"
BY_OPERATION_INDEX = "byOperation"
_SUBSCRIPTION_INDEX_ATTRIBUTES = ("companyId", "sortKey")


def _dump(model: Any) -> dict[str, Any]:
    record: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return record


def subscription_key(subscription_id: UUID) -> dict[str, str]:
    return {"pk": f"SUB#{subscription_id}", "sk": "SUB"}


def message_key(message_id: str) -> dict[str, str]:
    return {"pk": f"MSG#{message_id}", "sk": "MSG"}


def _subscription_record(subscription: Subscription) -> dict[str, Any]:
    record = _dump(subscription)
    record.update(subscription_key(subscription.id))
    if subscription.deleted_at is None:
        record["sortKey"] = f"{subscription.created_at.isoformat()}#{subscription.id}"
    else:
        record.pop("companyId", None)
        # Deleted subscriptions keep their company for the audit trail, outside the index.
        record["deletedCompanyId"] = str(subscription.company_id)
    return record


def _subscription(record: dict[str, Any]) -> Subscription:
    company = record.get("companyId") or record.get("deletedCompanyId")
    return Subscription.model_validate({**record, "companyId": company})


class WebhooksRepository:
    def __init__(self, table_name: str | None) -> None:
        # Every function builds the services; only those that use webhooks need the table configured.
        self._table_name = table_name

    @property
    def table_name(self) -> str:
        if not self._table_name:
            raise MissingConfiguration("WEBHOOKS_TABLE_NAME is not set")
        return self._table_name

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    # Subscriptions --------------------------------------------------------------------------------

    def put_subscription(self, subscription: Subscription, activity: SubscriptionActivity) -> None:
        """Write a subscription (new or replaced) and the activity that says why, together."""
        aws.transact_write(
            [
                {"Put": {"TableName": self.table_name, "Item": _subscription_record(subscription)}},
                {"Put": {"TableName": self.table_name, "Item": self._activity_record(activity)}},
            ]
        )

    def get_subscription(self, subscription_id: UUID) -> Subscription | None:
        record = self._table.get_item(Key=subscription_key(subscription_id), ConsistentRead=True).get("Item")
        return _subscription(record) if record else None

    def company_subscriptions(self, company_id: UUID) -> list[Subscription]:
        """Every live subscription of a company, oldest first (bounded by the per-company limit)."""
        records: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "IndexName": BY_COMPANY_INDEX,
            "KeyConditionExpression": "companyId = :c",
            "ExpressionAttributeValues": {":c": str(company_id)},
        }
        while True:
            response = self._table.query(**kwargs)
            records.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return [_subscription(r) for r in records]
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def set_failing_since(self, subscription_id: UUID, since: datetime | None) -> None:
        """Mark (or clear) when deliveries started failing; a missing subscription is left alone."""
        update = "SET failingSince = :s" if since else "REMOVE failingSince"
        kwargs: dict[str, Any] = {
            "Key": subscription_key(subscription_id),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(pk)",
        }
        if since:
            kwargs["ExpressionAttributeValues"] = {":s": since.isoformat()}
        try:
            self._table.update_item(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # Activities -------------------------------------------------------------------------------------

    def _activity_record(self, activity: SubscriptionActivity) -> dict[str, Any]:
        record = _dump(activity)
        record["pk"] = f"SUB#{activity.subscription_id}#ACT"
        record["sk"] = f"{activity.created_at.isoformat()}#{activity.id}"
        record["subscriptionOperation"] = f"{activity.subscription_id}#{activity.operation_type.value}"
        return record

    def activities(
        self, subscription_id: UUID, operations: Collection[ActivityOperationType], request: PageRequest
    ) -> Page[SubscriptionActivity]:
        if operations:
            page = query_page(
                self._table,
                index=BY_OPERATION_INDEX,
                hash_attr="subscriptionOperation",
                hash_values=sorted(f"{subscription_id}#{o.value}" for o in operations),
                range_attr="sk",
                request=request,
            )
        else:
            page = query_page(
                self._table,
                hash_attr="pk",
                hash_values=[f"SUB#{subscription_id}#ACT"],
                range_attr="sk",
                request=request,
            )
        return Page(
            [SubscriptionActivity.model_validate(r) for r in page.items],
            page.positions,
            page.has_next_page,
            page.has_previous_page,
        )

    def count(self, partition: str, index: str | None = None, attribute: str = "pk") -> int:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": f"{attribute} = :p",
            "ExpressionAttributeValues": {":p": partition},
            "Select": "COUNT",
        }
        if index:
            kwargs["IndexName"] = index
        total = 0
        while True:
            response = self._table.query(**kwargs)
            total += int(response["Count"])
            if "LastEvaluatedKey" not in response:
                return total
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def count_activities(self, subscription_id: UUID, operations: Collection[ActivityOperationType]) -> int:
        if operations:
            return sum(
                self.count(f"{subscription_id}#{o.value}", BY_OPERATION_INDEX, "subscriptionOperation")
                for o in operations
            )
        return self.count(f"SUB#{subscription_id}#ACT")

    # Messages and delivery attempts -------------------------------------------------------------------

    def add_message(self, message: WebhookMessage) -> WebhookMessage:
        """Store a message unless it is stored already (a retried publish): returns the stored one."""
        try:
            self._table.put_item(
                Item={**_dump(message), **message_key(message.id)},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            stored = self.get_message(message.id)
            assert stored is not None
            return stored
        return message

    def get_message(self, message_id: str) -> WebhookMessage | None:
        record = self._table.get_item(Key=message_key(message_id), ConsistentRead=True).get("Item")
        return WebhookMessage.model_validate(record) if record else None

    def set_message_status(self, message_id: str, status: MessageStatus, attempts: int | None = None) -> None:
        names = {"#s": "status"}
        values: dict[str, Any] = {":s": status.value}
        update = "SET #s = :s"
        if attempts is not None:
            update += ", attempts = :a"
            values[":a"] = attempts
        self._table.update_item(
            Key=message_key(message_id),
            UpdateExpression=update,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def mark_queued(self, message_id: str, at: datetime) -> None:
        self._table.update_item(
            Key=message_key(message_id),
            UpdateExpression="SET queuedAt = :q",
            ExpressionAttributeValues={":q": at.isoformat()},
        )

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        record = _dump(attempt)
        record["pk"] = f"SUB#{attempt.subscription_id}#DLV"
        record["sk"] = f"{attempt.attempted_at.isoformat()}#{attempt.id}"
        self._table.put_item(Item=record)

    def attempts(self, subscription_id: UUID, request: PageRequest) -> Page[DeliveryAttempt]:
        page = query_page(
            self._table, hash_attr="pk", hash_values=[f"SUB#{subscription_id}#DLV"], range_attr="sk", request=request
        )
        return Page(
            [DeliveryAttempt.model_validate(r) for r in page.items],
            page.positions,
            page.has_next_page,
            page.has_previous_page,
        )

    def count_attempts(self, subscription_id: UUID) -> int:
        return self.count(f"SUB#{subscription_id}#DLV")
