"""The local gateway (make run): routes from template.yaml, API Gateway REST proxy events, the
template's authorizer, and API Gateway's own answers in the contract's error shape."""

import json
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_api.settings import get_settings

from export_api_local import gateway as gateway_module
from export_api_local import template
from export_api_local.gateway import Gateway, HttpRequest, HttpResponse
from export_api_local.template import routes, table_definition
from tests.support.data import accounting_entry
from tests.support.keys import signer

ALL_SCOPES = ["export-jobs:read", "export-jobs:write", "export-items:read"]


def token(companies: list[str], scopes: list[str]) -> str:
    return signer(admin="admin" in scopes).mint("gateway-tests", companies, scopes, ttl=timedelta(minutes=5))


def request(
    method: str,
    path: str,
    *,
    bearer: str | None = None,
    query: list[tuple[str, str]] | None = None,
    body: Any = None,
    headers: list[tuple[str, str]] | None = None,
) -> HttpRequest:
    sent = [("host", "127.0.0.1:3000"), ("content-type", "application/json"), *(headers or [])]
    if bearer:
        sent.append(("authorization", f"Bearer {bearer}"))
    return HttpRequest(
        method=method,
        path=path,
        query=query or [],
        headers=sent,
        body=json.dumps(body).encode() if body is not None else b"",
    )


def concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", lambda _: str(uuid.uuid4()), path)


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, aws_mock: None) -> Iterator[list[dict[str, Any]]]:
    """Replaces every function's handler by one that records the event it gets (the authorizers still read
    their key set from Secrets Manager and the companies' usage keys from the credentials table: moto)."""
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": json.dumps({"function": context.function_name}),
        }

    monkeypatch.setattr(gateway_module, "handler_for", lambda _route: handler)
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**table_definition("CredentialsTable", get_settings().required("credentials_table_name")))
    try:
        yield events
    finally:
        dynamodb.delete_table(TableName=get_settings().required("credentials_table_name"))


def test_every_route_of_the_template_is_served() -> None:
    gateway = Gateway()
    assert routes(), "template.yaml declares no Api event"
    for route in routes():
        path = concrete(route.path)
        found = gateway.find(route.method, path)
        assert found is not None, f"{route.method} {route.path}"
        assert (found[0].function, found[0].path) == (route.function, route.path)


def test_a_route_added_to_the_template_is_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    probe = HttpRequest("GET", "/v9/export-items")
    unknown = Gateway().handle(probe)
    assert (unknown.status, unknown.json()["type"]) == (404, "NOT_FOUND")  # as template.yaml's gateway response

    text = template.TEMPLATE.read_text()
    anchor = "        ListExportItemsV3:\n"
    assert anchor in text
    extra = (
        "        ListExportItemsV9:\n"
        "          Type: Api\n"
        "          Properties:\n"
        "            RestApiId: !Ref ExportApi\n"
        "            Path: /v9/export-items\n"
        "            Method: get\n"
    )
    changed = tmp_path / "template.yaml"
    changed.write_text(text.replace(anchor, extra + anchor, 1))
    monkeypatch.setattr(template, "TEMPLATE", changed)
    template.load_template.cache_clear()
    template.routes.cache_clear()
    try:
        answer = Gateway().handle(probe)
    finally:
        template.load_template.cache_clear()
        template.routes.cache_clear()
    # Served now: the API's default authorizer guards it, like every other Export API route.
    assert answer.status == 401
    assert answer.json()["type"] == "UNAUTHORIZED"


def test_unknown_path_or_method_is_a_404_in_the_contract_shape() -> None:
    gateway = Gateway()
    for method, path in (("GET", "/v3/nothing-here"), ("DELETE", "/health"), ("GET", "/")):
        answer = gateway.handle(HttpRequest(method, path))
        assert answer.status == 404
        assert answer.json()["type"] == "NOT_FOUND"
        assert set(answer.json()) == {"type", "message"}
        assert answer.header("x-amzn-RequestId")


def test_the_proxy_event_is_the_one_api_gateway_sends(captured: list[dict[str, Any]]) -> None:
    company = str(uuid.uuid4())
    job_id = str(uuid.uuid4())
    answer = Gateway().handle(
        request(
            "GET",
            f"/v3/export-jobs/{job_id}/items",
            bearer=token([company], ALL_SCOPES),
            query=[("status", "failed"), ("sorting_keys", "accountingEntryId"), ("sorting_order", "DESC"), ("x", "")],
            headers=[("x-trace", "one"), ("x-trace", "two"), ("user-agent", "pytest")],
        )
    )
    assert answer.status == 200
    assert answer.json() == {"function": "ExportJobsFunction"}
    assert [v for k, v in answer.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    (event,) = captured
    assert event["resource"] == "/v3/export-jobs/{jobId}/items"
    assert event["path"] == f"/v3/export-jobs/{job_id}/items"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"jobId": job_id}
    assert event["multiValueQueryStringParameters"]["sorting_order"] == ["DESC"]
    assert event["queryStringParameters"]["x"] == ""
    assert event["multiValueHeaders"]["X-Trace"] == ["one", "two"]
    assert event["headers"]["X-Trace"] == "two"
    assert event["headers"]["User-Agent"] == "pytest"
    assert event["headers"]["Authorization"].startswith("Bearer ")
    context = event["requestContext"]
    assert context["stage"] == "api"
    assert context["resourcePath"] == "/v3/export-jobs/{jobId}/items"
    assert context["path"] == f"/api/v3/export-jobs/{job_id}/items"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    # What the template's authorizer (functions/authorizer) put there.
    assert context["authorizer"]["companyIds"] == company
    assert set(context["authorizer"]["scopes"].split()) == set(ALL_SCOPES)
    assert context["authorizer"]["principalId"] == "token:gateway-tests"


