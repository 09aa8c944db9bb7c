"""Export job items: listing with a status filter, and the batch PUT (partial success, limit, closed jobs)."""

import uuid

import pytest

from tests.support.api import ApiClient, Identity
from tests.support.checks import assert_counters_match_a_recount, assert_error, item_totals
from tests.support.data import CLOSING, ITEM_STATUSES, Company, failed, item_update, successful
from tests.support.workflow import wait_until_ended

VERSIONS = ("v0", "v1", "v2", "v3")


@pytest.mark.parametrize("version", ["v0", "v3"])
def test_list_items_by_status(company: Company, version: str) -> None:
    job = company.create_job()
    ids = company.entry_ids
    assert company.event(job["id"], "started") == 202
    company.update_items(job["id"], [successful(e) for e in ids[:4]] + [failed(e) for e in ids[4:6]], version)
    company.update_items(job["id"], [item_update(e, "in_progress") for e in ids[6:9]], version)
    by_status = {s: company.items(job["id"], s, version) for s in ITEM_STATUSES}
    assert sorted(i["accountingEntryId"] for i in by_status["successful"]) == ids[:4]
    assert sorted(i["accountingEntryId"] for i in by_status["failed"]) == ids[4:6]
    assert sorted(i["accountingEntryId"] for i in by_status["in_progress"]) == ids[6:9]
    assert sorted(i["accountingEntryId"] for i in by_status["pending"]) == ids[9:]
    assert by_status["abandoned"] == []
    assert_counters_match_a_recount(company, job["id"])


@pytest.mark.parametrize("version", VERSIONS)
def test_put_is_a_partial_success(company: Company, version: str) -> None:
    job = company.create_job(company.entry_ids[:10])
    unknown = str(uuid.uuid4())
    not_in_job = company.entry_ids[20]
    body = company.update_items(
        job["id"],
        [successful(company.entry_ids[0], "ERP-0"), item_update(unknown, "successful"), failed(not_in_job)],
        version,
    )
    assert body["data"] == [
        {
            "accountingEntryId": company.entry_ids[0],
            "exportJobId": job["id"],
            "status": "successful",
            "exportedAt": "2026-10-02T12:00:00Z",
            "externalId": "ERP-0",
            "externalUrl": "https://erp.example.com/entries/ERP-0",
        }
    ]
    assert [(e["accountingEntryId"], e["type"]) for e in body["errors"]] == [
        (unknown, "ACCOUNTING_ENTRY_DOES_NOT_EXIST"),
        (not_in_job, "ACCOUNTING_ENTRY_DOES_NOT_EXIST"),
    ]
    assert all(e["message"] for e in body["errors"])
    stored = {i["accountingEntryId"]: i for i in company.items(job["id"])}
    assert stored[company.entry_ids[0]] == body["data"][0]
    assert not_in_job not in stored
    assert unknown not in stored
    assert_counters_match_a_recount(company, job["id"])


def test_put_of_only_unknown_entries_changes_nothing(company: Company) -> None:
    job = company.create_job(company.entry_ids[:5])
    before = company.state(job["id"])
    body = company.update_items(job["id"], [successful(str(uuid.uuid4())), successful(company.entry_ids[9])])
    assert body["data"] == []
    assert len(body["errors"]) == 2
    assert company.state(job["id"]) == before


def test_an_empty_put_changes_nothing(company: Company) -> None:
    job = company.create_job(company.entry_ids[:5])
    before = company.state(job["id"])
    assert company.update_items(job["id"], []) == {"data": [], "errors": []}
    assert company.state(job["id"]) == before


def test_put_replaces_the_result_fields_last_write_wins(company: Company) -> None:
    job = company.create_job(company.entry_ids[:3])
    entry = company.entry_ids[0]
    company.update_items(job["id"], [failed(entry)])
    first = company.items(job["id"], "failed")
    assert first[0]["failureReasonType"] == "accounting_system_validation_failure"
    assert first[0]["failureReason"] == "Account 6100 is closed"
    # A retry that succeeds leaves no stale failure behind.
    company.update_items(job["id"], [successful(entry, "ERP-9")])
    (item,) = company.items(job["id"], "successful")
    assert item == {
        "accountingEntryId": entry,
        "exportJobId": job["id"],
        "status": "successful",
        "exportedAt": "2026-10-02T12:00:00Z",
        "externalId": "ERP-9",
        "externalUrl": "https://erp.example.com/entries/ERP-9",
    }
    assert company.items(job["id"], "failed") == []
    # Repeating a PUT is harmless.
    company.update_items(job["id"], [successful(entry, "ERP-9")])
    assert company.items(job["id"], "successful") == [item]
    assert_counters_match_a_recount(company, job["id"])


