"""Verifying a webhook delivery with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
`webhook-signature` headers; HMAC-SHA256 over `id.timestamp.body`), by the `standardwebhooks` package."""

from collections.abc import Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from export_api_client.errors import ExportApiError


class InvalidWebhookSignature(ExportApiError):
    """The delivery is not signed with the subscription's secret, or is too old (a replay)."""


def verify_webhook(payload: bytes | str, headers: Mapping[str, str], secret: str) -> Any:
    """The decoded event of a delivery whose signature holds; InvalidWebhookSignature otherwise.

    `payload` must be the raw body as received: re-serialised JSON no longer matches its signature.
    `secret` is the subscription's signing secret (`whsec_...`).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        return Webhook(secret).verify(payload, lowered)
    except WebhookVerificationError as error:
        raise InvalidWebhookSignature(f"webhook rejected: {error}") from error
