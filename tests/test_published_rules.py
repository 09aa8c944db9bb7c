"""The rules of Pleo's published Export API (v32.1.0) that the reconstruction had wrong, through the handlers:
status codes, v3's own job shapes, failure reasons per version, job items by accounting entry, pages without
nulls, and request bodies that ignore unknown fields like Pleo's service."""

import uuid

import pytest

from tests.support.api import ApiClient
from tests.support.checks import assert_error
from tests.support.data import Company, accounting_settings, failed, item_update, successful

V3_ONLY_REASONS = ("vendor_unknown", "account_unknown", "tax_code_unknown", "tag_unknown")


@pytest.fixture
def company(api: ApiClient) -> Company:
    return Company.create(api, entries=6)


@pytest.mark.parametrize(("version", "status"), [("v0", 200), ("v1", 200), ("v2", 201), ("v3", 201)])
def test_create_answers_as_published(company: Company, version: str, status: int) -> None:
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:2]}
    response = company.api.post(f"/{version}/export-jobs", company.identity, body)
    assert response.status == status, response.body
    job = response.data
    assert job["status"] == "pending"
    assert job["numberOfItems"] == 2
    # Every item can be read as soon as the job is answered.
    assert sorted(i["accountingEntryId"] for i in company.items(job["id"], version=version)) == sorted(
        company.entry_ids[:2]
    )


def test_v3_item_failure_reasons(company: Company) -> None:
    job = company.create_job(company.entry_ids[:5], version="v3")
    updates = [
        item_update(e, "failed", failureReasonType=r) for e, r in zip(company.entry_ids, V3_ONLY_REASONS, strict=False)
    ]
    body = company.update_items(job["id"], updates, version="v3")
    assert body["errors"] == []
    assert sorted(i["failureReasonType"] for i in body["data"]) == sorted(V3_ONLY_REASONS)
    v3 = {i["accountingEntryId"]: i for i in company.items(job["id"], status="failed", version="v3")}
    assert {i["failureReasonType"] for i in v3.values()} == set(V3_ONLY_REASONS)
    # v0-v2 know 14 reasons: the "unknown mapping" ones show as missing configuration there.
    for version in ("v0", "v1", "v2"):
        older = company.items(job["id"], status="failed", version=version)
        assert {i["failureReasonType"] for i in older} == {"missing_configuration"}
        assert {i["accountingEntryId"] for i in older} == set(v3)


@pytest.mark.parametrize("version", ["v0", "v1", "v2"])
def test_older_versions_refuse_v3_only_reasons(company: Company, version: str) -> None:
    job = company.create_job(company.entry_ids[:2], version="v3")
    bad = [item_update(company.entry_ids[0], "failed", failureReasonType="vendor_unknown")]
    error = assert_error(company.api.put(f"/{version}/export-jobs/{job['id']}/items", company.identity, bad), 400)
    assert "vendor_unknown" in error["message"]
    assert {i["status"] for i in company.items(job["id"])} == {"pending"}


@pytest.mark.parametrize("version", ["v0", "v1", "v2", "v3"])
def test_more_than_100_items_is_a_413(company: Company, version: str) -> None:
    job = company.create_job(company.entry_ids[:1], version="v3")
    too_many = [successful(str(uuid.uuid4())) for _ in range(101)]
    response = company.api.put(f"/{version}/export-jobs/{job['id']}/items", company.identity, too_many)
    assert_error(response, 413, "EXPORT_JOB_ITEMS_UPDATE_LIMIT")


def test_pages_carry_no_nulls_and_a_count_does_not_loop(company: Company) -> None:
    job = company.create_job(company.entry_ids[:3], version="v3")
    for path in ("/v3/export-jobs", f"/v3/export-jobs/{job['id']}/items"):
        response = company.api.get(path, company.identity, {"limit": "1"})
        pagination = response.body["pagination"]
        assert None not in pagination.values()
        assert None not in pagination["currentRequestPagination"].values()
        counted = company.api.get(path, company.identity, {"limit": "0"}).body["pagination"]
        assert counted["hasNextPage"] is False
        assert "endCursor" not in counted
        assert counted["total"] >= 1