def test_put_of_exactly_100_items_updates_them_all(api: ApiClient) -> None:
    company = Company.create(api, entries=100)
    job = company.create_job()
    body = company.update_items(job["id"], [successful(e, f"ERP-{n}") for n, e in enumerate(company.entry_ids[:100])])
    assert len(body["data"]) == 100
    assert body["errors"] == []
    assert_counters_match_a_recount(company, job["id"])
    assert item_totals(company, job["id"])["successful"] == 100


@pytest.mark.parametrize(("events", "version"), CLOSING)
def test_a_closed_job_takes_no_item_updates(company: Company, events: list[str], version: str) -> None:
    job = company.create_job(company.entry_ids[:5])
    for event in events:
        assert company.event(job["id"], event) == 202
    wait_until_ended(job["id"])
    before = company.state(job["id"])
    response = company.api.put(
        f"/{version}/export-jobs/{job['id']}/items", company.identity, [successful(company.entry_ids[0])]
    )
    assert_error(response, 422, "EXPORT_JOB_STATUS_UNPROCESSABLE")
    assert company.state(job["id"]) == before


def test_items_of_a_pending_and_a_started_job_can_be_updated(company: Company) -> None:
    job = company.create_job(company.entry_ids[:4])
    company.update_items(job["id"], [item_update(company.entry_ids[0], "in_progress")])
    assert company.event(job["id"], "started") == 202
    company.update_items(job["id"], [successful(company.entry_ids[0]), failed(company.entry_ids[1])])
    assert item_totals(company, job["id"]) == {
        "pending": 2,
        "in_progress": 0,
        "failed": 1,
        "successful": 1,
        "abandoned": 0,
        "all": 4,
    }


def test_an_entry_sent_twice_in_one_put_is_refused(company: Company) -> None:
    job = company.create_job(company.entry_ids[:4])
    before = company.state(job["id"])
    entry = company.entry_ids[0]
    response = company.api.put(
        f"/v3/export-jobs/{job['id']}/items", company.identity, [successful(entry), failed(entry)]
    )
    assert_error(response, 400, "BAD_REQUEST")
    assert company.state(job["id"]) == before


@pytest.mark.slow
def test_counters_survive_many_updates(company: Company) -> None:
    job = company.create_job()
    ids = company.entry_ids
    assert company.event(job["id"], "started") == 202
    rounds = [
        [item_update(e, "in_progress") for e in ids[:20]],
        [successful(e) for e in ids[:10]] + [failed(e) for e in ids[10:15]],
        [successful(e) for e in ids[10:15]] + [item_update(e, "pending") for e in ids[15:20]],
        [failed(e) for e in ids[:3]] + [successful(str(uuid.uuid4()))],
    ]
    for updates in rounds:
        company.update_items(job["id"], updates)
        assert_counters_match_a_recount(company, job["id"])
    assert item_totals(company, job["id"]) == {
        "pending": 15,
        "in_progress": 0,
        "failed": 3,
        "successful": 12,
        "abandoned": 0,
        "all": 30,
    }


def test_a_credential_of_no_company_finds_no_job(api: ApiClient, company: Company) -> None:
    job = company.create_job(company.entry_ids[:3])
    before = company.state(job["id"])
    nobody = Identity(company_ids=())
    entry = company.entry_ids[0]
    for version in ("v0", "v3"):
        path = f"/{version}/export-jobs/{job['id']}"
        assert_error(api.get(path, nobody), 404, "EXPORT_NOT_FOUND")
        assert_error(api.get(f"{path}/items", nobody), 404, "EXPORT_NOT_FOUND")
        assert_error(api.put(f"{path}/items", nobody, [successful(entry)]), 404, "EXPORT_NOT_FOUND")
        assert_error(api.put(f"{path}/items", nobody, [successful(str(uuid.uuid4()))]), 404, "EXPORT_NOT_FOUND")
        assert_error(api.get(f"/{version}/export-items", nobody, {"job_id": job["id"]}), 404, "EXPORT_NOT_FOUND")
        event = {"jobId": job["id"], "event": "started"}
        assert_error(api.post(f"/{version}/export-job-events", nobody, event), 404, "EXPORT_NOT_FOUND")
        assert_error(api.get(f"/{version}/export-jobs", nobody), 400, "REQUIRED_PARAMETER_MISSING")
        query = {"company_id": company.company_id}
        assert_error(api.get(f"/{version}/export-jobs", nobody, query), 403, "FORBIDDEN")
    assert company.state(job["id"]) == before
