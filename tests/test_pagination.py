"""Pagination on every list (docs/decisions.md, "Pagination"): cursors both ways, DESC, offset, limits, misuse,
totals."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import fresh_tables
from tests.support.api import ADMIN, ApiClient, Identity, Response
from tests.support.checks import assert_error
from tests.support.data import Company, successful


@dataclass
class ListCase:
    """One list and what it must return, in ascending order of its sorting key."""

    api: ApiClient
    path: str
    identity: Identity
    filters: dict[str, Any]
    key: str
    sorting_key: str
    expected: list[str]
    echoed: dict[str, list[str]] = field(default_factory=dict)

    def get(self, **query: Any) -> Response:
        return self.api.get(
            self.path, self.identity, {**self.filters, **{k: v for k, v in query.items() if v is not None}}
        )

    def page(self, **query: Any) -> tuple[list[str], dict[str, Any]]:
        response = self.get(**query)
        assert response.status == 200, response.body
        return [row[self.key] for row in response.data], response.body["pagination"]


def jobs(api: ApiClient) -> ListCase:
    company = Company.create(api, entries=2)
    # Closed one after another: a company has one unfinished export at a time.
    created = [company.create_closed_job(company.entry_ids[:1]) for _ in range(7)]
    return ListCase(api, "/v3/export-jobs", company.identity, {}, "id", "createdAt", created)


def jobs_by_statuses(api: ApiClient) -> ListCase:
    """Several statuses: one partition each, merged."""
    company = Company.create(api, entries=2)
    wanted = []
    # One unfinished export at a time: nine closed jobs, then the pending one.
    for n in range(9):
        closing = (("started", "completed"), ("failed",), ("started", "failed"), ("started", "completed_with_errors"))
        events = closing[n % 4]
        job_id = company.create_closed_job(company.entry_ids[:1], events)
        if events[-1] == "failed":
            wanted.append(job_id)
    wanted.append(company.create_job(company.entry_ids[:1])["id"])
    statuses = ["pending", "failed"]
    return ListCase(
        api,
        "/v2/export-jobs",
        company.identity,
        {"statuses": statuses, "company_id": company.company_id},
        "id",
        "createdAt",
        wanted,
        {"statuses": ["failed", "pending"], "company_id": [company.company_id]},
    )


def job_items(api: ApiClient) -> ListCase:
    company = Company.create(api, entries=23)
    job = company.create_job()
    return ListCase(
        api,
        f"/v1/export-jobs/{job['id']}/items",
        company.identity,
        {},
        "accountingEntryId",
        "accountingEntryId",
        company.entry_ids,
        {"jobId": [job["id"]]},
    )


def job_items_by_status(api: ApiClient) -> ListCase:
    """One status: read from the job-status index."""
    company = Company.create(api, entries=23)
    job = company.create_job()
    chosen = company.entry_ids[1::2]
    company.update_items(job["id"], [successful(e) for e in chosen])
    return ListCase(
        api,
        f"/v3/export-jobs/{job['id']}/items",
        company.identity,
        {"status": "successful"},
        "accountingEntryId",
        "accountingEntryId",
        chosen,
        {"jobId": [job["id"]], "status": ["successful"]},
    )


def export_items(api: ApiClient) -> ListCase:
    company = Company.create(api, entries=23)
    job = company.create_job(company.entry_ids[2:])
    return ListCase(
        api,
        "/v0/export-items",
        company.identity,
        {"job_id": job["id"]},
        "accountingEntryId",
        "accountingEntryId",
        company.entry_ids[2:],
        {"job_id": [job["id"]]},
    )


def accounting_entries(api: ApiClient) -> ListCase:
    company = Company.create(api, entries=23)
    return ListCase(
        api,
        f"/admin/companies/{company.company_id}/accounting-entries",
        ADMIN,
        {},
        "accountingEntryId",
        "accountingEntryId",
        company.entry_ids,
        {"companyId": [company.company_id]},
    )


CASES: dict[str, Callable[[ApiClient], ListCase]] = {
    "jobs": jobs,
    "jobs-by-statuses": jobs_by_statuses,
    "job-items": job_items,
    "job-items-by-status": job_items_by_status,
    "export-items": export_items,
    "accounting-entries": accounting_entries,
}


@pytest.fixture(scope="module")
def tables(aws_mock: None) -> Iterator[None]:
    """One set of tables for the module's tests (they read their own companies' lists only), so that each
    case's data is built once, not for every test that reads it."""
    with fresh_tables():
        yield


