"""How a function starts: one declaration per function, one builder, the steps in the order they run.

Each `functions/<group>/app.py` declares what its function is (`FUNCTION = Function(...)`) and hands it
to `build`, which returns the Lambda handler (`handler = build(FUNCTION)`). `build` runs:

1. settings: on Lambda a missing setting logs one ERROR naming the variables and raises
   MissingConfiguration, so the init fails instead of running with a guessed table or secret;
2. AWS clients (repositories/aws.py): those nearly every request uses; a SnapStart snapshot holds all;
3. services: those the function's requests use, built once (services/container.py, `building`);
4. the handler: FastAPI + Mangum with the routes built once (http/app.py, `HttpApi`; the test helpers'
   only where they are enabled), or the plain step handler;
5. warm-up: real reads through the repositories (a DynamoDB key that is never stored, the state
   machine's description) and, outside a SnapStart init, the cursor key; a failure logs a warning and
   the init goes on (the first request makes the call itself);
6. SnapStart hooks, with the runtime's public `snapshot_restore_py`;
7. instrumentation (observability.py): logs, metrics, traces.

Steps 2, 3, 5 and 6 run only in a Lambda init (`AWS_LAMBDA_INITIALIZATION_TYPE`): tests and local
tooling build handlers without AWS, and clients are made on first use once their emulator is up.
docs/cold-start.md explains what each step buys.

This module imports neither the HTTP layer nor the services' container: a function's declaration hands
it what it needs of them, so the authorizers, whose layers ship no FastAPI or pydantic, can use it.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from export_api.lambda_environment import in_lambda_init, in_snapstart_init, on_lambda
from export_api.observability import get_logger, instrument
from export_api.settings import MissingConfiguration, Settings, get_settings

if TYPE_CHECKING:
    from export_api.http.app import HttpApi

LambdaHandler = Callable[[Any, Any], Any]

# What each kind of function reads from its environment (template.yaml declares the variables).
TABLES = ("jobs_table_name", "items_table_name")
IDEMPOTENCY = ("idempotency_table_name",)
CURSORS = ("cursor_secret_arn",)
WORKFLOW = ("state_machine_arn",)
AUTHORIZER = ("credentials_table_name", "jwt_public_keys_arn")
ADMIN_AUTHORIZER = ("jwt_public_keys_arn",)
WEBHOOKS = ("webhooks_table_name",)
WEBHOOK_QUEUE = ("webhook_queue_url",)
WEBHOOK_DELIVERY = ("webhook_queue_url", "webhook_dead_letter_queue_url")

# The settings whose clients an on-demand init creates: (nearly) every request of a function that has
# them uses them (every page request reads the cursor key). The others (idempotency records, Step
# Functions, API key records) serve some requests only and are created by the first that needs them;
# a SnapStart snapshot holds them all.
AT_INIT = frozenset({"jobs_table_name", "items_table_name", "cursor_secret_arn", "jwt_public_keys_arn"})

# The DynamoDB reads a function's requests make, for `Function.warm`.
GET_ITEM = "get_item"
QUERY = "query"
BATCH_GET_ITEM = "batch_get_item"


@dataclass(frozen=True)
class Function:
    """What one Lambda function is: everything `build` needs, nothing it has to discover."""

    service: str
    """Its name in logs, metrics and traces."""
    settings: tuple[tuple[str, ...], ...]
    """The settings groups it needs (TABLES, CURSORS, ...)."""
    api: "HttpApi | None" = None
    """An API function's routes (FastAPI + Mangum), or else `step`."""
    step: LambdaHandler | None = None
    """A plain Lambda handler (the authorizers, the workflow's steps, the queue consumer)."""
    services: Callable[[], object] | None = None
    """Builds the services its requests use (services.container.building)."""
    warm: tuple[str, ...] = ()
    """The DynamoDB reads its requests make (GET_ITEM, QUERY, BATCH_GET_ITEM), made once at init."""
    warm_table: str = "jobs_table_name"
    """The setting naming the table those reads are made on (one the function's role may read)."""
    warm_workflow: bool = False
    """Whether its common request calls Step Functions (a job event resumes its job's execution): the
    client is then created at init and reads the state machine's description once (the role needs
    `states:DescribeStateMachine` on it)."""
    before_snapshot: tuple[Callable[[], object], ...] = ()
    """Work an on-demand init leaves to the first request that needs it, which a snapshot holds done."""
    correlation_id_path: str | None = None
    """JMESPath to the request id in the event (`correlation_paths.API_GATEWAY_REST`)."""
    trace_aws_calls: bool = True
    """Whether botocore is patched for tracing when tracing is on (not on the authorizers' path)."""

    @property
    def setting_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for group in self.settings for name in group))


