"""Export job events: the lifecycle (docs/decisions.md, "Job lifecycle") through the handlers, and what each
event records. What the job's execution does after a closing event (finalizing it) is waited for."""

import uuid
from datetime import datetime

import pytest

from tests.support.api import ApiClient
from tests.support.checks import assert_counters_match_a_recount, assert_error, item_totals
from tests.support.data import Company, failed, item_update, successful
from tests.support.workflow import wait_until_ended

VERSIONS = ("v0", "v1", "v2", "v3")
EVENTS = ("started", "completed", "completed_with_errors", "failed")
# The events that bring a new job to each status.
PATHS = {
    "pending": [],
    "in_progress": ["started"],
    "completed": ["started", "completed"],
    "completed_with_errors": ["started", "completed_with_errors"],
    "failed": ["failed"],
}
# docs/decisions.md, "Job lifecycle": (from status, event) -> new status; every other cell is a 422.
TABLE = {
    ("pending", "started"): "in_progress",
    ("pending", "failed"): "failed",
    ("in_progress", "completed"): "completed",
    ("in_progress", "completed_with_errors"): "completed_with_errors",
    ("in_progress", "failed"): "failed",
}
CELLS = [(status, event) for status in PATHS for event in EVENTS]


def job_in(company: Company, status: str, entries: int = 4) -> str:
    job = company.create_job(company.entry_ids[:entries])
    for event in PATHS[status]:
        assert company.event(job["id"], event) == 202
    if PATHS[status][-1:] in (["completed"], ["completed_with_errors"], ["failed"]):
        # Closed: its execution finalizes it; what the test then compares is the finalized job.
        wait_until_ended(job["id"])
    assert company.job(job["id"])["status"] == status
    job_id: str = job["id"]
    return job_id


@pytest.mark.parametrize(("status", "event"), CELLS, ids=[f"{s}-{e}" for s, e in CELLS])
def test_transition_table(company: Company, status: str, event: str) -> None:
    job_id = job_in(company, status)
    before = company.state(job_id)
    response = company.api.post("/v3/export-job-events", company.identity, {"jobId": job_id, "event": event})
    if (status, event) in TABLE:
        assert response.status == 202, response.body
        assert response.raw_body in (None, "")
        after = company.job(job_id)
        assert after["status"] == TABLE[(status, event)]
        assert datetime.fromisoformat(after["lastUpdatedAt"]) > datetime.fromisoformat(before[0]["lastUpdatedAt"])
    else:
        body = assert_error(response, 422, "INVALID_EXPORT_JOB_STATUS_CHANGE")
        assert body["message"].startswith("Export Job status change failed")
        assert company.state(job_id) == before


@pytest.mark.parametrize(("version", "code"), [("v0", 200), ("v1", 200), ("v2", 202), ("v3", 202)])
def test_event_answer_per_version(company: Company, version: str, code: int) -> None:
    job = company.create_job(company.entry_ids[:2])
    for event, status in (("started", "in_progress"), ("completed", "completed")):
        response = company.api.post(
            f"/{version}/export-job-events", company.identity, {"jobId": job["id"], "event": event}
        )
        assert response.status == code
        assert response.body is None
        assert company.job(job["id"])["status"] == status
    # Every version refuses the same invalid change.
    response = company.api.post(
        f"/{version}/export-job-events", company.identity, {"jobId": job["id"], "event": "started"}
    )
    assert_error(response, 422, "INVALID_EXPORT_JOB_STATUS_CHANGE")


def test_started_and_completed_set_their_timestamps(company: Company) -> None:
    job = company.create_job(company.entry_ids[:2])
    assert company.event(job["id"], "started") == 202
    started = company.job(job["id"])
    assert "completedAt" not in started
    assert started["startedAt"] == started["lastUpdatedAt"]
    assert datetime.fromisoformat(started["startedAt"]) > datetime.fromisoformat(job["createdAt"])
    assert company.event(job["id"], "completed") == 202
    done = company.job(job["id"])
    assert done["startedAt"] == started["startedAt"]
    assert done["completedAt"] == done["lastUpdatedAt"]
    assert datetime.fromisoformat(done["completedAt"]) > datetime.fromisoformat(started["startedAt"])
    assert "failureReason" not in done
    assert "failureReasonType" not in done


