"""Export items: each version's shape, snapshots of the entries, and only for open jobs."""

import uuid
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient
from tests.support.checks import assert_error
from tests.support.data import CLOSING, Company, accounting_entry, walk

VERSIONS = ("v0", "v1", "v2", "v3")
WITH_BOOKKEEPING = ("v2", "v3")


def ingest(company: Company, entries: list[dict[str, Any]]) -> None:
    response = company.api.post(f"/admin/companies/{company.company_id}/accounting-entries", ADMIN, entries)
    assert response.status == 201, response.body


def export_items(company: Company, job_id: str, version: str = "v3") -> list[dict[str, Any]]:
    return walk(company.api, f"/{version}/export-items", company.identity, {"job_id": job_id})


def as_stored(entry: dict[str, Any], company: Company) -> dict[str, Any]:
    """An ingested entry as the API gives it back: owned by the company, absent values left out."""
    stored = {k: v for k, v in entry.items() if v is not None}
    stored["accountingEntryLines"] = [
        {**line, "account": {k: v for k, v in line["account"].items() if v is not None}}
        for line in entry["accountingEntryLines"]
    ]
    return {**stored, "companyId": company.company_id}


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_has_its_shape(api: ApiClient, version: str) -> None:
    company = Company.create(api, entries=0)
    entries = [accounting_entry(str(uuid.uuid4()), n) for n in range(3)]
    ingest(company, entries)
    company.entry_ids = sorted(e["accountingEntryId"] for e in entries)
    job = company.create_job()
    items = export_items(company, job["id"], version)
    expected = [as_stored(e, company) for e in sorted(entries, key=lambda e: e["accountingEntryId"])]
    if version not in WITH_BOOKKEEPING:
        expected = [{k: v for k, v in e.items() if k != "bookkeeping"} for e in expected]
    assert items == expected
    assert all(("bookkeeping" in item) == (version in WITH_BOOKKEEPING) for item in items)


@pytest.mark.parametrize("version", VERSIONS)
def test_export_items_are_the_jobs_entries(company: Company, version: str) -> None:
    chosen = company.entry_ids[5:17]
    job = company.create_job(chosen)
    response = company.api.get(f"/{version}/export-items", company.identity, {"job_id": job["id"], "limit": "5"})
    assert response.status == 200
    assert response.body["pagination"]["total"] == 12
    assert [i["accountingEntryId"] for i in response.data] == chosen[:5]
    items = export_items(company, job["id"], version)
    assert [i["accountingEntryId"] for i in items] == chosen
    assert {i["companyId"] for i in items} == {company.company_id}


def test_export_items_are_the_entries_as_stored_when_read(company: Company) -> None:
    entry_id = company.entry_ids[0]
    job = company.create_job([entry_id])
    (before,) = export_items(company, job["id"])
    assert before["note"] == "Team lunch #0"
    changed = accounting_entry(entry_id, 7)
    changed["note"] = "Changed while the job is open"
    ingest(company, [changed])
    # Projected from the stored entry at read time (design.md, 2026-12-01), not a copy made with the job.
    (after,) = export_items(company, job["id"])
    assert after == as_stored(changed, company)


def test_export_items_of_a_started_job(company: Company) -> None:
    job = company.create_job(company.entry_ids[:3])
    assert company.event(job["id"], "started") == 202
    assert [i["accountingEntryId"] for i in export_items(company, job["id"])] == company.entry_ids[:3]


@pytest.mark.parametrize(("events", "version"), CLOSING)
def test_a_finished_job_has_no_export_items(company: Company, events: list[str], version: str) -> None:
    job = company.create_job(company.entry_ids[:3])
    for event in events:
        assert company.event(job["id"], event) == 202
    response = company.api.get(f"/{version}/export-items", company.identity, {"job_id": job["id"]})
    body = assert_error(response, 422, "EXPORT_JOB_STATUS_UNPROCESSABLE")
    assert body["message"] == "Export Job is finished and can no longer be processed."


@pytest.mark.parametrize("version", VERSIONS)
def test_job_id_is_required(company: Company, version: str) -> None:
    company.create_job()
    response = company.api.get(f"/{version}/export-items", company.identity)
    assert_error(response, 400, "REQUIRED_PARAMETER_MISSING")


@pytest.mark.parametrize("version", VERSIONS)
def test_export_items_of_an_unknown_or_foreign_job_are_not_found(
    company: Company, other_company: Company, version: str
) -> None:
    theirs = other_company.create_job()
    foreign = company.api.get(f"/{version}/export-items", company.identity, {"job_id": theirs["id"]})
    missing = company.api.get(f"/{version}/export-items", company.identity, {"job_id": str(uuid.uuid4())})
    assert_error(foreign, 404, "EXPORT_NOT_FOUND")
    assert foreign.body == missing.body
