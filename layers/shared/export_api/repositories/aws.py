"""AWS clients, created once per process on first use (not at import, so moto and
AWS_ENDPOINT_URL are honoured), with botocore's standard retry mode configured in one place.

DynamoDB is read and written through the plain client, in DynamoDB's wire form: `Table` and
`transact_write` take and give records as boto3's Table resource does (Python values, numbers read as
Decimals), converted by `repositories/wire.py`, and expressions as text. Not boto3's document
transformations: they copy every request's parameters and walk them against the operation's model, a
cost every request paid for values the repositories can convert directly. Not the resource itself
either: `boto3.resource` lists every service's data directory and builds resource classes, ~30 ms of a
cold start for nothing the repositories use.
"""

from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from export_api.repositories import wire

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config

# boto3 is imported on first use, not with this module: tests and local tooling import the functions before
# their emulator is up. On Lambda the init creates what every request uses (export_api.bootstrap).


@cache
def retry_config() -> "Config":
    from botocore.config import Config

    from export_api.repositories.fanout import MAX_WORKERS

    # A pool of as many connections as an operation's concurrent requests (botocore keeps 10): a request
    # over the pool's size would open a connection, TLS handshake included, and then drop it.
    return Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=2,
        read_timeout=5,
        max_pool_connections=MAX_WORKERS,
    )


@cache
def dynamodb() -> Any:
    """The DynamoDB client, in DynamoDB's wire form (the one Powertools' idempotency layer is given too).
    The repositories reach it through `Table` and `transact_write`, which convert their records."""
    return client("dynamodb")


@cache
def bulk_dynamodb() -> Any:
    """A DynamoDB client for the batch requests of a big job (its items' BatchWriteItem calls and its
    entries' existence check) without botocore's validation of every attribute against the model:
    DynamoDB checks the request all the same. For a 10,000-entry job that is a good part of the CPU time
    of its 500 requests."""
    import boto3
    from botocore.config import Config

    config = retry_config().merge(Config(parameter_validation=False))
    return boto3.client("dynamodb", config=config)


class Table:
    """One table: the calls of boto3's Table resource the repositories make, each given the table's name.
    Keys, items, expression values and start keys are Python values; so are the records of the answer.
    Expressions are text (`boto3.dynamodb.conditions` objects are not taken)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _call(self, operation: str, parameters: dict[str, Any]) -> dict[str, Any]:
        request = wire.encode_parameters(parameters)
        request["TableName"] = self.name
        return wire.decode_answer(getattr(dynamodb(), operation)(**request))

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("get_item", kwargs)

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("put_item", kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("update_item", kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("query", kwargs)

    def batch_get(
        self, keys: list[dict[str, Any]], **options: Any
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """One BatchGetItem of `keys` (at most 100) on this table: the records read, and the keys DynamoDB
        left unprocessed."""
        request = {self.name: {"Keys": [wire.encode_record(key) for key in keys], **options}}
        answer = dynamodb().batch_get_item(RequestItems=request)
        unprocessed = answer.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
        return wire.decode_records(answer["Responses"].get(self.name, [])), wire.decode_records(unprocessed)


def transact_write(items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems of actions whose records are Python values (boto3's TransactWriteItems form
    otherwise)."""
    dynamodb().transact_write_items(TransactItems=wire.encode_transaction(items))


@cache
def table(name: str) -> Table:
    dynamodb()  # the client comes with its first table: a Lambda init creates the tables it uses
    return Table(name)


# Reads of a key that is never stored: reads only, so warming a client changes nothing in the table.
_WARM_KEY = {"pk": {"S": "warm-up"}}
_WARM_READS: dict[str, Callable[[str], dict[str, Any]]] = {
    "get_item": lambda table: {"TableName": table, "Key": _WARM_KEY},
    "query": lambda table: {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "warm-up"}},
        "Limit": 1,
    },
    "batch_get_item": lambda table: {"RequestItems": {table: {"Keys": [_WARM_KEY]}}},
}


def warm_reads(table_name: str, operations: Iterable[str]) -> None:
    """Make each DynamoDB read once, for real, on `table_name` (a table keyed by `pk` alone), of a key that
    is never stored. An operation's first call builds botocore's state for it (its handlers, its input
    shape, its serializer and parser): made in a Lambda init (export_api.bootstrap), the first caller does
    not pay for it, and the connection to DynamoDB is open."""
    plain = dynamodb()
    for operation in operations:
        getattr(plain, operation)(**_WARM_READS[operation](table_name))


def warm_state_machine(state_machine_arn: str) -> None:
    """Read the state machine's description once, for real: the Step Functions client's first call resolves
    its endpoint, opens the connection and builds botocore's JSON protocol state, which a Lambda init
    (export_api.bootstrap) pays so that a job event's resuming call does not. Raises botocore's errors as
    they come: the caller logs them and goes on."""
    stepfunctions().describe_state_machine(stateMachineArn=state_machine_arn)


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=retry_config())  # type: ignore[call-overload]


@cache
def stepfunctions() -> Any:
    """The Step Functions client. Its callers retry with their own backoff within a bounded budget (the
    events API answers within API Gateway's 29 s), so botocore retries only once."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5)
    return boto3.client("stepfunctions", config=config)


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
    bulk_dynamodb.cache_clear()
    table.cache_clear()
    client.cache_clear()
    stepfunctions.cache_clear()
