"""Powertools' DynamoDB persistence layer, with an in-progress write that survives its own lost answer.

A key's in-progress record is written on a condition: no record, or an expired one, or an in-progress
one whose Lambda has run out of time. When that write takes effect but its answer is lost (a read
timeout), botocore sends it again and the condition fails on the record the first attempt wrote. Read
as Powertools reads it, the key is then held by another request, and the request and every retry of it
are answered IDEMPOTENCY_KEY_IN_USE until the invocation's deadline. Here each write carries a token of
its own (`owner_attr`): a failed condition on a record that holds the write's token is that write's
earlier attempt, and the write is done.

`_put_record` is the extension point Powertools documents for a persistence layer of one's own; the
attribute names are its layer's public options, and reads, updates and deletes are its layer's.
"""

import time
import uuid
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_DESERIALIZER = TypeDeserializer()


class IdempotencyRecords(DynamoDBPersistenceLayer):
    """Records keyed `key_attr` (no sort key), each in-progress write with its token in `owner_attr`."""

    def __init__(self, table_name: str, client: "DynamoDBClient", owner_attr: str = "owner") -> None:
        super().__init__(table_name=table_name, boto3_client=client)
        self.owner_attr = owner_attr

    def _put_record(self, data_record: DataRecord) -> None:
        token = uuid.uuid4().hex
        item: dict[str, Any] = {
            self.key_attr: {"S": data_record.idempotency_key},
            self.expiry_attr: {"N": str(data_record.expiry_timestamp)},
            self.status_attr: {"S": data_record.status},
            self.owner_attr: {"S": token},
        }
        if data_record.in_progress_expiry_timestamp is not None:
            item[self.in_progress_expiry_attr] = {"N": str(data_record.in_progress_expiry_timestamp)}
        if self.payload_validation_enabled and data_record.payload_hash:
            item[self.validation_key_attr] = {"S": data_record.payload_hash}
        now = time.time()
        try:
            # Powertools' conditions: the key is free if it has no record, an expired one, or one in
            # progress whose Lambda's time is up.
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression=(
                    "attribute_not_exists(#id) OR #expiry < :now"
                    " OR (#status = :inprogress AND attribute_exists(#in_progress_expiry)"
                    " AND #in_progress_expiry < :now_in_millis)"
                ),
                ExpressionAttributeNames={
                    "#id": self.key_attr,
                    "#expiry": self.expiry_attr,
                    "#in_progress_expiry": self.in_progress_expiry_attr,
                    "#status": self.status_attr,
                },
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now))},
                    ":now_in_millis": {"N": str(int(now * 1000))},
                    ":inprogress": {"S": STATUS_CONSTANTS["INPROGRESS"]},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            response = cast(dict[str, Any], error.response)
            if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old: dict[str, Any] | None = response.get("Item")
            if old is None:
                raise IdempotencyItemAlreadyExistsError() from error
            if old.get(self.owner_attr) == {"S": token}:
                return  # this write's own earlier attempt took effect: the key is this request's
            stored = self.data_record(old)
            # As Powertools does on this path: another request under the key is refused before the
            # record's status is looked at. (Powertools' local cache, off here, is not filled from it.)
            if self.payload_validation_enabled and stored.payload_hash != data_record.payload_hash:
                raise IdempotencyValidationError("Payload does not match stored record for this event key") from error
            raise IdempotencyItemAlreadyExistsError(old_data_record=stored) from error

    def data_record(self, item: dict[str, Any]) -> DataRecord:
        """A stored record (DynamoDB's wire form) as Powertools' `DataRecord`."""
        found = {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}
        in_progress_expiry = found.get(self.in_progress_expiry_attr)
        return DataRecord(
            idempotency_key=str(found[self.key_attr]),
            status=str(found[self.status_attr]),
            expiry_timestamp=int(found[self.expiry_attr]),
            in_progress_expiry_timestamp=None if in_progress_expiry is None else int(in_progress_expiry),
            response_data=str(found.get(self.data_attr) or ""),
            payload_hash=str(found.get(self.validation_key_attr) or ""),
        )
