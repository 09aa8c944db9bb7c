"""Webhook test harness: the template's queues in moto, WebhookDeliveryFunction fed by an in-process
event source mapping (export_api_local.queues), and verification of what a receiver got."""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from export_api.services.container import get_services
from export_api.settings import get_settings
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug import Request

from export_api_local.queues import Queue, SqsEventSource, sqs_mappings
from tests.support.api import ApiClient, Identity
from tests.support.workflow import wait_until_all_settled

JOB_EVENTS = [
    "v1.export-job.created",
    "v1.export-job.started",
    "v1.export-job.completed",
    "v1.export-job.completed-with-errors",
    "v1.export-job.failed",
    "v1.export-job.expired",
]


@dataclass
class Webhooks:
    api: ApiClient
    sqs: Any
    queues: dict[str, Queue]
    source: SqsEventSource

    def subscribe(self, identity: Identity, url: str, event_types: list[str] | None = None, **extra: Any) -> str:
        body = {"endpointUrl": url, "eventTypes": event_types or JOB_EVENTS, **extra}
        response = self.api.post("/v1/subscriptions", identity, body)
        assert response.status == 200, response.body
        return str(response.data["id"])

    def secret(self, identity: Identity, subscription_id: str) -> str:
        response = self.api.get(f"/v1/subscriptions/{subscription_id}/secret", identity)
        assert response.status == 200, response.body
        return str(response.data["secretKey"])

    def deliveries(self, identity: Identity, subscription_id: str) -> list[dict[str, Any]]:
        response = self.api.get(f"/v1/subscriptions/{subscription_id}/deliveries", identity, {"limit": "100"})
        assert response.status == 200, response.body
        found: list[dict[str, Any]] = response.data
        return found

    def deliver(self, until: Callable[[], bool] | None = None, timeout_seconds: float = 15.0) -> None:
        """Run the delivery function on what the queue holds: until the queue is idle, or until `until()`
        holds (failing after the timeout). The jobs' executions publish their events (their Publish
        states): "idle" counts once each has published what its job's status calls for."""
        if until is None:
            wait_until_all_settled(timeout_seconds)
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            count = self.source.poll_once()
            if until is None and not count:
                return
            if until is not None and until():
                return
            if not count:
                time.sleep(0.05)
        raise AssertionError("timed out waiting for webhook deliveries")

    def dead_letters(self) -> list[dict[str, Any]]:
        url = self.queues["WebhookDeliveryDeadLetterQueue"].url
        messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


def delivery_mapping() -> Any:
    (mapping,) = [m for m in sqs_mappings() if m.function == "WebhookDeliveryFunction"]
    return mapping


def received(server: HTTPServer, path: str = "/hook") -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def verified(request: Request, secret: str) -> dict[str, Any]:
    """The body of a delivery, after the standardwebhooks library verified its signature (raises if not)."""
    body: dict[str, Any] = Webhook(secret).verify(request.get_data(), dict(request.headers))
    return body


def services_now() -> Any:
    return get_services()


def reconfigure(monkeypatch: Any, **variables: str) -> None:
    """Set environment variables of the functions and have settings and services read them again."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_services.cache_clear()
