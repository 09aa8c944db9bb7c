"""The project's own operations (docs/admin-api.openapi.yaml): accounting entries, accounting settings, health."""

import uuid
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient, Identity
from tests.support.checks import assert_error
from tests.support.data import Company, accounting_entry, accounting_settings, walk


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
    # Stored as sent: every field any version shows, money in minor units, tax rates as fractions.
    assert response.data == [{**e, "companyId": company_id} for e in entries]
    assert response.data[1]["bookkeeping"] == {"method": "accounts_payable"}
    assert response.data[1]["accountingEntryLines"][0]["tax"]["rate"] == 0.25
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
    assert sorted(stored, key=lambda e: e["accountingEntryId"]) == sorted(
        ({**e, "companyId": company_id} for e in again), key=lambda e: e["accountingEntryId"]
    )


def test_companies_keep_their_own_entries(api: ApiClient) -> None:
    first = Company.create(api, entries=3)
    second = Company.create(api, entries=4)
    assert [e["accountingEntryId"] for e in stored_entries(api, first.company_id)[0]] == first.entry_ids
    assert [e["accountingEntryId"] for e in stored_entries(api, second.company_id)[0]] == second.entry_ids
    assert stored_entries(api, str(uuid.uuid4())) == ([], 0)


def _line(entry: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**entry, "accountingEntryLines": [{**entry["accountingEntryLines"][0], **changes}]}


def invalid_entries(company_id: str) -> dict[str, tuple[Any, str]]:
    """Bodies the ingest refuses, each with a part of the message that tells the caller what to fix."""

    def entry(index: int = 0, **changes: Any) -> dict[str, Any]:
        return {**accounting_entry(str(uuid.uuid4()), index), **changes}

    base = entry()
    invoice = entry(1)
    mileage = entry(2)  # one line, no tax
    money = mileage["amount"]
    without_id = {k: v for k, v in base.items() if k != "accountingEntryId"}
    tax = base["accountingEntryLines"][0]["tax"]
    bank = invoice["additionalInformation"]["invoiceInformation"]["supplierBankAccount"]
    return {
        "empty": ([], "at least one"),
        "more than 100": ([entry() for _ in range(101)], "maximum is 100"),
        "another company": ([entry(companyId=str(uuid.uuid4()))], "but is sent for company"),
        "the same entry twice": ([base, base], "once per request"),
        "no accountingEntryId": ([without_id], "accountingEntryId"),
        "not a uuid": ([entry(accountingEntryId="entry-1")], "accountingEntryId"),
        "no amount": ([{k: v for k, v in base.items() if k != "amount"}], "amount"),
        "no lines": ([entry(accountingEntryLines=[])], "accountingEntryLines"),
        "no reconciliation id": ([entry(additionalInformation={})], "reconciliationId"),
        "amount in major units": (
            [{**mileage, "amount": {**money, "inWalletCurrency": {"currency": "DKK", "value": 12.5}}}],
            "minor units",
        ),
        "amount as a string": (
            [{**mileage, "amount": {**money, "inWalletCurrency": {"currency": "DKK", "value": "lots"}}}],
            "minor units",
        ),
        "currency not in the contract": (
            [{**mileage, "amount": {**money, "inWalletCurrency": {"currency": "euro", "value": 1}}}],
            "is not a currency",
        ),
        "lines do not balance": (
            [_line(mileage, lineAmount={**money, "inWalletCurrency": {"currency": "DKK", "value": 1}})],
            "must balance",
        ),
        "line in another currency": (
            [_line(mileage, netAmount={**money, "inSupplierCurrency": {"currency": "EUR", "value": 1}})],
            "but the entry's amount is in",
        ),
        "tax rate as a percentage": ([_line(base, tax={**tax, "rate": 25})], "less than or equal to 1"),
        "tax type not in the contract": ([_line(base, tax={**tax, "type": "vat"})], "tax.type"),
        "type not in the contract": ([entry(type="lunch")], "type"),
        "subType not in the contract": ([entry(subType="bonus")], "subType"),
        "country not in the contract": ([entry(supplier={"name": "Cafe", "country": "XX"})], "country code"),
        "UNDEFINED is no 2-letter country": ([entry(supplier={"country": "UNDEFINED"})], "country code"),
        "bank country not in the contract": (
            [
                {
                    **invoice,
                    "additionalInformation": {
                        **invoice["additionalInformation"],
                        "invoiceInformation": {
                            **invoice["additionalInformation"]["invoiceInformation"],
                            "supplierBankAccount": {**bank, "country": "Sweden"},
                        },
                    },
                }
            ],
            "country code",
        ),
        "invoice status not in the contract": (
            [
                {
                    **invoice,
                    "additionalInformation": {
                        **invoice["additionalInformation"],
                        "invoiceInformation": {
                            **invoice["additionalInformation"]["invoiceInformation"],
                            "status": "lost",
                        },
                    },
                }
            ],
            "status",
        ),
        "vendor currency not 3 letters": (
            [{**invoice, "vendor": {**invoice["vendor"], "defaultCurrency": "UNDEFINED"}}],
            "3-letter",
        ),
        "accounts payable without a vendor": (
            [{k: v for k, v in invoice.items() if k != "vendor"}],
            "accounts_payable",
        ),
        "service period backwards": (
            [entry(servicePeriod={"from": "2026-10-02T00:00:00Z", "to": "2026-10-01T00:00:00Z"})],
            "before servicePeriod.from",
        ),
        "reconciled entries repeated": (
            [entry(additionalInformation={"reconciliationId": "B-1", "reconciledEntries": ["B-0", "B-0"]})],
            "more than once",
        ),
        "date as a number": ([entry(date=1700000000)], "date"),
        "not a date": ([entry(date="yesterday")], "date"),
        "unknown field": ([entry(color="red")], "color"),
        "unknown nested field": ([entry(supplier={"name": "Cafe", "colour": "red"})], "colour"),
        "note too long": ([entry(note="x" * 4001)], "note"),
        "not an object": (["entry"], "0"),
        "an object, not an array": (entry(), "array"),
    }


