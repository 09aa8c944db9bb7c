"""Assertions shared by the test modules."""

from collections import Counter
from typing import Any

from tests.support.api import Response
from tests.support.data import ITEM_STATUSES, Company


def assert_error(response: Response, status: int, error_type: str | None = None) -> dict[str, Any]:
    """The response is the contract's `ExceptionInfo` with this status (and type, if given)."""
    assert response.status == status, (response.status, response.body)
    body: dict[str, Any] = response.body
    assert isinstance(body, dict), body
    assert set(body) == {"type", "message"}, body
    for field in ("type", "message"):
        assert isinstance(body[field], str), body
        assert body[field].strip(), body
    if error_type is not None:
        assert body["type"] == error_type, body
    return body


def item_totals(company: Company, job_id: str) -> dict[str, int]:
    """`pagination.total` of the item list for each status filter, and without one (key None)."""
    found: dict[str, int] = {}
    for status in (*ITEM_STATUSES, None):
        query = {"limit": "0", **({"status": status} if status else {})}
        response = company.api.get(f"/v3/export-jobs/{job_id}/items", company.identity, query)
        assert response.status == 200, response.body
        assert response.data == []
        found[status or "all"] = response.body["pagination"]["total"]
    return found


def assert_counters_match_a_recount(company: Company, job_id: str) -> None:
    items = company.items(job_id)
    recount = Counter(i["status"] for i in items)
    expected = {status: recount.get(status, 0) for status in ITEM_STATUSES} | {"all": len(items)}
    assert item_totals(company, job_id) == expected
    for status in ITEM_STATUSES:
        in_status = company.items(job_id, status)
        assert {i["status"] for i in in_status} <= {status}
        assert len(in_status) == recount.get(status, 0)
