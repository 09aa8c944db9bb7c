"""Test helpers (docs/admin-api.openapi.yaml, "Test helpers"): test clocks, fault injection and a job in
one call, through the Lambda handlers; jobs run on the state machine in moto (tests/support/workflow.py)."""

import uuid
from collections.abc import Iterator

import pytest
from export_api.models.enums import ExportJobStatus
from export_api.services.container import get_services
from export_api.settings import get_settings

from export_api_local.template import load_template
from tests.support.api import ADMIN, ApiClient, Identity
from tests.support.checks import assert_error
from tests.support.data import Company, successful
from tests.support.workflow import describe, states_entered, wait_for_token, wait_until, wait_until_ended


def helpers(company_id: str) -> str:
    return f"/admin/test-helpers/companies/{company_id}"


def _switch(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TEST_HELPERS", value)
    get_settings.cache_clear()
    get_services.cache_clear()


@pytest.fixture
def enabled(tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _switch(monkeypatch, "enabled")
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    get_services.cache_clear()


def test_with_the_template_default_every_helper_answers_404(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    default = load_template()["Parameters"]["TestHelpers"]["Default"]
    assert default == "disabled"
    _switch(monkeypatch, default)
    company_id = str(uuid.uuid4())
    calls = [
        ("GET", helpers(company_id), None),
        ("POST", helpers(company_id) + "/clock:advance", {"seconds": 60}),
        ("POST", helpers(company_id) + "/faults", {"status": 503}),
        ("GET", helpers(company_id) + "/faults", None),
        ("DELETE", helpers(company_id) + "/faults", None),
        ("DELETE", helpers(company_id) + "/faults/flt_0123456789abcdef", None),
        ("POST", helpers(company_id) + "/export-jobs", {"entries": [{"type": "mileage", "count": 1}]}),
    ]
    for method, path, body in calls:
        for identity in (ADMIN, Identity(company_ids=(company_id,))):
            assert_error(api.request(method, path, identity=identity, json_body=body), 404, "NOT_FOUND")


def test_helpers_are_for_admins_only(api: ApiClient, enabled: None, company: Company) -> None:
    assert_error(api.get(helpers(company.company_id), company.identity), 403, "FORBIDDEN")
    assert_error(api.post(helpers(company.company_id) + "/faults", company.identity, {"status": 503}), 403, "FORBIDDEN")


def test_advancing_the_clock_expires_the_pending_job_through_its_execution(
    api: ApiClient, enabled: None, company: Company, other_company: Company
) -> None:
    job_id = company.create_job()["id"]
    other_job_id = other_company.create_job()["id"]
    for waiting in (job_id, other_job_id):
        wait_for_token(waiting, ExportJobStatus.PENDING)

    response = api.post(helpers(company.company_id) + "/clock:advance", ADMIN, {"seconds": 3_000})
    assert response.status == 200, response.body
    assert response.data["advancedSeconds"] == 3_000
    assert response.data["openJobId"] == job_id
    # Not past its deadline yet: judged at once, the job waits again, for what is left.
    wait_until("the job waits again", lambda: states_entered(job_id).count("AwaitStart") == 2)
    assert company.job(job_id)["status"] == "pending"

    response = api.post(helpers(company.company_id) + "/clock:advance", ADMIN, {"seconds": 700})
    assert response.data["advancedSeconds"] == 3_700
    execution = wait_until_ended(job_id)
    assert execution["status"] == "FAILED"
    assert execution["error"] == "job_expired"
    assert states_entered(job_id) == [
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "AwaitStart",
        "CheckDeadline",
        "JobStatus",
        "Finalize",
        "JobOutcome",
        "JobFailed",
    ]
    job = company.job(job_id)
    assert (job["status"], job["failureReasonType"]) == ("failed", "job_expired")
    assert job["expiredAt"]
    assert {item["status"] for item in company.items(job_id)} == {"abandoned"}

    # The other company's job and clock are untouched.
    assert other_company.job(other_job_id)["status"] == "pending"
    assert describe(other_job_id)["status"] == "RUNNING"
    assert "CheckDeadline" not in states_entered(other_job_id)
    assert api.get(helpers(other_company.company_id), ADMIN).data["clock"]["advancedSeconds"] == 0
    clock = api.get(helpers(company.company_id), ADMIN).data["clock"]
    assert clock["advancedSeconds"] == 3_700


def test_a_started_job_is_judged_by_the_clock_too(api: ApiClient, enabled: None, company: Company) -> None:
    job_id = company.create_job()["id"]
    assert company.event(job_id, "started") == 202
    wait_for_token(job_id, ExportJobStatus.IN_PROGRESS)
    assert api.post(helpers(company.company_id) + "/clock:advance", ADMIN, {"seconds": 3_600}).status == 200
    assert wait_until_ended(job_id)["error"] == "job_expired"


def test_advancing_a_company_without_open_job_only_moves_its_clock(api: ApiClient, enabled: None) -> None:
    company_id = str(uuid.uuid4())
    response = api.post(helpers(company_id) + "/clock:advance", ADMIN, {"seconds": 5})
    assert response.status == 200, response.body
    assert "openJobId" not in response.data
    for bad in ({"seconds": 0}, {"seconds": "5"}, {"seconds": 5, "extra": 1}, {}):
        assert_error(api.post(helpers(company_id) + "/clock:advance", ADMIN, bad), 400)


def test_an_injected_503_answers_once_then_the_put_succeeds(
    api: ApiClient, enabled: None, company: Company, other_company: Company
) -> None:
    job_id = company.create_job()["id"]
    other_job_id = other_company.create_job()["id"]
    for owner, owned in ((company, job_id), (other_company, other_job_id)):
        assert owner.event(owned, "started") == 202
    fault = api.post(
        helpers(company.company_id) + "/faults", ADMIN, {"operation": "updateExportJobItems", "status": 503}
    )
    assert fault.status == 201, fault.body
    assert fault.data["remaining"] == 1
    assert api.get(helpers(company.company_id) + "/faults", ADMIN).data == [fault.data]

    # Another company's requests never take it, nor do the company's other operations.
    other_company.update_items(other_job_id, [successful(other_company.entry_ids[0])])
    assert company.job(job_id)["status"] == "in_progress"

    update = [successful(company.entry_ids[0])]
    failed = api.put(f"/v3/export-jobs/{job_id}/items", company.identity, update, check_contract=False)
    assert_error(failed, 503, "SERVICE_UNAVAILABLE")
    assert failed.headers["x-injected-fault"] == fault.data["id"]
    assert company.update_items(job_id, update)["data"]
    assert api.get(helpers(company.company_id) + "/faults", ADMIN).data == []


def test_a_429_carries_retry_after_and_faults_are_listed_and_cleared(
    api: ApiClient, enabled: None, company: Company
) -> None:
    path = helpers(company.company_id) + "/faults"
    storm = api.post(path, ADMIN, {"status": 429, "count": 2, "retryAfterSeconds": 7}).data
    delay = api.post(path, ADMIN, {"operation": "getExportJobsList", "delayMilliseconds": 1}).data
    assert [f["id"] for f in api.get(path, ADMIN).data] == [storm["id"], delay["id"]]
    state = api.get(helpers(company.company_id), ADMIN).data
    assert [f["id"] for f in state["faults"]] == [storm["id"], delay["id"]]

    # A caller of several companies takes the company's faults only for requests that name it.
    both = Identity(company_ids=(company.company_id, str(uuid.uuid4())))
    assert api.get("/v3/export-jobs", both, {"company_id": both.company_ids[1]}).status == 200
    assert [f["remaining"] for f in api.get(path, ADMIN).data] == [2, 1]
    throttled = api.get("/v3/export-jobs", both, {"company_id": company.company_id})
    assert_error(throttled, 429, "TOO_MANY_REQUESTS")
    assert throttled.headers["retry-after"] == "7"
    assert [f["remaining"] for f in api.get(path, ADMIN).data] == [1, 1]

    assert api.request("DELETE", f"{path}/{storm['id']}", identity=ADMIN).status == 204
    assert_error(api.request("DELETE", f"{path}/{storm['id']}", identity=ADMIN), 404)
    # The delay is taken, and the request then served as usual.
    assert api.get("/v3/export-jobs", company.identity).status == 200
    assert api.get(path, ADMIN).data == []

    api.post(path, ADMIN, {"status": 500, "count": 3})
    assert api.request("DELETE", path, identity=ADMIN).status == 204
    assert api.get(path, ADMIN).data == []
    for bad in ({"status": 418}, {}, {"status": 503, "delayMilliseconds": 5}, {"status": 503, "retryAfterSeconds": 1}):
        assert_error(api.post(path, ADMIN, bad), 400)


def test_a_job_in_one_call(api: ApiClient, enabled: None) -> None:
    company_id = str(uuid.uuid4())
    kinds = {"card_purchase": 2, "invoice": 1, "mileage": 1, "per_diem": 1, "refund": 1, "reimbursement": 1}
    body = {"entries": [{"type": kind, "count": count} for kind, count in kinds.items()]}
    response = api.post(helpers(company_id) + "/export-jobs", ADMIN, body)
    assert response.status == 201, response.body
    job = response.data
    assert (job["companyId"], job["status"], job["numberOfItems"]) == (company_id, "pending", 7)
    wait_for_token(job["id"], ExportJobStatus.PENDING)
    identity = Identity(company_ids=(company_id,))
    items = api.get("/v1/export-items", identity, {"job_id": job["id"], "limit": "100"}).data
    types = sorted(item["type"] for item in items)
    assert types.count("card_purchase") == 2
    assert {"invoice", "mileage", "per_diem", "refund"} <= set(types)
    assert_error(api.post(helpers(company_id) + "/export-jobs", ADMIN, body), 409, "EXPORT_ALREADY_IN_PROGRESS")
    unknown = {"entries": [{"type": "lottery", "count": 1}]}
    assert_error(api.post(helpers(str(uuid.uuid4())) + "/export-jobs", ADMIN, unknown), 400)
