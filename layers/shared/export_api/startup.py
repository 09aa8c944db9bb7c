"""Fail closed at cold start: a function on Lambda without its configuration refuses to start.

Every function module calls `require_configuration` at import with the settings it needs. On Lambda
(`AWS_LAMBDA_FUNCTION_NAME` set) a missing one logs one ERROR line naming the variables and raises,
so the init fails (and every invocation with it) instead of running with a guessed table or secret.
Elsewhere (tests, local tooling) nothing is checked here: the first use of a missing setting raises.

In a Lambda execution environment's init (`AWS_LAMBDA_INITIALIZATION_TYPE` set: Lambda sets it for
on-demand, provisioned-concurrency and SnapStart inits) it also creates the AWS clients that nearly every
request of the function uses (the DynamoDB tables; the authorizer's key set reader), so that work is done
at init rather than on the first caller's request, and registers the SnapStart hooks (snapstart.py), which
create the rest before a snapshot. Tests and local tooling create clients on first use, once their
emulator is up.
"""

from collections.abc import Iterable

from export_api import snapstart
from export_api.lambda_environment import in_lambda_init, in_snapstart_init, on_lambda
from export_api.observability import get_logger
from export_api.repositories import aws
from export_api.repositories.secrets import read_secret
from export_api.settings import MissingConfiguration, Settings, get_settings

# What each kind of function reads from its environment (template.yaml declares them).
TABLES = ("jobs_table_name", "items_table_name")
IDEMPOTENCY = ("idempotency_table_name",)
CURSORS = ("cursor_secret_arn",)
WORKFLOW = ("state_machine_arn",)
AUTHORIZER = ("credentials_table_name", "jwt_public_keys_arn")
ADMIN_AUTHORIZER = ("jwt_public_keys_arn",)
WEBHOOKS = ("webhooks_table_name",)
WEBHOOK_QUEUE = ("webhook_queue_url",)
WEBHOOK_DELIVERY = ("webhook_queue_url", "webhook_dead_letter_queue_url")

# The settings whose clients every init creates: (nearly) every request of a function that has them uses
# them (every page request reads the cursor key). The others (idempotency records, Step Functions, API key
# records) serve some requests only: an on-demand init leaves them to the first request that needs them; a
# SnapStart snapshot holds them (snapstart.before_snapshot).
AT_INIT = frozenset({"jobs_table_name", "items_table_name", "cursor_secret_arn", "jwt_public_keys_arn"})


def require_configuration(service: str, *needs: Iterable[str]) -> None:
    names = [name for group in needs for name in group]
    if on_lambda():
        missing = get_settings().missing(names)
        if missing:
            message = f"Refusing to start: missing configuration {', '.join(missing)} (see template.yaml)"
            get_logger(service).error(message, extra={"missing_configuration": missing})
            raise MissingConfiguration(message)
    if in_lambda_init():
        create_clients(get_settings(), [name for name in names if name in AT_INIT])
        snapstart.register(names)
        if not in_snapstart_init() and "cursor_secret_arn" in names:
            read_cursor_key(service)


def read_cursor_key(service: str) -> None:
    """Read the cursor key (every page request signs its cursors with it) into Powertools' cache now, so
    the first request does not wait for Secrets Manager. Not into a SnapStart snapshot, which holds no
    secret. Should it fail, the init goes on: the first request reads it again and answers its own error."""
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    settings = get_settings()
    try:
        read_secret(settings.required("cursor_secret_arn"), settings.secrets_max_age_seconds)
    except GetParameterError as error:
        get_logger(service).warning("Cursor key not read at init; the first request reads it", exc_info=error)


def create_clients(settings: Settings, names: Iterable[str]) -> None:
    """The AWS clients (and DynamoDB tables) behind the settings `names`, created now (no request is sent)."""
    for name in names:
        value = getattr(settings, name)
        if not value:
            continue
        if name.endswith("_table_name"):
            aws.table(str(value))
        elif name.endswith("_arn") and name != "state_machine_arn":
            aws.secrets_provider()
        elif name == "state_machine_arn":
            # Imported here: it loads boto3 and the workflow models, which the authorizer does not need.
            from export_api.repositories import stepfunctions

            stepfunctions.client()
        if name == "idempotency_table_name":
            # Powertools' idempotency layer goes through the plain DynamoDB client (wire form), not the document client.
            aws.client("dynamodb")


def rehearse_reads(service: str, *operations: str) -> None:
    """In a Lambda init, make the DynamoDB reads the function's requests make (`get_item`, `query`,
    `batch_get_item`) once, answered in the process (`aws.rehearse_reads`: nothing is sent), so that the
    first request does not build botocore's state for each. Should it fail, the init goes on: the first
    request builds that state as it would have."""
    from botocore.exceptions import BotoCoreError, ClientError

    settings = get_settings()
    if not (in_lambda_init() and settings.jobs_table_name):
        return
    try:
        aws.rehearse_reads(settings.jobs_table_name, operations)
    except (BotoCoreError, ClientError) as error:
        # ClientError too: were a rehearsal ever sent, DynamoDB's refusal (a role without that read on the
        # jobs table) must not fail the init either.
        get_logger(service).warning("DynamoDB reads not rehearsed at init", exc_info=error)


def prepare_services(*names: str) -> None:
    """In a Lambda init, build the services the function's requests use (their modules imported, their
    repositories made), so that the first request finds them ready: `Services` builds each on first use,
    so that a function never builds (nor imports) another function's."""
    if in_lambda_init():
        from export_api.services.container import get_services

        services = get_services()
        for name in names:
            getattr(services, name)
