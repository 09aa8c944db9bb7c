"""AWS clients, created once per process on first use (not at import, so moto and
AWS_ENDPOINT_URL are honoured), with botocore's standard retry mode configured in one place."""

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table

# boto3 is imported on first use, not with this module: the authorizer verifies a bearer token without
# it, and importing it (~100-300 ms) would count against every cold start of the authorizer.


@cache
def retry_config() -> "Config":
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=2, read_timeout=5)


@cache
def dynamodb() -> "DynamoDBServiceResource":
    import boto3

    return boto3.resource("dynamodb", config=retry_config())


@cache
def table(name: str) -> "Table":
    return dynamodb().Table(name)


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=retry_config())  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests switch emulators between sessions)."""
    dynamodb.cache_clear()
    table.cache_clear()
    client.cache_clear()