def build(function: Function) -> LambdaHandler:
    """The function's Lambda handler, its init run in the order of the module docstring."""
    settings = require_settings(function)
    lambda_init = in_lambda_init()
    if lambda_init:
        at_init = [name for name in function.setting_names if name in AT_INIT]
        create_clients(settings, at_init if not in_snapstart_init() else function.setting_names)
        if function.services is not None:
            function.services()
    handler = _handler(function, settings)
    if lambda_init:
        warm_up(function, settings)
        register_snapstart_hooks(function)
    return instrument(handler, function.service, function.correlation_id_path, function.trace_aws_calls)


def require_settings(function: Function) -> Settings:
    settings = get_settings()
    if on_lambda():
        missing = settings.missing(function.setting_names)
        if missing:
            message = f"Refusing to start: missing configuration {', '.join(missing)} (see template.yaml)"
            get_logger(function.service).error(message, extra={"missing_configuration": missing})
            raise MissingConfiguration(message)
    return settings


def create_clients(settings: Settings, names: Iterable[str]) -> None:
    """The AWS clients (and DynamoDB tables) behind the settings `names`; no request is sent."""
    from export_api.repositories import aws

    for name in names:
        value = getattr(settings, name)
        if not value:
            continue
        if name.endswith("_table_name"):
            aws.table(str(value))
        if name == "idempotency_table_name":
            # Powertools' idempotency layer goes through the plain DynamoDB client (wire form).
            aws.client("dynamodb")
        elif name == "state_machine_arn":
            aws.stepfunctions()
        elif name in ("cursor_secret_arn", "jwt_public_keys_arn"):
            aws.secrets_provider()


def _handler(function: Function, settings: Settings) -> LambdaHandler:
    if function.api is not None:
        return function.api.handler(settings)
    if function.step is None:
        raise TypeError(f"Function {function.service} declares neither an HttpApi nor a step handler")
    return function.step


def warm_up(function: Function, settings: Settings) -> None:
    """Real requests the first caller would otherwise wait for: each DynamoDB read the function's requests
    make, once, of a key that is never stored (botocore builds its state for an operation on its first
    call), a read of the state machine where requests call Step Functions (a client's first call also
    resolves its endpoint and opens its connection), and the cursor key outside a SnapStart init (a
    snapshot holds no secret). A failure (a role without the read, an unreachable endpoint) is logged;
    the first request makes the call itself."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
    from botocore.exceptions import BotoCoreError, ClientError

    from export_api.repositories import aws

    logger = get_logger(function.service)
    table_name = getattr(settings, function.warm_table)
    if function.warm and table_name:
        try:
            aws.warm_reads(table_name, function.warm)
        except (BotoCoreError, ClientError) as error:
            logger.warning("DynamoDB reads not warmed at init; the first request makes them", exc_info=error)
    if function.warm_workflow and settings.state_machine_arn:
        try:
            aws.warm_state_machine(settings.state_machine_arn)
        except (BotoCoreError, ClientError) as error:
            logger.warning("Step Functions not warmed at init; the first request calls it", exc_info=error)
    if settings.cursor_secret_arn and "cursor_secret_arn" in function.setting_names and not in_snapstart_init():
        from export_api.repositories.secrets import read_secret

        try:
            read_secret(settings.cursor_secret_arn, settings.secrets_max_age_seconds)
        except GetParameterError as error:
            logger.warning("Cursor key not read at init; the first request reads it", exc_info=error)


def register_snapstart_hooks(function: Function) -> bool:
    """With SnapStart, Lambda snapshots the initialized environment and resumes many from it. Before the
    snapshot: every client the function may use, what its init left to first use, and no secret. After
    each restore: `random` re-seeded (every environment resumed from one snapshot would draw the same
    numbers; `secrets`, `uuid4` and `os.urandom` read the kernel) and new clients (the snapshot's
    connections and credentials belong to another environment).

    Returns whether the runtime took the hooks: `snapshot_restore_py` exists only in Lambda's Python
    runtime (3.12 and later)."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:  # not Lambda's Python runtime
        return False
    from export_api.repositories import aws

    def before_snapshot() -> None:
        create_clients(get_settings(), function.setting_names)
        for work in function.before_snapshot:
            work()
        aws.forget_secrets()

    def after_restore() -> None:
        random.seed()
        aws.reset_clients()
        create_clients(get_settings(), function.setting_names)

    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