@pytest.fixture(scope="module")
def built_cases(tables: None) -> dict[str, ListCase]:
    return {}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest, api: ApiClient, built_cases: dict[str, ListCase]) -> ListCase:
    name: str = request.param
    if name not in built_cases:
        built_cases[name] = CASES[name](api)
    return built_cases[name]


def sort(case: ListCase, order: str) -> dict[str, Any]:
    return {"sorting_keys": [case.sorting_key], "sorting_order": [order]} if order != "default" else {}


@pytest.mark.parametrize("order", ["default", "DESC"])
def test_walk_forward_with_after_and_back_with_before(case: ListCase, order: str) -> None:
    expected = case.expected[::-1] if order.startswith("DESC") else case.expected
    limit = 3
    pages: list[list[str]] = []
    cursors: list[dict[str, Any]] = []
    after = None
    while True:
        ids, pagination = case.page(limit=str(limit), after=after, **sort(case, order))
        pages.append(ids)
        cursors.append(pagination)
        assert pagination["total"] == len(case.expected)
        assert pagination["hasPreviousPage"] is (after is not None)
        echo = pagination["currentRequestPagination"]
        # Absent values are left out, never null: the published PageInfo is not nullable.
        assert echo.get("after") == after
        assert "before" not in echo
        assert echo["limit"] == limit
        assert "offset" not in echo
        assert echo["parameters"] == case.echoed
        if order != "default":
            assert echo["sortingKeys"] == [case.sorting_key]
            assert echo["sortingOrder"] == [order]
        if not pagination["hasNextPage"]:
            break
        after = pagination["endCursor"]
        assert len(pages) <= len(expected)
    assert [i for page in pages for i in page] == expected
    assert all(len(page) == limit for page in pages[:-1])
    assert 0 < len(pages[-1]) <= limit
    # Back from the last page: each `before=startCursor` gives the page before it, unchanged.
    before = cursors[-1]["startCursor"]
    for index in range(len(pages) - 2, -1, -1):
        ids, pagination = case.page(limit=str(limit), before=before, **sort(case, order))
        assert ids == pages[index]
        assert pagination["hasNextPage"] is True
        assert pagination["hasPreviousPage"] is (index > 0)
        assert pagination["currentRequestPagination"]["before"] == before
        assert pagination["startCursor"] == cursors[index]["startCursor"]
        assert pagination["endCursor"] == cursors[index]["endCursor"]
        before = pagination["startCursor"]
    ids, pagination = case.page(limit=str(limit), before=before, **sort(case, order))
    assert ids == []
    assert pagination["hasPreviousPage"] is False
    assert "startCursor" not in pagination
    assert "endCursor" not in pagination


def test_offset_and_limit(case: ListCase) -> None:
    for order in ("ASC", "DESC_NULLS_LAST"):
        expected = case.expected[::-1] if order.startswith("DESC") else case.expected
        count = len(expected)
        for offset in (0, 1, 4, count - 1, count, count + 5):
            ids, pagination = case.page(offset=str(offset), limit="4", **sort(case, order))
            assert ids == expected[offset : offset + 4], (order, offset)
            assert pagination["hasNextPage"] is (offset + 4 < count)
            assert pagination["hasPreviousPage"] is (offset > 0)
            assert pagination["total"] == count
            assert pagination["currentRequestPagination"]["offset"] == offset
        # A cursor from an offset page continues after it.
        ids, pagination = case.page(offset="2", limit="3", **sort(case, order))
        following, _ = case.page(after=pagination["endCursor"], limit="3", **sort(case, order))
        assert following == expected[5:8]


def test_limits(case: ListCase) -> None:
    # limit=0: only the total.
    ids, pagination = case.page(limit="0")
    assert ids == []
    assert pagination["total"] == len(case.expected)
    # No page follows a count: a `while hasNextPage` loop must end (it has no cursor to move on with).
    assert pagination["hasNextPage"] is False
    assert pagination["hasPreviousPage"] is False
    assert "startCursor" not in pagination
    assert "endCursor" not in pagination
    # No limit: the default, 50.
    ids, pagination = case.page()
    assert ids == case.expected
    assert pagination["currentRequestPagination"]["limit"] == 50
    # The maximum, 100, and no more.
    ids, pagination = case.page(limit="100")
    assert ids == case.expected
    assert pagination["hasNextPage"] is False
    body = assert_error(case.get(limit="101"), 400, "BAD_REQUEST")
    assert "100" in body["message"]


