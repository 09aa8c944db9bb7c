"""Deliveries to a real HTTP receiver (pytest-httpserver), each verified with the standardwebhooks
library: created (published by the job's execution, in its Publish states), retries with the same
webhook-id, permanent failure to the dead-letter queue, SSRF refusal, secret rotation, deactivation,
admin redelivery."""

import json
from typing import Any
from uuid import UUID

import pytest
from export_api.models.webhooks import WebhookEventType
from export_api.services.webhook_events import event_payload
from export_api.versions import v3
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.api import ADMIN, ApiClient
from tests.support.data import Company
from tests.support.webhooks import Webhooks, received, reconfigure, services_now, verified


def url(server: HTTPServer, path: str = "/hook") -> str:
    return server.url_for(path)


def test_a_created_job_is_delivered_signed_with_the_job_as_v3_returns_it(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    subscription = webhooks.subscribe(
        company.identity, url(httpserver), ["v1.export-job.created"], customHeaders={"X-Tenant": "acme"}
    )
    secret = webhooks.secret(company.identity, subscription)
    assert secret.startswith("whsec_")
    job = company.create_job(company.entry_ids[:3], version="v3")
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)

    (request,) = received(httpserver)
    body = verified(request, secret)
    assert list(body) == ["data", "eventType", "eventId"]
    assert body["eventType"] == "v1.export-job.created"
    assert body["data"] == company.job(job["id"]) == job
    assert request.headers["X-Tenant"] == "acme"
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["Content-Type"] == "application/json"
    (attempt,) = webhooks.deliveries(company.identity, subscription)
    assert attempt["outcome"] == "succeeded"
    assert (attempt["statusCode"], attempt["attempt"], attempt["eventId"]) == (200, 1, body["eventId"])
    assert attempt["messageId"] == request.headers["webhook-id"]
    # Nothing more is queued: a subscription to `created` only gets nothing for the job's close.
    company.close(job["id"])
    webhooks.deliver()
    assert len(received(httpserver)) == 1


def test_a_tampered_body_or_another_secret_does_not_verify(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver))
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    headers = dict(request.headers)
    secret = webhooks.secret(company.identity, subscription)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.get_data().replace(b"pending", b"completed"), headers)
    other = webhooks.subscribe(company.identity, url(httpserver, "/other"))
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.secret(company.identity, other)).verify(request.get_data(), headers)


def test_a_500_is_retried_with_the_same_webhook_id_then_succeeds(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/hook").respond_with_data("busy", status=500)
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver), ["v1.export-job.created"])
    secret = webhooks.secret(company.identity, subscription)
    company.create_job(company.entry_ids[:2])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 2)

    first, second = received(httpserver)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(first, secret) == verified(second, secret)
    attempts = webhooks.deliveries(company.identity, subscription)
    assert [(a["attempt"], a["outcome"], a.get("statusCode")) for a in attempts] == [
        (1, "retrying", 500),
        (2, "succeeded", 200),
    ]
    assert attempts[0]["error"] == "HTTP 500: busy"
    assert "nextAttemptAt" in attempts[0]
    assert webhooks.dead_letters() == []


def test_a_message_failing_every_attempt_lands_in_the_dead_letter_queue_and_can_be_redelivered(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer, api: ApiClient
) -> None:
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    subscription = webhooks.subscribe(company.identity, url(httpserver), ["v1.export-job.created"])
    company.create_job(company.entry_ids[:1])
    # The schedule has two retries: three attempts, then the dead-letter queue.
    webhooks.deliver(until=lambda: len(received(httpserver)) == 3)
    webhooks.deliver()
    assert len(received(httpserver)) == 3
    attempts = webhooks.deliveries(company.identity, subscription)
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "retrying"), (2, "retrying"), (3, "failed")]
    assert all(a["statusCode"] == 503 for a in attempts)
    message_id = attempts[0]["messageId"]
    assert {m["messageId"] for m in webhooks.dead_letters()} == {message_id}

    # The receiver is back: an admin redelivers the message, with the same webhook-id.
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    response = api.post(f"/admin/subscriptions/{subscription}/messages/{message_id}/redeliver", ADMIN)
    assert response.status == 202, response.body
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    assert request.headers["webhook-id"] == message_id
    verified(request, webhooks.secret(company.identity, subscription))
    assert webhooks.deliveries(company.identity, subscription)[-1]["outcome"] == "succeeded"
    # Only an admin may, and only a message of that subscription.
    denied = api.post(f"/admin/subscriptions/{subscription}/messages/{message_id}/redeliver", company.identity)
    assert denied.status == 403
    unknown = api.post(f"/admin/subscriptions/{subscription}/messages/msg_{'0' * 32}/redeliver", ADMIN)
    assert (unknown.status, unknown.body["type"]) == (404, "WEBHOOK_MESSAGE_NOT_FOUND")


