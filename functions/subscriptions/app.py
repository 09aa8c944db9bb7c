"""SubscriptionsFunction: /v1/subscriptions, Pleo's Webhook Subscriptions API
(spec/webhook-subscriptions.openapi.yaml)."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.subscriptions import subscriptions_router
from export_api.startup import CURSORS, IDEMPOTENCY, TABLES, WEBHOOKS, prepare_services, require_configuration

require_configuration("subscriptions", TABLES, IDEMPOTENCY, WEBHOOKS, CURSORS)
prepare_services("subscriptions")

app = create_app("Webhook subscriptions", [subscriptions_router()])
handler = lambda_handler(app, service="subscriptions")