def test_job_item_by_accounting_entry(company: Company, api: ApiClient) -> None:
    entry = company.entry_ids[0]
    first = company.create_job([entry, company.entry_ids[1]], version="v3")
    assert company.event(first["id"], "failed") == 202
    second = company.create_job([entry], version="v3")
    company.update_items(second["id"], [failed(entry)])
    query = {"company_id": company.company_id, "accounting_entry_id": entry}
    found = api.get("/v3/export-job-items", company.identity, query)
    assert found.status == 200, found.body
    # The entry's item in the most recent job that holds it.
    assert found.data["exportJobId"] == second["id"]
    assert found.data["status"] == "failed"
    missing = {"company_id": company.company_id, "accounting_entry_id": company.entry_ids[5]}
    assert_error(api.get("/v3/export-job-items", company.identity, missing), 404, "EXPORT_ENTRY_NOT_FOUND")
    # Another company's entries are not found through one's own company, nor reachable through theirs.
    other = Company.create(api, entries=1)
    assert_error(api.get("/v3/export-job-items", other.identity, {"accounting_entry_id": entry}), 404)
    assert_error(api.get("/v3/export-job-items", other.identity, query), 403)


def test_search_job_items(company: Company, api: ApiClient) -> None:
    job = company.create_job(company.entry_ids[:4], version="v3")
    company.update_items(job["id"], [successful(company.entry_ids[0]), failed(company.entry_ids[1])])
    wanted = [*company.entry_ids[:3], company.entry_ids[5]]  # the last is in no job
    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}
    while True:
        response = api.post(
            "/v3/export-job-items:search", company.identity, {"accountingEntryIds": wanted}, query=query
        )
        assert response.status == 200, response.body
        seen += [item["accountingEntryId"] for item in response.data]
        assert response.body["pagination"]["total"] == 3
        if not response.body["pagination"]["hasNextPage"]:
            break
        query = {"limit": "2", "after": response.body["pagination"]["endCursor"]}
    assert seen == sorted(company.entry_ids[:3])
    only_failed = api.post(
        "/v3/export-job-items:search", company.identity, {"accountingEntryIds": wanted, "status": "failed"}
    )
    assert [i["accountingEntryId"] for i in only_failed.data] == [company.entry_ids[1]]
    too_many = {"accountingEntryIds": [str(uuid.uuid4()) for _ in range(101)]}
    assert (
        "at most 100"
        in assert_error(api.post("/v3/export-job-items:search", company.identity, too_many), 400)["message"]
    )


def test_unknown_body_fields_are_ignored(company: Company) -> None:
    # Pleo's how-to sends `exportJobId` on events; a Spring service ignores fields it does not know.
    created = company.api.post(
        "/v3/export-jobs",
        company.identity,
        {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:2], "comment": "x"},
    )
    assert created.status == 201, created.body
    job_id = created.data["id"]
    assert company.event(job_id, "started", exportJobId=job_id, unexpected={"a": 1}) == 202
    body = company.update_items(job_id, [{**successful(company.entry_ids[0]), "note": "ignored"}])
    assert body["errors"] == []
    assert "note" not in body["data"][0]


def test_v3_creates_jobs_only_for_companies_with_contra_accounts(api: ApiClient) -> None:
    unmapped = Company.create(api, entries=2, contra_accounts_mapped=False)
    body = {"companyId": unmapped.company_id, "accountingEntryIds": unmapped.entry_ids}
    refused = assert_error(api.post("/v3/export-jobs", unmapped.identity, body), 400, "MISSING_CONTRA_ACCOUNTS")
    assert "contra" in refused["message"].lower()
    assert api.get("/v3/export-jobs", unmapped.identity, {"limit": "0"}).body["pagination"]["total"] == 0
    # v2 has no contra accounts: the same company creates its job there.
    assert api.post("/v2/export-jobs", unmapped.identity, body).status == 201
    # Mapped, v3 creates too (once the company's unfinished job is closed).
    unmapped.put_settings(accounting_settings(unmapped.company_id))
    (job,) = api.get("/v3/export-jobs", unmapped.identity).data
    assert unmapped.event(job["id"], "failed") == 202
    assert api.post("/v3/export-jobs", unmapped.identity, body).status == 201
