"""AWS clients, created once per process on first use (not at import, so moto and
AWS_ENDPOINT_URL are honoured), with botocore's standard retry mode configured in one place."""

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table

RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2, read_timeout=5)


@cache
def dynamodb() -> "DynamoDBServiceResource":
    return boto3.resource("dynamodb", config=RETRY_CONFIG)


@cache
def table(name: str) -> "Table":
    return dynamodb().Table(name)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=RETRY_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests switch emulators between sessions)."""
    dynamodb.cache_clear()
    table.cache_clear()
    client.cache_clear()
