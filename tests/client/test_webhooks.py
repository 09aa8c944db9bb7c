"""Webhook deliveries are verified with the Standard Webhooks scheme (the `standardwebhooks` package)."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from export_api_client import verify_webhook
from export_api_client.webhooks import InvalidWebhookSignature
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"a-subscription-signing-secret-32b").decode()
EVENT = {"type": "v1.export-job.created", "data": {"id": "7c1f4a5e-7b2d-4c89-9a2e-5d6f7a8b9c0d"}}


def delivery(body: str, sent: datetime, secret: str = SECRET) -> dict[str, str]:
    return {
        "Webhook-Id": "msg_1",
        "Webhook-Timestamp": str(int(sent.timestamp())),
        "Webhook-Signature": Webhook(secret).sign("msg_1", sent, body),
    }


def test_a_signed_delivery_is_accepted_and_decoded() -> None:
    body = json.dumps(EVENT)
    assert verify_webhook(body.encode(), delivery(body, datetime.now(UTC)), SECRET) == EVENT


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body.replace("created", "deleted"), headers),  # body changed
        lambda body, headers: (body, {**headers, "Webhook-Signature": "v1,AAAA"}),  # forged signature
        lambda body, headers: (body, {k: v for k, v in headers.items() if k != "Webhook-Signature"}),
    ],
)
def test_a_tampered_or_unsigned_delivery_is_refused(tamper: object) -> None:
    body = json.dumps(EVENT)
    changed_body, headers = tamper(body, delivery(body, datetime.now(UTC)))  # type: ignore[operator]
    with pytest.raises(InvalidWebhookSignature):
        verify_webhook(changed_body, headers, SECRET)


def test_an_old_delivery_is_refused_as_a_replay() -> None:
    body = json.dumps(EVENT)
    with pytest.raises(InvalidWebhookSignature):
        verify_webhook(body, delivery(body, datetime.now(UTC) - timedelta(hours=1)), SECRET)


def test_another_subscriptions_secret_does_not_verify() -> None:
    body = json.dumps(EVENT)
    other = "whsec_" + base64.b64encode(b"another-subscription-secret-32by").decode()
    with pytest.raises(InvalidWebhookSignature):
        verify_webhook(body, delivery(body, datetime.now(UTC), other), SECRET)
