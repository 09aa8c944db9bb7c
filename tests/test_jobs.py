"""Export jobs: create (v0/v1), get and list (v0-v3), and company isolation."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.support.api import ApiClient, Identity
from tests.support.checks import assert_error
from tests.support.data import Company, walk

VERSIONS = ("v0", "v1", "v2", "v3")
CREATING_VERSIONS = ("v0", "v1")


def create(company: Company, version: str = "v1", **body: Any) -> Any:
    return company.api.post(
        f"/{version}/export-jobs",
        company.identity,
        {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:3], **body},
    )


def jobs_in_every_status(company: Company, open_status: str = "in_progress") -> dict[str, str]:
    """status -> id of a job of the company in that status (each with 2 entries): every closed status,
    and one open job (`open_status`), made last since a company has one unfinished job at a time."""
    ids: dict[str, str] = {}
    for status, events in {
        "completed": ("started", "completed"),
        "completed_with_errors": ("started", "completed_with_errors"),
        "failed": ("failed",),
    }.items():
        ids[status] = company.create_closed_job(company.entry_ids[:2], events)
    job = company.create_job(company.entry_ids[:2])
    if open_status == "in_progress":
        assert company.event(job["id"], "started") == 202
    ids[open_status] = job["id"]
    return ids


def listed(company: Company, version: str, query: dict[str, Any]) -> tuple[set[str], int]:
    response = company.api.get(f"/{version}/export-jobs", company.identity, {**query, "limit": "100"})
    assert response.status == 200, response.body
    assert not response.body["pagination"]["hasNextPage"]
    return {job["id"] for job in response.data}, response.body["pagination"]["total"]


# Create ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", CREATING_VERSIONS)
def test_create_makes_a_pending_job_with_one_pending_item_per_entry(company: Company, version: str) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    response = create(company, version, accountingEntryIds=company.entry_ids[:7])
    assert response.status == 200, response.body
    job = response.data
    assert job["status"] == "pending"
    assert job["companyId"] == company.company_id
    assert job["numberOfItems"] == 7
    assert job["isInteractive"] is True
    assert job["vendorBasedBookkeeping"] is False
    assert job["expiresIn"] == 3_600  # Pleo's published example, the default
    assert "createdBy" not in job
    assert "startedAt" not in job
    assert "completedAt" not in job
    created = datetime.fromisoformat(job["createdAt"])
    assert created >= before
    assert job["lastUpdatedAt"] == job["createdAt"]
    uuid.UUID(job["id"])
    assert company.job(job["id"]) == job
    items = company.items(job["id"])
    assert sorted(i["accountingEntryId"] for i in items) == sorted(company.entry_ids[:7])
    assert {i["status"] for i in items} == {"pending"}
    assert {i["exportJobId"] for i in items} == {job["id"]}
    assert all(set(i) == {"accountingEntryId", "exportJobId", "status"} for i in items)


@pytest.mark.parametrize("version", CREATING_VERSIONS)
def test_create_records_the_options(company: Company, version: str) -> None:
    employee = str(uuid.uuid4())
    response = create(
        company, version, employeeId=employee, isInteractive=False, options={"vendorBasedBookkeeping": True}
    )
    assert response.status == 200, response.body
    job = response.data
    assert job["createdBy"] == employee
    assert job["isInteractive"] is False
    assert job["vendorBasedBookkeeping"] is True
    assert company.job(job["id"]) == job


def test_create_reads_a_null_is_interactive_as_its_default(company: Company) -> None:
    response = create(company, isInteractive=None, employeeId=None, options={})
    assert response.status == 200, response.body
    assert response.data["isInteractive"] is True
    assert response.data["vendorBasedBookkeeping"] is False
    assert "createdBy" not in response.data


def job_count(company: Company) -> int:
    response = company.api.get("/v3/export-jobs", company.identity, {"limit": "0"})
    assert response.status == 200
    total: int = response.body["pagination"]["total"]
    return total


def test_create_refuses_entries_that_do_not_exist(company: Company) -> None:
    unknown = str(uuid.uuid4())
    response = create(company, accountingEntryIds=[company.entry_ids[0], unknown])
    body = assert_error(response, 400, "ACCOUNTING_ENTRY_DOES_NOT_EXIST")
    assert unknown in body["message"]
    assert job_count(company) == 0


def test_create_refuses_entries_of_another_company(company: Company, other_company: Company) -> None:
    response = create(company, accountingEntryIds=[company.entry_ids[0], other_company.entry_ids[0]])
    body = assert_error(response, 400, "ACCOUNTING_ENTRY_DOES_NOT_EXIST")
    assert other_company.entry_ids[0] in body["message"]
    assert job_count(company) == 0
    assert job_count(other_company) == 0


def test_create_refuses_an_entry_listed_twice(company: Company) -> None:
    assert_error(create(company, accountingEntryIds=[company.entry_ids[0]] * 2), 400, "BAD_REQUEST")
    assert job_count(company) == 0


def test_create_for_a_company_that_is_not_the_callers_is_forbidden(company: Company, other_company: Company) -> None:
    response = company.api.post(
        "/v1/export-jobs",
        company.identity,
        {"companyId": other_company.company_id, "accountingEntryIds": other_company.entry_ids[:1]},
    )
    assert_error(response, 403, "FORBIDDEN")
    assert job_count(other_company) == 0


def test_create_counts_the_job_on_its_company(company: Company) -> None:
    for expected in range(1, 4):
        response = create(company)
        assert response.status == 200
        assert job_count(company) == expected
        company.close(response.data["id"])


ALREADY_IN_PROGRESS = (
    "An export job is already in progress for this specific company. "
    "You cannot create a new export job until the current one has finished."
)


def job_item_records(job_id: str | None = None) -> list[dict[str, Any]]:
    """The items table's job item records (of one job, or of all): what a refused create must not leave."""
    table = boto3.resource("dynamodb").Table("test-items")
    records = table.scan()["Items"]
    prefix = f"ITEMS#{job_id}" if job_id else "ITEMS#"
    return [r for r in records if str(r["pk"]).startswith(prefix)]