@pytest.mark.parametrize("from_status", ["pending", "in_progress"])
def test_failed_records_the_reason(company: Company, from_status: str) -> None:
    job_id = job_in(company, from_status)
    status = company.event(
        job_id, "failed", failureReason="Cannot reach the ERP", failureReasonType="accounting_system_unreachable"
    )
    assert status == 202
    job = company.job(job_id)
    assert job["status"] == "failed"
    assert job["failureReason"] == "Cannot reach the ERP"
    assert job["failureReasonType"] == "accounting_system_unreachable"
    assert job["completedAt"] == job["lastUpdatedAt"]
    assert ("startedAt" in job) == (from_status == "in_progress")


def test_completed_with_errors_keeps_a_reason_sent_with_it(company: Company) -> None:
    job_id = job_in(company, "in_progress")
    assert company.event(job_id, "completed_with_errors", failureReason="2 receipts missing") == 202
    job = company.job(job_id)
    assert job["status"] == "completed_with_errors"
    assert job["failureReason"] == "2 receipts missing"
    assert "failureReasonType" not in job


@pytest.mark.parametrize("from_status", ["pending", "in_progress"])
def test_failing_a_job_abandons_its_unfinished_items(company: Company, from_status: str) -> None:
    job_id = job_in(company, from_status, entries=12)
    ids = company.entry_ids
    company.update_items(
        job_id, [successful(e) for e in ids[:3]] + [failed(e) for e in ids[3:5]] + [item_update(ids[5], "in_progress")]
    )
    finished = {i["accountingEntryId"]: i for i in company.items(job_id) if i["status"] in ("successful", "failed")}
    assert company.event(job_id, "failed", failureReasonType="validation_failure") == 202
    wait_until_ended(job_id)
    items = {i["accountingEntryId"]: i for i in company.items(job_id)}
    for entry, item in items.items():
        if entry in finished:
            assert item == finished[entry]
        else:
            assert item["status"] == "abandoned", item
    assert len(company.items(job_id, "abandoned")) == 7
    assert_counters_match_a_recount(company, job_id)


@pytest.mark.parametrize("event", ["completed", "completed_with_errors"])
def test_completing_a_job_leaves_its_items_as_they_are(company: Company, event: str) -> None:
    job_id = job_in(company, "in_progress", entries=8)
    ids = company.entry_ids
    company.update_items(
        job_id, [successful(e) for e in ids[:3]] + [failed(ids[3]), item_update(ids[4], "in_progress")]
    )
    items = company.items(job_id)
    assert company.event(job_id, event) == 202
    wait_until_ended(job_id)
    assert company.items(job_id) == items
    assert company.items(job_id, "abandoned") == []
    assert_counters_match_a_recount(company, job_id)


def test_failing_a_large_job_abandons_every_item(api: ApiClient) -> None:
    """More items than one DynamoDB transaction holds (99 and a counter): abandoning runs in batches."""
    company = Company.create(api, entries=100)
    job = company.create_job()
    assert company.event(job["id"], "failed") == 202
    wait_until_ended(job["id"])
    assert len(company.items(job["id"], "abandoned")) == 100
    assert item_totals(company, job["id"]) == {
        "pending": 0,
        "in_progress": 0,
        "failed": 0,
        "successful": 0,
        "abandoned": 100,
        "all": 100,
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_an_event_for_an_unknown_or_foreign_job_is_not_found(
    company: Company, other_company: Company, version: str
) -> None:
    theirs = other_company.create_job()
    before = other_company.state(theirs["id"])
    path = f"/{version}/export-job-events"
    foreign = company.api.post(path, company.identity, {"jobId": theirs["id"], "event": "started"})
    missing = company.api.post(path, company.identity, {"jobId": str(uuid.uuid4()), "event": "started"})
    assert_error(foreign, 404, "EXPORT_NOT_FOUND")
    assert foreign.body == missing.body
    assert other_company.state(theirs["id"]) == before
