"""The subscriptions API through SubscriptionsFunction's handler: Pleo's operations and shapes (every
answer is checked against spec/webhook-subscriptions.openapi.yaml by the client), tenant isolation,
validation, pagination, activities."""

from typing import Any

import pytest

from tests.support.api import ApiClient, Identity
from tests.support.data import Company
from tests.support.webhooks import Webhooks, reconfigure

HOOK = "https://hooks.example.test/export"


def body(**overrides: Any) -> dict[str, Any]:
    return {"endpointUrl": HOOK, "eventTypes": ["v1.export-job.created"], **overrides}


def test_create_read_update_delete_with_activities(api: ApiClient, company: Company) -> None:
    created = api.post("/v1/subscriptions", company.identity, body(customHeaders={"X-Team": "finance"}))
    assert created.status == 200, created.body
    subscription = created.data
    assert subscription["status"] == "ACTIVE"
    assert subscription["eventTypes"] == ["v1.export-job.created"]
    assert subscription["endpointAuth"] == {"type": "NONE"}
    path = f"/v1/subscriptions/{subscription['id']}"
    assert api.get(path, company.identity).data == subscription

    update = body(eventTypes=["v1.export-job.created", "v1.export-job.failed"], status="INACTIVE")
    updated = api.put(path, company.identity, update)
    assert updated.status == 200, updated.body
    assert updated.data["status"] == "INACTIVE"
    assert updated.data["customHeaders"] == {}
    assert updated.data["createdAt"] == subscription["createdAt"]

    assert api.delete(path, company.identity).status == 204
    gone = api.get(path, company.identity)
    assert (gone.status, gone.body["type"]) == (404, "SUBSCRIPTION_NOT_FOUND")
    assert api.delete(path, company.identity).status == 404
    activities = api.get(f"{path}/activities", company.identity)
    assert activities.status == 200
    assert [a["operationType"] for a in activities.data] == ["CREATE", "UPDATE", "DELETE"]
    assert {a["actorUrn"] for a in activities.data} == {"urn:export-api:principal:integration"}
    assert "eventTypes, status, customHeaders changed" in activities.data[1]["description"]
    deletes = api.get(f"{path}/activities", company.identity, {"operation_types": ["DELETE", "CREATE"]})
    assert [a["operationType"] for a in deletes.data] == ["CREATE", "DELETE"]
    assert deletes.body["pagination"]["total"] == 2


def test_another_company_cannot_read_or_change_a_subscription(
    api: ApiClient, company: Company, other_company: Company
) -> None:
    subscription = api.post("/v1/subscriptions", company.identity, body()).data
    path = f"/v1/subscriptions/{subscription['id']}"
    stranger = other_company.identity
    for response in (
        api.get(path, stranger),
        api.put(path, stranger, body(endpointUrl="https://attacker.example.test/")),
        api.delete(path, stranger),
        api.get(f"{path}/activities", stranger),
        api.get(f"{path}/secret", stranger),
        api.post(f"{path}/secret/rotate", stranger),
        api.get(f"{path}/deliveries", stranger),
    ):
        assert (response.status, response.body["type"]) == (404, "SUBSCRIPTION_NOT_FOUND")
    assert api.get("/v1/subscriptions", stranger).data == []
    # Untouched.
    assert api.get(path, company.identity).data == subscription