def test_repeated_query_parameters_reach_the_function(captured: list[dict[str, Any]]) -> None:
    company = str(uuid.uuid4())
    Gateway().handle(
        request(
            "GET",
            "/v3/export-jobs",
            bearer=token([company], ALL_SCOPES),
            query=[("statuses", "pending"), ("statuses", "failed")],
        )
    )
    (event,) = captured
    assert event["multiValueQueryStringParameters"]["statuses"] == ["pending", "failed"]
    assert event["queryStringParameters"]["statuses"] == "failed"


def test_the_body_is_passed_as_text(captured: list[dict[str, Any]]) -> None:
    body = {"jobId": str(uuid.uuid4()), "event": "started"}
    Gateway().handle(request("POST", "/v3/export-job-events", bearer=token([str(uuid.uuid4())], ALL_SCOPES), body=body))
    (event,) = captured
    assert json.loads(event["body"]) == body
    assert event["isBase64Encoded"] is False


def test_the_authorizer_answers_before_the_function(captured: list[dict[str, Any]]) -> None:
    gateway = Gateway()
    missing = gateway.handle(request("GET", "/v3/export-jobs"))
    assert missing.status == 401
    assert missing.json()["type"] == "UNAUTHORIZED"
    forged = gateway.handle(request("GET", "/v3/export-jobs", headers=[("authorization", "Bearer nope")]))
    assert forged.status == 401
    # The admin routes' authorizer wants an admin token (its own audience: an Export API token is
    # not one) with the admin scope.
    company = str(uuid.uuid4())
    path = f"/admin/companies/{company}/accounting-entries"
    assert gateway.handle(request("GET", path, bearer=token([company], ALL_SCOPES))).status == 401
    admin_audience = signer(admin=True).mint("gateway-tests", [company], ALL_SCOPES, ttl=timedelta(minutes=5))
    denied = gateway.handle(request("GET", path, bearer=admin_audience))
    assert denied.status == 403
    assert denied.json()["type"] == "FORBIDDEN"
    assert captured == []
    # A public route gets no authorizer context.
    assert gateway.handle(request("GET", "/health")).status == 200
    assert captured[-1]["requestContext"]["authorizer"] is None


def test_a_function_that_fails_is_a_502(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(gateway_module, "handler_for", lambda _route: broken)
    answer = Gateway().handle(request("GET", "/health"))
    assert answer.status == 502
    assert answer.json()["type"] == "INTERNAL_ERROR"


@pytest.fixture
def credentials_table(tables: None) -> Iterator[None]:
    name = get_settings().required("credentials_table_name")
    client = boto3.client("dynamodb")
    client.create_table(**table_definition("CredentialsTable", name))
    yield
    client.delete_table(TableName=name)


def test_a_job_through_the_real_functions(credentials_table: None) -> None:
    gateway = Gateway()
    company = str(uuid.uuid4())
    entries = sorted(str(uuid.uuid4()) for _ in range(3))

    def call(method: str, path: str, bearer: str, body: Any = None) -> HttpResponse:
        return gateway.handle(request(method, path, bearer=bearer, body=body))

    admin = token([], ["admin"])
    ingested = call(
        "POST",
        f"/admin/companies/{company}/accounting-entries",
        admin,
        [accounting_entry(e, i) for i, e in enumerate(entries)],
    )
    assert ingested.status == 201, ingested.body
    bearer = token([company], ALL_SCOPES)
    created = call("POST", "/v1/export-jobs", bearer, {"companyId": company, "accountingEntryIds": entries})
    assert created.status == 200, created.body
    job_id = created.json()["data"]["id"]
    assert call("POST", "/v3/export-job-events", bearer, {"jobId": job_id, "event": "started"}).status == 202
    got = call("GET", f"/v3/export-jobs/{job_id}", bearer)
    assert got.status == 200
    assert got.json()["data"]["status"] == "in_progress"
    assert got.header("content-type") == "application/json;charset=UTF-8"
    # Another company's token sees nothing of it.
    stranger = token([str(uuid.uuid4())], ALL_SCOPES)
    assert call("GET", f"/v3/export-jobs/{job_id}", stranger).status == 404
