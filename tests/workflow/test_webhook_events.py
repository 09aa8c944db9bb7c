"""Job events through the real state machine: PublishCreated and PublishEvents queue one message per
subscriber for each transition, WebhookDeliveryFunction delivers them to a real receiver, and every
delivery is verified with the standardwebhooks library."""

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.support.data import Company, failed, successful
from tests.support.webhooks import Webhooks, received, verified
from tests.workflow.conftest import Lifecycle


def deliveries(webhooks: Webhooks, server: HTTPServer, secret: str, count: int) -> list[dict[str, Any]]:
    webhooks.deliver(until=lambda: len(received(server)) >= count)
    return [verified(request, secret) for request in received(server)]


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    return httpserver


def test_created_started_completed(
    lifecycle: Lifecycle, webhooks: Webhooks, company: Company, receiver: HTTPServer
) -> None:
    subscription = webhooks.subscribe(company.identity, receiver.url_for("/hook"))
    secret = webhooks.secret(company.identity, subscription)
    job = company.create_job(company.entry_ids[:2], version="v3")

    (created,) = deliveries(webhooks, receiver, secret, 1)
    assert created["eventType"] == "v1.export-job.created"
    assert created["data"] == job

    assert company.event(job["id"], "started") == 202
    started = deliveries(webhooks, receiver, secret, 2)[1]
    assert started["eventType"] == "v1.export-job.started"
    assert started["data"]["status"] == "in_progress"
    assert started["data"]["id"] == job["id"]

    company.update_items(job["id"], [successful(e) for e in company.entry_ids[:2]])
    assert company.event(job["id"], "completed") == 202
    completed = deliveries(webhooks, receiver, secret, 3)[2]
    assert completed["eventType"] == "v1.export-job.completed"
    lifecycle.wait_until_done(job["id"])
    assert completed["data"] == company.job(job["id"])
    # Every event once, however often the Publish states ran (one per wait).
    webhooks.deliver()
    assert len({body["eventId"] for body in deliveries(webhooks, receiver, secret, 3)}) == 3
    assert len(received(receiver)) == 3
    assert lifecycle.states_entered(job["id"], publish=True)[:2] == ["PublishCreated", "AwaitStart"]


def test_completed_with_errors_and_failed(
    lifecycle: Lifecycle, webhooks: Webhooks, company: Company, receiver: HTTPServer
) -> None:
    events = ["v1.export-job.completed-with-errors", "v1.export-job.failed"]
    subscription = webhooks.subscribe(company.identity, receiver.url_for("/hook"), events)
    secret = webhooks.secret(company.identity, subscription)
    first = company.create_job(company.entry_ids[:2])
    assert company.event(first["id"], "started") == 202
    company.update_items(first["id"], [successful(company.entry_ids[0]), failed(company.entry_ids[1])])
    assert company.event(first["id"], "completed_with_errors") == 202
    lifecycle.wait_until_done(first["id"])
    (with_errors,) = deliveries(webhooks, receiver, secret, 1)
    assert with_errors["eventType"] == "v1.export-job.completed-with-errors"
    assert with_errors["data"]["status"] == "completed_with_errors"

    second = company.create_job(company.entry_ids[2:4])
    assert company.event(second["id"], "failed", failureReasonType="invalid_configuration") == 202
    lifecycle.wait_until_done(second["id"])
    failed_event = deliveries(webhooks, receiver, secret, 2)[1]
    assert failed_event["eventType"] == "v1.export-job.failed"
    assert failed_event["data"]["failureReasonType"] == "invalid_configuration"
    assert failed_event["data"]["id"] == second["id"]


@pytest.mark.lifecycle(expires_in=1)
def test_an_expired_job_is_announced_as_expired(
    lifecycle: Lifecycle, webhooks: Webhooks, company: Company, receiver: HTTPServer
) -> None:
    subscription = webhooks.subscribe(
        company.identity, receiver.url_for("/hook"), ["v1.export-job.expired", "v1.export-job.failed"]
    )
    secret = webhooks.secret(company.identity, subscription)
    job = company.create_job(company.entry_ids[:1])
    lifecycle.wait_until_done(job["id"])
    (expired,) = deliveries(webhooks, receiver, secret, 1)
    assert expired["eventType"] == "v1.export-job.expired"
    assert expired["data"]["failureReasonType"] == "job_expired"
    webhooks.deliver()
    assert len(received(receiver)) == 1