def test_default_limit_is_50(api: ApiClient) -> None:
    company = Company.create(api, entries=60)
    path = f"/admin/companies/{company.company_id}/accounting-entries"
    response = api.get(path, ADMIN)
    assert [e["accountingEntryId"] for e in response.data] == company.entry_ids[:50]
    assert response.body["pagination"]["hasNextPage"] is True
    assert response.body["pagination"]["total"] == 60
    rest = api.get(path, ADMIN, {"after": response.body["pagination"]["endCursor"]})
    assert [e["accountingEntryId"] for e in rest.data] == company.entry_ids[50:]
    assert rest.body["pagination"]["hasNextPage"] is False


def tamper(cursor: str) -> str:
    """The same cursor with one character of its payload changed (still in the cursor alphabet)."""
    index = len(cursor) // 3
    return cursor[:index] + ("A" if cursor[index] != "A" else "B") + cursor[index + 1 :]


def test_misuse_is_a_400(case: ListCase) -> None:
    _, first = case.page(limit="2")
    cursor = first["endCursor"]
    _, desc = case.page(limit="2", **sort(case, "DESC"))
    misuses: dict[str, dict[str, Any]] = {
        "unknown sorting key": {"sorting_keys": ["amount"]},
        "two sorting keys": {"sorting_keys": [case.sorting_key, case.sorting_key], "sorting_order": ["ASC", "ASC"]},
        "order without key": {"sorting_order": ["DESC"]},
        "more orders than keys": {"sorting_keys": [case.sorting_key], "sorting_order": ["ASC", "DESC"]},
        "unknown order": {"sorting_keys": [case.sorting_key], "sorting_order": ["SIDEWAYS"]},
        "before and after": {"before": cursor, "after": cursor},
        "before and offset": {"before": cursor, "offset": "1"},
        "after and offset": {"after": cursor, "offset": "0"},
        "cursor outside the alphabet": {"after": "abc"},
        "cursor with a digit 0": {"after": "A0B~C"},
        "cursor not issued by the API": {"after": "MZXW6YTBOI======~AAAA"},
        "tampered cursor": {"after": tamper(cursor)},
        "tampered signature": {"before": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")},
        "cursor of the other order": {"after": desc["endCursor"]},
        "negative limit": {"limit": "-1"},
        "limit over the maximum": {"limit": "101"},
        "limit not a number": {"limit": "ten"},
        "negative offset": {"offset": "-1"},
        "offset not a number": {"offset": "1.5"},
    }
    for name, query in misuses.items():
        response = case.get(**query)
        assert response.status == 400, (name, response.body)
        assert_error(response, 400, "BAD_REQUEST")


def test_cursors_are_bound_to_their_filters(api: ApiClient) -> None:
    company = Company.create(api, entries=6)

    def cursor(path: str, query: dict[str, Any]) -> str:
        response = api.get(path, company.identity, {**query, "limit": "1"})
        assert response.status == 200, response.body
        end: str = response.body["pagination"]["endCursor"]
        return end

    # Another job, closed before the next is made (one unfinished export at a time): its export items
    # are read while it is open.
    other = company.create_job(company.entry_ids[:3])
    other_export_items = cursor("/v3/export-items", {"job_id": other["id"]})
    company.close(other["id"])
    job = company.create_job()
    company.update_items(job["id"], [successful(e) for e in company.entry_ids[:4]])

    items = f"/v3/export-jobs/{job['id']}/items"
    mismatches: list[tuple[str, dict[str, Any]]] = [
        (items, {"after": cursor(items, {"status": "successful"}), "status": "pending"}),
        (items, {"after": cursor(items, {"status": "successful"})}),
        (items, {"after": cursor(f"/v3/export-jobs/{other['id']}/items", {})}),
        ("/v3/export-jobs", {"after": cursor("/v3/export-jobs", {"statuses": ["pending"]}), "statuses": ["failed"]}),
        ("/v3/export-jobs", {"before": cursor("/v3/export-jobs", {}), "statuses": ["pending"]}),
        ("/v3/export-items", {"after": other_export_items, "job_id": job["id"]}),
        ("/v3/export-jobs", {"after": cursor(items, {})}),
    ]
    for path, query in mismatches:
        assert_error(api.get(path, company.identity, query), 400, "BAD_REQUEST")
    # The same query in another version takes the cursor: versions share the lists.
    same = cursor(items, {"status": "successful"})
    response = api.get(f"/v0/export-jobs/{job['id']}/items", company.identity, {"after": same, "status": "successful"})
    assert response.status == 200
    assert [i["accountingEntryId"] for i in response.data] == company.entry_ids[1:4]
