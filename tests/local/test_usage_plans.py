"""Per-company usage plans through the local gateway in-process (moto): each company's key is made when
its first accounting entries are ingested, the authorizer names it, and the gateway meters the company
by its plan as API Gateway does: a token bucket (rate, burst) and a daily quota."""

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from export_api.services.container import get_services
from export_api.settings import get_settings

from export_api_local import usage_plans
from export_api_local.gateway import Gateway, HttpResponse, Limits
from export_api_local.template import table_definition
from tests.local.test_gateway import ALL_SCOPES, request, token
from tests.support.data import accounting_entry, accounting_settings

OVERRIDES = {"UsagePlanRateLimit": "1", "UsagePlanBurstLimit": "3", "UsagePlanDailyQuota": "5"}


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Stack:
    gateway: Gateway
    clock: Clock
    admin: str


@pytest.fixture
def stack(tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**table_definition("CredentialsTable", "test-credentials"))
    apigateway = boto3.client("apigateway")
    plans = usage_plans.provision(apigateway, f"test-{uuid.uuid4().hex[:8]}", OVERRIDES)
    monkeypatch.setenv("USAGE_PLAN_IDS", f"standard={plans['StandardUsagePlan']},high={plans['HighUsagePlan']}")
    get_settings.cache_clear()
    get_services.cache_clear()
    clock = Clock()
    meter = usage_plans.UsagePlanMeter(apigateway, refresh_seconds=0, clock=clock)
    try:
        yield Stack(Gateway(limits=Limits(usage_plans=meter)), clock, token([], ["admin"]))
    finally:
        dynamodb.delete_table(TableName="test-credentials")
        get_settings.cache_clear()
        get_services.cache_clear()


def set_up(stack: Stack) -> str:
    company = str(uuid.uuid4())
    path = f"/admin/companies/{company}/accounting-entries"
    answer = stack.gateway.handle(request("POST", path, bearer=stack.admin, body=[accounting_entry(str(uuid.uuid4()))]))
    assert answer.status == 201, answer.body
    return company


def jobs(stack: Stack, company: str) -> HttpResponse:
    return stack.gateway.handle(request("GET", "/v3/export-jobs", bearer=token([company], ALL_SCOPES)))


def test_a_company_is_metered_by_its_plan_burst_rate_and_daily_quota(stack: Stack) -> None:
    company, other = set_up(stack), set_up(stack)
    assert [jobs(stack, company).status for _ in range(4)] == [200, 200, 200, 429]
    throttled = jobs(stack, company)
    assert throttled.status == 429
    assert throttled.header("Retry-After") == "1"
    assert throttled.json()["type"] == "TOO_MANY_REQUESTS"
    assert jobs(stack, other).status == 200
    stack.clock.now += 2  # 1 request a second: two more
    assert [jobs(stack, company).status for _ in range(3)] == [200, 200, 429]
    stack.clock.now += 10  # the bucket is full again, but 5 of the day's 5 are spent
    exhausted = jobs(stack, company)
    assert exhausted.status == 429
    assert exhausted.header("Retry-After") == "3600"
    assert "daily request quota" in exhausted.json()["message"]


def test_a_credential_of_a_company_not_set_up_is_refused_with_a_clear_answer(stack: Stack) -> None:
    refused = jobs(stack, str(uuid.uuid4()))
    assert refused.status == 403
    assert refused.json() == {
        "type": "FORBIDDEN",
        "message": "Your company is not set up for the Export API yet: ask your administrator.",
    }


def test_a_credential_of_several_companies_is_metered_by_the_first_set_up(stack: Stack) -> None:
    company = set_up(stack)
    both = token(sorted([company, str(uuid.uuid4())]), ALL_SCOPES)
    query = [("company_id", company)]
    answers = [stack.gateway.handle(request("GET", "/v3/export-jobs", bearer=both, query=query)) for _ in range(4)]
    assert [a.status for a in answers] == [200, 200, 200, 429], answers[0].body
    # The same bucket as the company's own credential.
    assert jobs(stack, company).status == 429


def test_moving_a_company_between_tiers_keeps_one_key_on_one_plan(stack: Stack) -> None:
    company = set_up(stack)
    path = f"/admin/companies/{company}/usage-plan"
    for tier in ("high", "high", "standard", "high"):
        answer = stack.gateway.handle(request("PUT", path, bearer=stack.admin, body={"tier": tier}))
        assert answer.status == 200, answer.body
        assert answer.json() == {"data": {"companyId": company, "tier": tier}}
    apigateway = boto3.client("apigateway")
    keys = [k for k in apigateway.get_api_keys()["items"] if company in k["name"]]
    assert len(keys) == 1
    plans = apigateway.get_usage_plans(keyId=keys[0]["id"])["items"]
    assert [p["name"].rsplit("-", 1)[-1] for p in plans] == ["high"]
    got = stack.gateway.handle(request("GET", path, bearer=stack.admin))
    assert got.json()["data"]["tier"] == "high"


def test_a_usage_plan_body_is_validated(stack: Stack) -> None:
    company = set_up(stack)
    path = f"/admin/companies/{company}/usage-plan"
    for body, words in (({"tier": "gold"}, "standard"), ({"tier": "High!"}, "tier"), ({}, "tier")):
        answer = stack.gateway.handle(request("PUT", path, bearer=stack.admin, body=body))
        assert answer.status == 400, answer.body
        assert words in answer.json()["message"], answer.json()
    no_admin = stack.gateway.handle(request("PUT", path, bearer=token([company], ALL_SCOPES), body={"tier": "high"}))
    assert no_admin.status == 401  # an Export API token is no admin token


def test_concurrent_set_ups_of_one_company_leave_one_key(stack: Stack) -> None:
    company = str(uuid.uuid4())
    services = get_services()
    barrier = threading.Barrier(4)
    tiers: list[str] = []

    def set_up_once() -> None:
        barrier.wait()
        tiers.append(services.usage_plans.ensure(company).tier)

    threads = [threading.Thread(target=set_up_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tiers == ["standard"] * 4
    keys = [k for k in boto3.client("apigateway").get_api_keys()["items"] if company in k["name"]]
    assert len(keys) == 1, json.dumps(keys, default=str)


def test_a_company_whose_accounting_settings_are_put_is_set_up(stack: Stack) -> None:
    company = str(uuid.uuid4())
    assert jobs(stack, company).status == 403
    path = f"/admin/companies/{company}/accounting-settings"
    answer = stack.gateway.handle(request("PUT", path, bearer=stack.admin, body=accounting_settings(company)))
    assert answer.status == 200, answer.body
    assert jobs(stack, company).status == 200
