"""Idempotency records: Powertools' DynamoDB persistence layer on the idempotency table, using the
process's DynamoDB client (repositories/aws.py: created on first use, standard retry mode), its
in-progress write made safe to retry (repositories/idempotency_records.py)."""

from typing import TYPE_CHECKING

from export_api.repositories import aws

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


def persistence_layer(table_name: str) -> "DynamoDBPersistenceLayer":
    """Records keyed `id` (`<prefix>#<hash of the key>`), with `status`, `expiration` (the table's TTL
    attribute, epoch seconds), `in_progress_expiration` (epoch milliseconds: when the Lambda that holds
    the key runs out of time), `owner` (a token of the write that took the key), `data` (the stored
    result) and `validation` (the request's hash)."""
    # Imported here: Powertools' idempotency utility is loaded by the first request that uses a key.
    from export_api.repositories.idempotency_records import IdempotencyRecords

    return IdempotencyRecords(table_name=table_name, client=aws.client("dynamodb"))