@pytest.mark.parametrize("open_events", [(), ("started",)], ids=["pending", "in_progress"])
def test_one_unfinished_export_per_company(company: Company, other_company: Company, open_events: tuple[str]) -> None:
    first = create(company).data["id"]
    for event in open_events:
        assert company.event(first, event) == 202
    for version in CREATING_VERSIONS:
        body = assert_error(create(company, version), 409, "EXPORT_ALREADY_IN_PROGRESS")
        assert body["message"] == ALREADY_IN_PROGRESS
    # Nothing of the refused jobs was written; another company is not concerned.
    assert job_count(company) == 1
    assert {r["pk"] for r in job_item_records()} == {f"ITEMS#{first}"}
    assert create(other_company).status == 200
    # Once the job has finished, the company may export again.
    if not open_events:
        assert company.event(first, "started") == 202
    assert company.event(first, "completed") == 202
    second = create(company)
    assert second.status == 200, second.body
    assert job_count(company) == 2


@pytest.mark.parametrize("closing", [("failed",), ("started", "failed"), ("started", "completed_with_errors")])
def test_every_closing_event_frees_the_company(company: Company, closing: tuple[str, ...]) -> None:
    job = create(company).data["id"]
    for event in closing:
        assert company.event(job, event) == 202
    assert create(company).status == 200


def test_job_items_are_readable_as_soon_as_the_job_is(company: Company) -> None:
    response = create(company, accountingEntryIds=company.entry_ids)
    job = response.data
    items = company.items(job["id"])
    assert sorted(i["accountingEntryId"] for i in items) == company.entry_ids
    assert {i["status"] for i in items} == {"pending"}
    # Each record names its company's entry and its job's creation time (the index by entry).
    records = job_item_records(job["id"])
    assert len(records) == len(company.entry_ids)
    for record in records:
        assert record["companyEntry"] == f"{company.company_id}#{record['sk']}"
        assert datetime.fromisoformat(record["jobCreatedAt"]) == datetime.fromisoformat(job["createdAt"])
    # An item update keeps them.
    company.update_items(job["id"], [{"accountingEntryId": company.entry_ids[0], "status": "in_progress"}])
    (updated,) = [r for r in job_item_records(job["id"]) if r["sk"] == company.entry_ids[0]]
    assert updated["status"] == "in_progress"
    assert updated["companyEntry"] == f"{company.company_id}#{company.entry_ids[0]}"
    assert updated["jobCreatedAt"] == records[0]["jobCreatedAt"]


def test_an_item_update_is_an_action_on_the_job(company: Company) -> None:
    job = create(company).data
    assert job["lastUpdatedAt"] == job["createdAt"]
    company.update_items(job["id"], [{"accountingEntryId": company.entry_ids[0], "status": "in_progress"}])
    touched = company.job(job["id"])["lastUpdatedAt"]
    # expiresIn counts from here (docs/workflow.md, "Sliding expiry").
    assert datetime.fromisoformat(touched) > datetime.fromisoformat(job["createdAt"])


# Get ------------------------------------------------------------------------------------------------


def test_every_version_reads_the_same_job(company: Company) -> None:
    job = company.create_job(version="v0")
    for version in VERSIONS:
        assert company.job(job["id"], version) == job


