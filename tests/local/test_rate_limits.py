"""Per-company usage plans and the anonymous rate rule, over HTTP against `make run`'s server.

The server runs with small limits (PARAMETER_OVERRIDES, as `sam deploy --parameter-overrides` takes
them): a company past its plan's burst gets 429 with Retry-After while another company is served; a
flood of requests without a credential is limited by address and leaves the companies' plans alone;
an administrator moves a company to the high tier and its requests are metered by that plan.
"""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.local.server import running_server

BURST = 4
ANONYMOUS = 10
OVERRIDES = {
    "PARAMETER_OVERRIDES": (
        f"UsagePlanRateLimit=0.5 UsagePlanBurstLimit={BURST} UsagePlanDailyQuota=1000 "
        f"HighUsagePlanRateLimit=100 HighUsagePlanBurstLimit=100 AnonymousRateLimit={ANONYMOUS}"
    ),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_server(tmp_path_factory.mktemp("rate-limits"), demo_entries=10, settings=OVERRIDES) as running:
        yield running.demo


def _get(demo: dict[str, Any], path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(demo["baseUrl"] + path, headers=headers, timeout=10)


def _until_limited(demo: dict[str, Any], token: str) -> httpx.Response:
    for _ in range(BURST * 3):
        answer = _get(demo, "/v3/export-jobs", token)
        if answer.status_code != 200:
            return answer
    raise AssertionError(f"no request was limited past a burst of {BURST}")


@pytest.mark.xdist_group("rate-limits")
def test_a_company_past_its_plan_is_throttled_while_another_is_served(demo: dict[str, Any]) -> None:
    first, second = (company["bearerToken"] for company in demo["companies"][:2])
    limited = _until_limited(demo, first)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    body = limited.json()
    assert body["type"] == "TOO_MANY_REQUESTS"
    assert "Retry-After" in body["message"]
    assert _get(demo, "/v3/export-jobs", second).status_code == 200


@pytest.mark.xdist_group("rate-limits")
def test_an_unauthenticated_flood_is_limited_by_address_and_spares_the_companies(demo: dict[str, Any]) -> None:
    # The rule counts in 5-minute windows of the clock: a flood that straddles a window's edge starts
    # counting again, so it goes on until it has been limited three times (at most one edge is crossed).
    answers: list[int] = []
    while answers.count(429) < 3 and len(answers) < 2 * (ANONYMOUS + 3):
        answers.append(_get(demo, "/health").status_code)
    assert answers.count(429) >= 3, answers
    anonymous = _get(demo, "/v3/export-jobs")
    assert anonymous.status_code == 429
    assert anonymous.json()["type"] == "TOO_MANY_REQUESTS"
    # The companies' plans are untouched: the flood had no key to count against.
    company = demo["companies"][1]["bearerToken"]
    assert _get(demo, "/v3/export-jobs/" + str(uuid.uuid4()), company).status_code in {404, 200}


@pytest.mark.xdist_group("rate-limits")
def test_a_company_moved_to_the_high_tier_is_metered_by_it(demo: dict[str, Any]) -> None:
    company = demo["companies"][0]
    admin = {"Authorization": f"Bearer {demo['admin']['bearerToken']}", "Content-Type": "application/json"}
    path = f"{demo['baseUrl']}/admin/companies/{company['companyId']}/usage-plan"
    assert httpx.get(path, headers=admin).json() == {"data": {"companyId": company["companyId"], "tier": "standard"}}
    moved = httpx.put(path, headers=admin, content=json.dumps({"tier": "high"}))
    assert moved.status_code == 200, moved.text
    assert moved.json()["data"]["tier"] == "high"
    assert "key" not in moved.text.lower()
    unknown = httpx.put(path, headers=admin, content=json.dumps({"tier": "gold"}))
    assert unknown.status_code == 400
    assert unknown.json()["type"] == "BAD_REQUEST"
    assert "standard" in unknown.json()["message"]
    # The gateway reads a key's plan again within a second; the high tier's burst is 100.
    answers = []
    for _ in range(40):
        answers.append(_get(demo, "/v3/export-jobs", company["bearerToken"]).status_code)
    assert answers[-BURST * 3 :].count(200) == BURST * 3, answers


@pytest.mark.xdist_group("rate-limits")
def test_a_credential_of_a_company_never_set_up_is_refused(demo: dict[str, Any]) -> None:
    admin = {"Authorization": f"Bearer {demo['admin']['bearerToken']}"}
    stranger = str(uuid.uuid4())
    absent = httpx.get(f"{demo['baseUrl']}/admin/companies/{stranger}/usage-plan", headers=admin)
    assert absent.status_code == 404
    assert absent.json()["type"] == "NOT_FOUND"
