"""`Idempotency-Key` on the subscriptions' writes and an admin's redelivery: a retry takes effect once and
gets the first answer; a rotation retried does not cut the previous secret's grace period."""

import uuid
from typing import Any

from pytest_httpserver import HTTPServer

from tests.support.api import ADMIN, ApiClient, Identity, Response
from tests.support.checks import assert_error
from tests.support.data import Company
from tests.support.webhooks import Webhooks, received, verified

HOOK = "https://hooks.example.test/export"


def key() -> str:
    return str(uuid.uuid4())


def send(api: ApiClient, method: str, path: str, identity: Identity, body: Any, idempotency_key: str) -> Response:
    return api.request(method, path, identity=identity, json_body=body, headers={"Idempotency-Key": idempotency_key})


def replayed(response: Response) -> bool:
    return response.headers.get("idempotent-replayed") == "true"


def subscription(**overrides: Any) -> dict[str, Any]:
    return {"endpointUrl": HOOK, "eventTypes": ["v1.export-job.created"], **overrides}


def activities(api: ApiClient, identity: Identity, subscription_id: str) -> list[str]:
    found = api.get(f"/v1/subscriptions/{subscription_id}/activities", identity, {"limit": "100"}).data
    return [a["description"] for a in found]


def test_a_retried_creation_makes_one_subscription(api: ApiClient, company: Company) -> None:
    k = key()
    first = send(api, "POST", "/v1/subscriptions", company.identity, subscription(), k)
    again = send(api, "POST", "/v1/subscriptions", company.identity, subscription(), k)
    assert first.status == again.status == 200, again.body
    assert again.body == first.body
    assert (replayed(first), replayed(again)) == (False, True)
    assert [s["id"] for s in api.get("/v1/subscriptions", company.identity).data] == [first.data["id"]]


def test_a_reused_key_with_another_request_is_refused(api: ApiClient, company: Company) -> None:
    k = key()
    created = send(api, "POST", "/v1/subscriptions", company.identity, subscription(), k)
    assert created.status == 200
    other = subscription(endpointUrl="https://hooks.example.test/other")
    error = assert_error(
        send(api, "POST", "/v1/subscriptions", company.identity, other, k), 422, "IDEMPOTENCY_KEY_REUSED"
    )
    assert k in error["message"]
    # The query is part of the request too.
    with_query = api.request(
        "POST",
        "/v1/subscriptions",
        identity=company.identity,
        query={"company_id": company.company_id},
        json_body=subscription(),
        headers={"Idempotency-Key": k},
    )
    assert_error(with_query, 422, "IDEMPOTENCY_KEY_REUSED")
    assert len(api.get("/v1/subscriptions", company.identity).data) == 1
    # A PUT that reuses a key with another body changes nothing.
    target = f"/v1/subscriptions/{created.data['id']}"
    assert send(api, "PUT", target, company.identity, subscription(status="INACTIVE"), k).status == 200
    refused = send(api, "PUT", target, company.identity, subscription(status="ACTIVE"), k)
    assert_error(refused, 422, "IDEMPOTENCY_KEY_REUSED")
    assert api.get(target, company.identity).data["status"] == "INACTIVE"


def test_a_retried_update_is_applied_once(api: ApiClient, company: Company) -> None:
    subscription_id = api.post("/v1/subscriptions", company.identity, subscription()).data["id"]
    path = f"/v1/subscriptions/{subscription_id}"
    k = key()
    first = send(api, "PUT", path, company.identity, subscription(status="INACTIVE"), k)
    again = send(api, "PUT", path, company.identity, subscription(status="INACTIVE"), k)
    assert first.status == again.status == 200
    assert again.body == first.body
    assert replayed(again)
    assert len(activities(api, company.identity, subscription_id)) == 2  # created, updated once


def test_a_retried_rotation_rotates_once_and_keeps_the_old_secret_signing(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription_id = webhooks.subscribe(company.identity, httpserver.url_for("/hook"))
    old = webhooks.secret(company.identity, subscription_id)
    path = f"/v1/subscriptions/{subscription_id}/secret/rotate"
    k = key()
    first = send(webhooks.api, "POST", path, company.identity, None, k)
    again = send(webhooks.api, "POST", path, company.identity, None, k)
    assert first.status == again.status == 200
    assert again.data["secretKey"] == first.data["secretKey"] == webhooks.secret(company.identity, subscription_id)
    assert replayed(again)
    rotations = [d for d in activities(webhooks.api, company.identity, subscription_id) if d.startswith("Secret")]
    assert len(rotations) == 1
    # Within the grace period an event is signed with the new secret and still with the old one.
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    (request,) = received(httpserver)
    assert verified(request, first.data["secretKey"]) == verified(request, old)


def test_a_key_is_the_callers_own(api: ApiClient, company: Company, other_company: Company) -> None:
    """Another company's caller with the same key gets no replay of the rotation's secret: its request is
    refused as any of its requests for that subscription is."""
    subscription_id = api.post("/v1/subscriptions", company.identity, subscription()).data["id"]
    path = f"/v1/subscriptions/{subscription_id}/secret/rotate"
    k = key()
    assert send(api, "POST", path, company.identity, None, k).status == 200
    stranger = send(api, "POST", path, other_company.identity, None, k)
    assert_error(stranger, 404, "SUBSCRIPTION_NOT_FOUND")
    assert not replayed(stranger)
    # The stranger's own subscription, with the same key: its own first request.
    own = api.post("/v1/subscriptions", other_company.identity, subscription()).data["id"]
    rotated = send(api, "POST", f"/v1/subscriptions/{own}/secret/rotate", other_company.identity, None, k)
    assert rotated.status == 200
    assert not replayed(rotated)


def test_a_retried_redelivery_queues_the_message_once(
    webhooks: Webhooks, company: Company, httpserver: HTTPServer, api: ApiClient
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription_id = webhooks.subscribe(company.identity, httpserver.url_for("/hook"), ["v1.export-job.created"])
    company.create_job(company.entry_ids[:1])
    webhooks.deliver(until=lambda: len(received(httpserver)) == 1)
    webhooks.deliver()
    (delivered,) = webhooks.deliveries(company.identity, subscription_id)
    path = f"/admin/subscriptions/{subscription_id}/messages/{delivered['messageId']}/redeliver"
    k = key()
    first = send(api, "POST", path, ADMIN, None, k)
    again = send(api, "POST", path, ADMIN, None, k)
    assert first.status == again.status == 202, again.body
    assert again.body == first.body
    assert replayed(again)
    webhooks.deliver(until=lambda: len(received(httpserver)) == 2)
    webhooks.deliver()
    assert len(received(httpserver)) == 2  # the first delivery and one redelivery
    assert len(webhooks.deliveries(company.identity, subscription_id)) == 2
    # The same key for another message of the subscription: another request.
    other = f"/admin/subscriptions/{subscription_id}/messages/msg_{'0' * 32}/redeliver"
    assert_error(send(api, "POST", other, ADMIN, None, k), 422, "IDEMPOTENCY_KEY_REUSED")
