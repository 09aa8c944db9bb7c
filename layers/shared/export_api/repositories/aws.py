"""AWS clients, created once per process on first use (not at import, so moto and
AWS_ENDPOINT_URL are honoured), with botocore's standard retry mode configured in one place."""

import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table

# boto3 is imported on first use, not with this module: tests and local tooling import the functions before
# their emulator is up. On Lambda the init creates what every request uses (export_api.startup).


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


@cache
def secrets_provider() -> "SecretsProvider":
    """Powertools' Secrets Manager provider: its cache of values lives as long as it does.

    Given the process's client: left to itself it makes a boto3 session of its own, which loads the
    endpoint and service models again (~70 ms of JSON parsing on a cold start).
    """
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client("secretsmanager"))


def forget_secrets() -> None:
    """Drop the secret values read so far (they are read again on next use); the clients stay."""
    if secrets_provider.cache_info().currsize:
        secrets_provider().clear_cache()  # type: ignore[no-untyped-call]


def reset_clients() -> None:
    """Forget cached clients and cached secrets (tests switch emulators between sessions; a SnapStart
    restore needs new connections and credentials)."""
    forget_secrets()
    secrets_provider.cache_clear()
    dynamodb.cache_clear()
    table.cache_clear()
    client.cache_clear()
    # Its own client (repositories/stepfunctions.py), if that module was ever loaded.
    stepfunctions = sys.modules.get("export_api.repositories.stepfunctions")
    if stepfunctions is not None:
        stepfunctions.client.cache_clear()