def test_ingest_validates(api: ApiClient) -> None:
    company = Company.create(api, entries=2)
    before = stored_entries(api, company.company_id)
    for name, (body, hint) in invalid_entries(company.company_id).items():
        response = api.post(entries_path(company.company_id), ADMIN, body)
        assert response.status == 400, (name, response.body)
        message = assert_error(response, 400)["message"]
        assert hint in message, (name, message)
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


def settings_path(company_id: str) -> str:
    return f"/admin/companies/{company_id}/accounting-settings"


def test_accounting_settings_are_stored_per_company(api: ApiClient) -> None:
    company = Company.create(api, entries=1, contra_accounts_mapped=False)
    other = Company.create(api, entries=1)
    unmapped = api.get(settings_path(company.company_id), ADMIN)
    assert unmapped.status == 200
    assert unmapped.data == {
        **accounting_settings(company.company_id, mapped=False),
        "companyId": company.company_id,
        "allContraAccountsMapped": False,
    }
    mapped = company.put_settings(accounting_settings(company.company_id))
    assert mapped["allContraAccountsMapped"] is True
    assert mapped["accounts"][0]["contraAccount"]["name"] == "Pleo DKK Account"
    assert api.get(settings_path(company.company_id), ADMIN).data == mapped
    assert (
        api.get(settings_path(other.company_id), ADMIN).data["accounts"]
        == accounting_settings(other.company_id)["accounts"]
    )
    never = api.get(settings_path(str(uuid.uuid4())), ADMIN).data
    assert never["accounts"] == []
    assert never["allContraAccountsMapped"] is False


def test_accounting_settings_are_validated(api: ApiClient, company: Company) -> None:
    account = accounting_settings(company.company_id)["accounts"][0]
    for body, hint in (
        ({}, "accounts"),
        ({"accounts": [account, account]}, "more than once"),
        ({"accounts": [{**account, "currency": "euro"}]}, "3-letter"),
        ({"accounts": [{**account, "contraAccount": {"name": "Bank"}}]}, "contraAccount.id"),
        ({"accounts": [{**account, "colour": "red"}]}, "colour"),
        ([account], "Input should be an object"),
    ):
        response = api.put(settings_path(company.company_id), ADMIN, body)
        assert hint in assert_error(response, 400, "BAD_REQUEST")["message"], (body, response.body)
    assert api.get(settings_path(company.company_id), ADMIN).data["allContraAccountsMapped"] is True


def test_accounting_settings_need_the_admin_scope(api: ApiClient, company: Company) -> None:
    body = accounting_settings(company.company_id, mapped=False)
    assert_error(api.put(settings_path(company.company_id), company.identity, body), 403, "FORBIDDEN")
    assert_error(api.get(settings_path(company.company_id), company.identity), 403, "FORBIDDEN")
    assert_error(api.put(settings_path(company.company_id), None, body), 401, "UNAUTHORIZED")
    assert api.get(settings_path(company.company_id), ADMIN).data["allContraAccountsMapped"] is True


def test_health_is_public_and_ok(api: ApiClient) -> None:
    response = api.get("/health", None)
    assert response.status == 200
    assert response.body == {"status": "ok", "problems": []}


def test_health_reports_missing_tables(aws_mock: None) -> None:
    response = ApiClient().get("/health", None)
    assert response.status == 503
    assert response.body["status"] == "unavailable"
    assert len(response.body["problems"]) == 2