@pytest.mark.parametrize("version", VERSIONS)
def test_another_companys_job_is_exactly_as_unknown_as_a_missing_one(
    company: Company, other_company: Company, version: str
) -> None:
    theirs = other_company.create_job()
    foreign = company.api.get(f"/{version}/export-jobs/{theirs['id']}", company.identity)
    missing = company.api.get(f"/{version}/export-jobs/{uuid.uuid4()}", company.identity)
    assert_error(foreign, 404, "EXPORT_NOT_FOUND")
    assert foreign.body == missing.body
    assert foreign.status == missing.status
    for path in (f"/{version}/export-jobs/{theirs['id']}/items",):
        assert company.api.get(path, company.identity).body == foreign.body
        assert company.api.put(path, company.identity, []).body == foreign.body


# List -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "open_status"), [(v, s) for v in VERSIONS for s in ("pending", "in_progress")])
def test_list_filters_by_statuses(company: Company, version: str, open_status: str) -> None:
    ids = jobs_in_every_status(company, open_status)
    assert listed(company, version, {}) == (set(ids.values()), 4)
    assert listed(company, version, {"company_id": company.company_id}) == (set(ids.values()), 4)
    for status in ("pending", "in_progress", "completed", "completed_with_errors", "failed"):
        expected = {ids[status]} if status in ids else set()
        assert listed(company, version, {"statuses": [status]}) == (expected, len(expected))
    closed = ["completed", "completed_with_errors", "failed"]
    assert listed(company, version, {"statuses": closed}) == ({ids[s] for s in closed}, 3)
    twice = {ids["pending"]} if "pending" in ids else set()
    assert listed(company, version, {"statuses": ["pending", "pending"]}) == (twice, len(twice))


@pytest.mark.parametrize("version", ["v0", "v1", "v2"])
def test_the_deprecated_status_filter_until_v2(company: Company, version: str) -> None:
    ids = jobs_in_every_status(company)
    assert listed(company, version, {"status": "in_progress"}) == ({ids["in_progress"]}, 1)
    # Together with `statuses`, jobs in any of the named statuses (docs/decisions.md).
    assert listed(company, version, {"status": "failed", "statuses": ["completed"]}) == (
        {ids["failed"], ids["completed"]},
        2,
    )


def test_v3_has_no_status_filter(company: Company) -> None:
    ids = jobs_in_every_status(company)
    # `status` is not a v3 parameter: like any unknown query parameter it is ignored.
    assert listed(company, "v3", {"status": "in_progress"}) == (set(ids.values()), 4)
    assert listed(company, "v3", {"statuses": ["in_progress"]}) == ({ids["in_progress"]}, 1)


def test_list_shows_only_the_callers_company(company: Company, other_company: Company) -> None:
    mine = company.create_job()
    theirs = other_company.create_job()
    assert listed(company, "v3", {}) == ({mine["id"]}, 1)
    assert listed(other_company, "v3", {}) == ({theirs["id"]}, 1)
    response = company.api.get("/v3/export-jobs", company.identity, {"company_id": other_company.company_id})
    assert_error(response, 403, "FORBIDDEN")


def test_a_caller_of_several_companies_names_one(api: ApiClient, company: Company, other_company: Company) -> None:
    mine = company.create_job()
    theirs = other_company.create_job()
    both = Identity(company_ids=(company.company_id, other_company.company_id))
    assert_error(api.get("/v3/export-jobs", both), 400, "REQUIRED_PARAMETER_MISSING")
    for target, job in ((company, mine), (other_company, theirs)):
        response = api.get("/v3/export-jobs", both, {"company_id": target.company_id})
        assert [j["id"] for j in response.data] == [job["id"]]
        assert api.get(f"/v3/export-jobs/{job['id']}", both).data == job


def test_list_is_ordered_by_creation(company: Company) -> None:
    created = [company.create_closed_job(company.entry_ids[:1]) for _ in range(4)]
    in_order = walk(company.api, "/v3/export-jobs", company.identity)
    assert [j["id"] for j in in_order] == created
    newest_first = walk(
        company.api, "/v3/export-jobs", company.identity, {"sorting_keys": ["createdAt"], "sorting_order": ["DESC"]}
    )
    assert [j["id"] for j in newest_first] == created[::-1]


def test_list_total_follows_transitions(company: Company) -> None:
    job = company.create_job()
    assert listed(company, "v3", {"statuses": ["pending"]})[1] == 1
    assert company.event(job["id"], "started") == 202
    assert listed(company, "v3", {"statuses": ["pending"]}) == (set(), 0)
    assert listed(company, "v3", {"statuses": ["in_progress"]}) == ({job["id"]}, 1)
    assert company.event(job["id"], "completed") == 202
    assert listed(company, "v3", {"statuses": ["in_progress"]}) == (set(), 0)
    assert listed(company, "v3", {"statuses": ["completed"]}) == ({job["id"]}, 1)
    assert listed(company, "v3", {}) == ({job["id"]}, 1)