def test_lists_are_paged_and_filtered(api: ApiClient, company: Company) -> None:
    ids = []
    for index in range(5):
        events = ["v1.export-job.created"] if index % 2 else ["v1.export-job.failed"]
        status = "INACTIVE" if index == 4 else "ACTIVE"
        ids.append(api.post("/v1/subscriptions", company.identity, body(eventTypes=events, status=status)).data["id"])
    first = api.get("/v1/subscriptions", company.identity, {"limit": "2"})
    assert [s["id"] for s in first.data] == ids[:2]
    assert first.body["pagination"]["hasNextPage"] is True
    assert first.body["pagination"]["total"] == 5
    rest = api.get(
        "/v1/subscriptions", company.identity, {"limit": "10", "after": first.body["pagination"]["endCursor"]}
    )
    assert [s["id"] for s in rest.data] == ids[2:]
    failed = api.get("/v1/subscriptions", company.identity, {"event_types": "v1.export-job.failed"})
    assert [s["id"] for s in failed.data] == [ids[0], ids[2], ids[4]]
    inactive = api.get("/v1/subscriptions", company.identity, {"status": "INACTIVE"})
    assert [s["id"] for s in inactive.data] == [ids[4]]
    newest = api.get("/v1/subscriptions", company.identity, {"sorting_keys": "createdAt", "sorting_order": "DESC"})
    assert [s["id"] for s in newest.data] == ids[::-1]
    wrong = api.get(
        "/v1/subscriptions", company.identity, {"after": first.body["pagination"]["endCursor"], "status": "ACTIVE"}
    )
    assert wrong.status == 400


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"endpointUrl": "http://hooks.example.test/"}, "https://"),
        ({"endpointUrl": "https://127.0.0.1:8443/hook"}, "loopback"),
        ({"endpointUrl": "https://localhost/hook"}, "localhost"),
        ({"endpointUrl": "https://169.254.169.254/latest/meta-data"}, "metadata"),
        ({"endpointUrl": "https://10.1.2.3/hook"}, "private"),
        ({"endpointUrl": "https://[::1]/hook"}, "loopback"),
        ({"endpointUrl": "https://user:pw@hooks.example.test/"}, "credentials"),
        ({"endpointUrl": "not a url"}, "https://"),
        ({"eventTypes": []}, "eventTypes"),
        ({"eventTypes": ["v1.export-job.deleted"]}, "eventTypes"),
        ({"eventTypes": ["v1.export-job.created", "v1.export-job.created"]}, "more than once"),
        ({"customHeaders": {"webhook-signature": "x"}}, "webhook-signature"),
        ({"customHeaders": {"Bad Header": "x"}}, "customHeaders"),
        ({"customHeaders": {"X-Ok": "line\r\nInjected: 1"}}, "customHeaders"),
        ({"endpointAuth": {"type": "BASIC"}}, "username"),
        ({"endpointAuth": {"type": "DIGEST"}}, "endpointAuth"),
        ({"status": "PAUSED"}, "status"),
    ],
)
def test_invalid_subscriptions_are_400s_that_say_what_to_fix(
    api: ApiClient, company: Company, overrides: dict[str, Any], fragment: str
) -> None:
    response = api.post("/v1/subscriptions", company.identity, body(**overrides))
    assert (response.status, response.body["type"]) == (400, "BAD_REQUEST"), response.body
    assert fragment in response.body["message"]


def test_local_mode_allows_a_plain_http_receiver_on_loopback(
    webhooks: Webhooks, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    webhooks.subscribe(company.identity, "http://127.0.0.1:9/hook")
    reconfigure(monkeypatch, WEBHOOK_LOCAL_MODE="false")
    refused = webhooks.api.post("/v1/subscriptions", company.identity, body(endpointUrl="http://127.0.0.1:9/hook"))
    assert refused.status == 400


def test_scopes_and_companies(api: ApiClient, company: Company, other_company: Company) -> None:
    reader = Identity(company_ids=(company.company_id,), scopes="export-jobs:read")
    assert api.post("/v1/subscriptions", reader, body()).status == 403
    subscription = api.post("/v1/subscriptions", company.identity, body()).data["id"]
    assert api.get(f"/v1/subscriptions/{subscription}", reader).status == 200
    assert api.get(f"/v1/subscriptions/{subscription}/secret", reader).status == 403
    both = Identity(company_ids=(company.company_id, other_company.company_id))
    assert api.post("/v1/subscriptions", both, body()).status == 400
    named = api.post("/v1/subscriptions", both, body(), query={"company_id": other_company.company_id})
    assert named.status == 200
    assert [s["id"] for s in api.get("/v1/subscriptions", other_company.identity).data] == [named.data["id"]]


def test_a_company_has_a_bounded_number_of_subscriptions(
    api: ApiClient, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconfigure(monkeypatch, WEBHOOK_MAX_SUBSCRIPTIONS_PER_COMPANY="2")
    assert api.post("/v1/subscriptions", company.identity, body()).status == 200
    assert api.post("/v1/subscriptions", company.identity, body()).status == 200
    refused = api.post("/v1/subscriptions", company.identity, body())
    assert refused.status == 400
    assert "at most 2" in refused.body["message"]
