"""Standard Webhooks signatures (https://www.standardwebhooks.com), made by the `standardwebhooks` package."""

from collections.abc import Iterable
from datetime import datetime

from standardwebhooks.webhooks import Webhook


def signature_header(message_id: str, timestamp: datetime, payload: str, secrets_in_use: Iterable[str]) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret, space-separated (the newest first). During a
    rotation the previous secret signs too, so a receiver still holding it verifies the message."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, payload) for secret in secrets_in_use)


def signed_headers(message_id: str, timestamp: datetime, payload: str, secrets_in_use: Iterable[str]) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(message_id, timestamp, payload, secrets_in_use),
    }
