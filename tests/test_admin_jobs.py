"""Admin: every company's export jobs, one job and its items (docs/admin-api.openapi.yaml)."""

import uuid
from typing import Any

from tests.support.api import ADMIN, ApiClient
from tests.support.checks import assert_error
from tests.support.data import Company, failed, successful, walk


def pages_of(api: ApiClient, query: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of the admin job list, following endCursor with the page size asked for."""
    found: list[dict[str, Any]] = []
    while True:
        response = api.get("/admin/export-jobs", ADMIN, query)
        assert response.status == 200, response.body
        assert len(response.data) <= int(query["limit"])
        found.extend(response.data)
        if not response.body["pagination"]["hasNextPage"]:
            return found
        query = {**query, "after": response.body["pagination"]["endCursor"]}


def test_lists_every_companys_jobs_newest_first(api: ApiClient) -> None:
    first = Company.create(api, entries=6)
    second = Company.create(api, entries=6)
    made = [first.create_job(first.entry_ids[:2]), second.create_job(second.entry_ids[:3])]
    # One unfinished export per company: the first company's first job ends before its second.
    assert first.event(made[0]["id"], "failed") == 202
    made.append(first.create_job())

    newest_first = pages_of(api, {"sorting_keys": "createdAt", "sorting_order": "DESC", "limit": "2"})
    assert [job["id"] for job in newest_first] == [job["id"] for job in reversed(made)]
    assert [job["companyId"] for job in newest_first] == [first.company_id, second.company_id, first.company_id]
    assert [job["numberOfItems"] for job in newest_first] == [6, 3, 2]
    assert newest_first[2]["status"] == "failed"

    pending = walk(api, "/admin/export-jobs", ADMIN, {"statuses": "pending"})
    assert [job["id"] for job in pending] == [made[1]["id"], made[2]["id"]]
    one_company = api.get("/admin/export-jobs", ADMIN, {"company_id": first.company_id, "statuses": ["pending"]})
    assert [job["id"] for job in one_company.data] == [made[2]["id"]]
    assert one_company.body["pagination"]["total"] == 1
    assert "total" not in api.get("/admin/export-jobs", ADMIN).body["pagination"]  # no counter across companies


def test_a_job_and_its_items_by_status(api: ApiClient, company: Company) -> None:
    job = company.create_job(company.entry_ids[:4])
    assert company.event(job["id"], "started") == 202
    company.update_items(job["id"], [successful(company.entry_ids[0]), failed(company.entry_ids[1])])

    read = api.get(f"/admin/export-jobs/{job['id']}", ADMIN).data
    assert read["companyId"] == company.company_id
    assert read["itemCounts"] == {"pending": 2, "in_progress": 0, "failed": 1, "successful": 1, "abandoned": 0}
    items = api.get(f"/admin/export-jobs/{job['id']}/items", ADMIN, {"status": "failed"})
    assert [item["accountingEntryId"] for item in items.data] == [company.entry_ids[1]]
    assert items.body["pagination"]["total"] == 1
    assert len(walk(api, f"/admin/export-jobs/{job['id']}/items", ADMIN, {"limit": "3"})) == 4


def test_admin_scope_required_and_unknown_jobs_not_found(api: ApiClient, company: Company) -> None:
    job = company.create_job(company.entry_ids[:1])
    for path in ("/admin/export-jobs", f"/admin/export-jobs/{job['id']}", f"/admin/export-jobs/{job['id']}/items"):
        assert_error(api.get(path, company.identity), 403, "FORBIDDEN")
    missing = uuid.uuid4()
    assert_error(api.get(f"/admin/export-jobs/{missing}", ADMIN), 404, "EXPORT_NOT_FOUND")
    assert_error(api.get(f"/admin/export-jobs/{missing}/items", ADMIN), 404, "EXPORT_NOT_FOUND")
    assert_error(api.get("/admin/export-jobs", ADMIN, {"statuses": "done"}), 400)
    assert_error(api.get("/admin/export-jobs", ADMIN, {"sorting_keys": "id"}), 400)
