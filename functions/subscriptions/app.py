"""SubscriptionsFunction: /v1/subscriptions, Pleo's Webhook Subscriptions API
(spec/webhook-subscriptions.openapi.yaml)."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import CURSORS, IDEMPOTENCY, TABLES, WEBHOOKS, Function, build
from export_api.http.app import HttpApi
from export_api.http.subscriptions import subscriptions_router
from export_api.services.container import building

FUNCTION = Function(
    service="subscriptions",
    settings=(TABLES, IDEMPOTENCY, WEBHOOKS, CURSORS),
    api=HttpApi(title="Webhook subscriptions", routers=(subscriptions_router(),)),
    services=building(lambda s: (s.subscriptions,)),
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
