"""Attacks that once got further than a 4xx: each is answered as the caller's mistake, and nothing of the
service is left in a state it cannot account for."""

import json
import os
import stat
from pathlib import Path
from typing import Any

import boto3
import pytest
from export_api.services.authentication import ApiKeys
from export_api.settings import get_settings
from pytest_httpserver import HTTPServer

from export_api_local.config import LocalConfig
from export_api_local.server import write_demo_file
from export_api_local.template import load_template
from tests.auth.conftest import Tenant
from tests.auth.support import call
from tests.console.conftest import Console
from tests.support.data import Company
from tests.support.webhooks import Webhooks, received, reconfigure
from tests.test_observability import Output


@pytest.mark.parametrize(
    "authorization",
    ["Basic é", "Basic ZXhhbXBsZQ==é", "Basic \u0000", "Basic " + "é" * 300, "Basic /w=="],
    ids=["non-ascii", "base64 then non-ascii", "nul", "long non-ascii", "not utf-8 once decoded"],
)
def test_a_malformed_basic_credential_is_401_not_500(
    api_keys: ApiKeys, tenants: tuple[Tenant, Tenant], authorization: str
) -> None:
    response = call("GET", "/v3/export-jobs", authorization)
    assert response.status == 401, response.raw
    assert response.body["type"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customHeaders": {"X-Team": "café"}}, "customHeaders"),
        ({"customHeaders": {"X-Team": "a\u00a0b"}}, "customHeaders"),
        ({"endpointUrl": "http://0177.0.0.1:8080/hook"}, "not a valid IPv4 address"),
        ({"endpointUrl": "http://127.1:8080/hook"}, "not a valid IPv4 address"),
    ],
    ids=["non-ascii header value", "no-break space", "octal address", "short address"],
)
def test_a_subscription_delivery_could_not_send_is_refused_when_made(
    webhooks: Webhooks, company: Company, change: dict[str, Any], message: str
) -> None:
    body = {"endpointUrl": "http://127.0.0.1:8080/hook", "eventTypes": ["v1.export-job.created"], **change}
    response = webhooks.api.post("/v1/subscriptions", company.identity, body)
    assert response.status == 400, response.body
    assert message in response.body["message"]


def test_outside_local_mode_an_octal_address_is_refused_too(
    webhooks: Webhooks, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    reconfigure(monkeypatch, WEBHOOK_LOCAL_MODE="false")
    body = {"endpointUrl": "https://010.010.010.010/hook", "eventTypes": ["v1.export-job.created"]}
    response = webhooks.api.post("/v1/subscriptions", company.identity, body)
    assert (response.status, response.body["type"]) == (400, "BAD_REQUEST")
    assert "010.010.010.010" in response.body["message"]


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ({"customHeaders": {"X-Team": "café"}}, "header value"),
        ({"endpointUrl": "http://0177.0.0.1:{port}/hook"}, "endpointUrl"),
    ],
    ids=["non-ascii header value", "octal address"],
)
def test_a_stored_subscription_delivery_cannot_send_gets_failed_attempts_and_is_deactivated(
    webhooks: Webhooks,
    company: Company,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    stored: dict[str, Any],
    reason: str,
) -> None:
    """Written before its input was checked as it is now (here: straight into the table): every attempt is
    recorded with its reason, retried on the schedule, dead-lettered, and the subscription deactivated by the
    usual rule. Nothing goes round the queue unrecorded."""
    reconfigure(monkeypatch, WEBHOOK_DEACTIVATE_AFTER_SECONDS="0")
    subscription = webhooks.subscribe(company.identity, httpserver.url_for("/hook"), ["v1.export-job.created"])
    table = boto3.resource("dynamodb").Table(get_settings().required("webhooks_table_name"))
    values = {k: v.format(port=httpserver.port) if isinstance(v, str) else v for k, v in stored.items()}
    names = {f"#{k}": k for k in values}
    table.update_item(
        Key={"pk": f"SUB#{subscription}", "sk": "SUB"},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":{k}": v for k, v in values.items()},
    )
    company.create_job(company.entry_ids[:1])
    webhooks.deliver()
    assert received(httpserver) == []
    attempts = webhooks.deliveries(company.identity, subscription)
    assert [a["outcome"] for a in attempts] == ["retrying"]
    assert reason in attempts[0]["error"]
    state = webhooks.api.get(f"/v1/subscriptions/{subscription}", company.identity).data
    assert state["status"] == "INACTIVE"


