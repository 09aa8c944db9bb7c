"""The project's own operations (docs/admin-api.openapi.yaml): accounting entries and health."""

import uuid
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient, Identity
from tests.support.checks import assert_error
from tests.support.data import Company, accounting_entry, walk


def entries_path(company_id: str) -> str:
    return f"/admin/companies/{company_id}/accounting-entries"


def stored_entries(api: ApiClient, company_id: str) -> tuple[list[dict[str, Any]], int]:
    entries = walk(api, entries_path(company_id), ADMIN)
    total = api.get(entries_path(company_id), ADMIN, {"limit": "0"}).body["pagination"]["total"]
    return entries, total


def test_ingest_stores_entries_for_the_company(api: ApiClient) -> None:
    company_id = str(uuid.uuid4())
    entries = [accounting_entry(str(uuid.uuid4()), n) for n in range(3)]
    entries[0]["companyId"] = company_id
    response = api.post(entries_path(company_id), ADMIN, entries)
    assert response.status == 201, response.body
    assert [e["accountingEntryId"] for e in response.data] == [e["accountingEntryId"] for e in entries]
    assert {e["companyId"] for e in response.data} == {company_id}
    assert response.data[1]["amount"] == entries[1]["amount"]
    assert response.data[1]["bookkeeping"] == {"method": "journal"}
    stored, total = stored_entries(api, company_id)
    assert total == 3
    assert stored == sorted(response.data, key=lambda e: e["accountingEntryId"])


def test_ingest_replaces_without_counting_twice(api: ApiClient) -> None:
    company_id = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(5)]
    assert api.post(entries_path(company_id), ADMIN, [accounting_entry(e, n) for n, e in enumerate(ids)]).status == 201
    new = [str(uuid.uuid4()) for _ in range(2)]
    again = [accounting_entry(e, 10 + n) for n, e in enumerate(ids + new)]
    assert api.post(entries_path(company_id), ADMIN, again).status == 201
    stored, total = stored_entries(api, company_id)
    assert total == 7
    assert len(stored) == 7
    assert {e["note"] for e in stored} == {f"Team lunch #{10 + n}" for n in range(7)}


def test_companies_keep_their_own_entries(api: ApiClient) -> None:
    first = Company.create(api, entries=3)
    second = Company.create(api, entries=4)
    assert [e["accountingEntryId"] for e in stored_entries(api, first.company_id)[0]] == first.entry_ids
    assert [e["accountingEntryId"] for e in stored_entries(api, second.company_id)[0]] == second.entry_ids
    assert stored_entries(api, str(uuid.uuid4())) == ([], 0)


def invalid_entries(company_id: str) -> dict[str, Any]:
    def entry(**changes: Any) -> dict[str, Any]:
        return {**accounting_entry(str(uuid.uuid4())), **changes}

    base = accounting_entry(str(uuid.uuid4()))
    without_id = {k: v for k, v in base.items() if k != "accountingEntryId"}
    return {
        "empty": [],
        "more than 100": [entry() for _ in range(101)],
        "another company": [entry(companyId=str(uuid.uuid4()))],
        "the same entry twice": [base, base],
        "no accountingEntryId": [without_id],
        "not a uuid": [entry(accountingEntryId="entry-1")],
        "no amount": [{k: v for k, v in base.items() if k != "amount"}],
        "bad currency": [entry(amount={"inSupplierCurrency": {"currency": "euro", "value": 1}})],
        "amount as a string": [entry(amount={"inSupplierCurrency": {"currency": "EUR", "value": "lots"}})],
        "date as a number": [entry(date=1700000000)],
        "not a date": [entry(date="yesterday")],
        "unknown field": [entry(color="red")],
        "unknown nested field": [entry(supplier={"name": "Cafe", "colour": "red"})],
        "note too long": [entry(note="x" * 4001)],
        "tax rate over 100": [
            entry(accountingEntryLines=[{"tax": {"rate": 125}}]),
        ],
        "not an object": ["entry"],
        "an object, not an array": entry(),
    }


def test_ingest_validates(api: ApiClient) -> None:
    company = Company.create(api, entries=2)
    before = stored_entries(api, company.company_id)
    for name, body in invalid_entries(company.company_id).items():
        response = api.post(entries_path(company.company_id), ADMIN, body)
        assert response.status == 400, (name, response.body)
        assert_error(response, 400)
    assert stored_entries(api, company.company_id) == before


def test_admin_operations_need_the_admin_scope(api: ApiClient, company: Company) -> None:
    entry = accounting_entry(str(uuid.uuid4()))
    assert_error(api.post(entries_path(company.company_id), company.identity, [entry]), 403, "FORBIDDEN")
    assert_error(api.get(entries_path(company.company_id), company.identity), 403, "FORBIDDEN")
    assert_error(api.post(entries_path(company.company_id), None, [entry]), 401, "UNAUTHORIZED")
    assert_error(api.get(entries_path(company.company_id), None), 401, "UNAUTHORIZED")
    almost = Identity(company_ids=(company.company_id,), scopes="export-jobs:write export-jobs:read export-items:read")
    assert_error(api.post(entries_path(company.company_id), almost, [entry]), 403, "FORBIDDEN")
    assert stored_entries(api, company.company_id)[1] == 30


@pytest.mark.parametrize("company_id", ["not-a-uuid", "123"])
def test_a_bad_company_id_is_a_400(api: ApiClient, company_id: str) -> None:
    assert_error(api.get(entries_path(company_id), ADMIN), 400, "BAD_REQUEST")
    assert_error(api.post(entries_path(company_id), ADMIN, [accounting_entry(str(uuid.uuid4()))]), 400, "BAD_REQUEST")


def test_health_is_public_and_ok(api: ApiClient) -> None:
    response = api.get("/health", None)
    assert response.status == 200
    assert response.body == {"status": "ok", "problems": []}


def test_health_reports_missing_tables(aws_mock: None) -> None:
    response = ApiClient().get("/health", None)
    assert response.status == 503
    assert response.body["status"] == "unavailable"
    assert len(response.body["problems"]) == 2