def test_a_subscription_failing_too_long_is_set_inactive_with_an_activity(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconfigure(monkeypatch, WEBHOOK_DEACTIVATE_AFTER_SECONDS="0")
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    subscription = webhooks.subscribe(company.identity, url(httpserver), ["v1.export-job.created"])
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    webhooks.deliver()
    # Deactivated after the first failure (the limit is 0 s here): the retry is dropped, not sent.
    assert len(received(httpserver)) == 1
    state = webhooks.api.get(f"/v1/subscriptions/{subscription}", company.identity).data
    assert state["status"] == "INACTIVE"
    activities = webhooks.api.get(f"/v1/subscriptions/{subscription}/activities", company.identity).data
    assert [a["operationType"] for a in activities] == ["CREATE", "UPDATE"]
    assert activities[1]["actorUrn"] == "urn:export-api:system:webhook-delivery"
    assert "HTTP 410" in activities[1]["description"]


def test_secret_rotation_signs_with_both_secrets_during_the_grace_period(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver))
    old = webhooks.secret(company.identity, subscription)
    rotated = webhooks.api.post(f"/v1/subscriptions/{subscription}/secret/rotate", company.identity)
    assert rotated.status == 200
    new = rotated.data["secretKey"]
    assert new != old
    assert new == webhooks.secret(company.identity, subscription)
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verified(request, new) == verified(request, old)
    activities = webhooks.api.get(
        f"/v1/subscriptions/{subscription}/activities", company.identity, {"operation_types": "UPDATE"}
    ).data
    assert [a["description"][:14] for a in activities] == ["Secret rotated"]


def test_after_the_grace_period_only_the_new_secret_verifies(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconfigure(monkeypatch, WEBHOOK_SECRET_GRACE_SECONDS="0")
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver))
    old = webhooks.secret(company.identity, subscription)
    new = webhooks.api.post(f"/v1/subscriptions/{subscription}/secret/rotate", company.identity).data["secretKey"]
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    verified(request, new)
    with pytest.raises(WebhookVerificationError):
        verified(request, old)


def test_basic_endpoint_auth_is_sent_and_never_answered_or_logged(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    auth = {"type": "BASIC", "credentials": {"username": "erp", "password": "s3cr3t-pw"}}
    subscription = webhooks.subscribe(
        company.identity, url(httpserver), endpointAuth=auth, customHeaders={"X-Api-Key": "header-secret"}
    )
    shown = webhooks.api.get(f"/v1/subscriptions/{subscription}", company.identity).data
    assert shown["endpointAuth"] == {"type": "BASIC", "credentials": {"username": "erp"}}
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    assert request.authorization is not None
    assert (request.authorization.username, request.authorization.password) == ("erp", "s3cr3t-pw")
    assert request.headers["X-Api-Key"] == "header-secret"
    logged = capsys.readouterr()
    for secret in ("s3cr3t-pw", "header-secret", httpserver.url_for("/hook")):
        assert secret not in logged.out + logged.err


def test_redirects_are_not_followed(webhooks: Webhooks, company: Company, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("", status=302, headers={"Location": "/elsewhere"})
    httpserver.expect_request("/elsewhere").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver), ["v1.export-job.created"])
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 3)
    webhooks.deliver()
    assert received(httpserver, "/elsewhere") == []
    attempts = webhooks.deliveries(company.identity, subscription)
    assert {a["statusCode"] for a in attempts} == {302}
    assert "redirects are not followed" in attempts[0]["error"]


def test_a_deleted_subscription_receives_nothing(webhooks: Webhooks, company: Company, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = webhooks.subscribe(company.identity, url(httpserver))
    assert webhooks.api.delete(f"/v1/subscriptions/{subscription}", company.identity).status == 204
    company.create_job(company.entry_ids[:1])
    webhooks.deliver()
    assert received(httpserver) == []


def test_delivery_refuses_private_and_metadata_destinations_outside_local_mode(
    webhooks: Webhooks, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name resolved when subscribing; at delivery it points at the metadata service (DNS rebinding):
    the attempt is refused without a request, and recorded."""
    subscription = webhooks.subscribe(company.identity, "https://hooks.example.test/hook", ["v1.export-job.created"])
    reconfigure(monkeypatch, WEBHOOK_LOCAL_MODE="false")
    delivery = services_now().webhook_delivery
    calls: list[str] = []

    class NoNetwork:
        def send(self, *args: Any) -> Any:
            calls.append(f"sent {len(args)}")
            raise AssertionError("a refused destination must not be called")

    monkeypatch.setattr(delivery, "resolver", lambda *_: ["169.254.169.254"])
    monkeypatch.setattr(delivery, "sender", NoNetwork())
    company.create_job(company.entry_ids[:1])
    webhooks.deliver()
    assert calls == []
    attempts = webhooks.deliveries(company.identity, subscription)
    assert attempts
    assert all("refused" in a["error"] and "metadata" in a["error"] for a in attempts)
    assert "statusCode" not in attempts[0]


def test_payload_is_the_v3_job_body(webhooks: Webhooks, company: Company) -> None:
    # The publisher's body builder is v3's adapter: one code path with GET /v3/export-jobs/{id}.
    job = company.create_job(company.entry_ids[:1], version="v3")
    stored = services_now().jobs.load(UUID(job["id"]))
    body = json.loads(event_payload(stored, WebhookEventType.EXPORT_JOB_CREATED))
    assert body["data"] == v3.ADAPTER.jobs.job_body(stored) == company.job(job["id"])