def test_bad_credentials_are_counted_apart_so_the_errors_alarm_does_not_fire_on_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Lambda counts the authorizer's "Unauthorized" as a function error; each is also counted as a rejected
    credential, and the errors alarms subtract those: three bad tokens page nobody, a real failure does."""
    from functions.authorizer import admin, app

    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:api/api/GET/v3/export-jobs",
        "headers": {"Authorization": "Bearer not-a-token"},
        "requestContext": {"requestId": "req-1", "stage": "api"},
    }
    capsys.readouterr()
    for handler in (app.handler, app.handler, app.handler, admin.admin_handler):
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            handler(event, None)
    output = Output(capsys).read()
    assert output.count("CredentialsRejected", authorizer="api") == 3
    assert output.count("CredentialsRejected", authorizer="admin") == 1

    resources = load_template()["Resources"]
    for function, authorizer in (("AuthorizerFunction", "api"), ("AdminAuthorizerFunction", "admin")):
        metrics = {m["Id"]: m for m in resources[f"{function}ErrorsAlarm"]["Properties"]["Metrics"]}
        assert metrics["failures"]["Expression"] == "FILL(errors, 0) - FILL(rejected, 0)"
        assert metrics["failures"]["ReturnData"] is True
        errors = metrics["errors"]["MetricStat"]["Metric"]
        assert (errors["MetricName"], errors["Dimensions"]) == (
            "Errors",
            [{"Name": "FunctionName", "Value": {"Ref": function}}],
        )
        rejected = metrics["rejected"]["MetricStat"]["Metric"]
        assert rejected["MetricName"] == "CredentialsRejected"
        assert {"Name": "authorizer", "Value": authorizer} in rejected["Dimensions"]


def test_console_pages_may_not_be_framed_nor_run_foreign_scripts(console: Console, admin: str) -> None:
    for page in (console.get("/console", admin), console.get("/console/sign-in")):
        assert page.status == 200
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy
        assert "form-action 'self'" in policy
        assert page.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://attacker.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["another origin", "opaque origin", "cross-site fetch"],
)
def test_console_forms_posted_from_another_site_are_refused(
    console: Console, admin: str, headers: dict[str, str]
) -> None:
    token = admin.removeprefix("Bearer ")
    signed_in = console.post_form("/console/sign-in", f"token={token}", headers)
    assert signed_in.status == 403
    assert "set-cookie" not in {name.lower() for name in signed_in.headers}
    assert "another site" in signed_in.text
    assert console.post_form("/console/sign-out", "", headers).status == 403
    # The console's own forms, as a browser posts them: accepted.
    own = {"Origin": console.base_url, "Sec-Fetch-Site": "same-origin"}
    assert console.post_form("/console/sign-in", f"token={token}", own).status == 303
    assert console.post_form("/console/sign-out", "", own).status == 303


def test_the_demo_file_with_its_admin_token_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    config = LocalConfig(state_dir=tmp_path / "state")
    old_umask = os.umask(0o022)
    try:
        write_demo_file(config, {"admin": {"bearerToken": "secret"}})
        write_demo_file(config, {"admin": {"bearerToken": "rewritten"}})
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(config.demo_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.state_dir.stat().st_mode) == 0o700
    assert json.loads(config.demo_file.read_text())["admin"]["bearerToken"] == "rewritten"
