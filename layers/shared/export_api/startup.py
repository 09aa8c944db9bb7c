"""Fail closed at cold start: a function on Lambda without its configuration refuses to start.

Every function module calls `require_configuration` at import with the settings it needs. On Lambda
(`AWS_LAMBDA_FUNCTION_NAME` set) a missing one logs one ERROR line naming the variables and raises,
so the init fails (and every invocation with it) instead of running with a guessed table or secret.
Elsewhere (tests, local tooling) nothing is checked here: the first use of a missing setting raises.
"""

from collections.abc import Iterable

from export_api.observability import get_logger
from export_api.settings import MissingConfiguration, get_settings, on_lambda

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


def require_configuration(service: str, *needs: Iterable[str]) -> None:
    if not on_lambda():
        return
    missing = get_settings().missing(name for group in needs for name in group)
    if missing:
        message = f"Refusing to start: missing configuration {', '.join(missing)} (see template.yaml)"
        get_logger(service).error(message, extra={"missing_configuration": missing})
        raise MissingConfiguration(message)
