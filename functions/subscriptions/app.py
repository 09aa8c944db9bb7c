"""SubscriptionsFunction: /v1/subscriptions, Pleo's Webhook Subscriptions API
(spec/webhook-subscriptions.openapi.yaml)."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import CURSORS, IDEMPOTENCY, TABLES, WEBHOOKS, Function, build
from export_api.http.subscriptions import subscriptions_router

FUNCTION = Function(
    service="subscriptions",
    title="Webhook subscriptions",
    settings=(TABLES, IDEMPOTENCY, WEBHOOKS, CURSORS),
    routers=(subscriptions_router(),),
    services=("subscriptions",),
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
