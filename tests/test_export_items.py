"""Export items: each version's published shape, projected when read from the one stored entry, only for
open jobs. Every response is checked against the published schema of its version (tests/support/api.py)."""

import dataclasses
import re
import uuid
from typing import Any

import pytest
from export_api.repositories import aws
from export_api.services.container import get_services
from export_api.settings import get_settings

from export_api_local.accounting_entries import KINDS
from tests.support.api import ApiClient
from tests.support.checks import assert_error
from tests.support.data import CLOSING, Company, accounting_entry, accounting_settings, walk
from tests.support.workflow import in_workflow_lambda

VERSIONS = ("v0", "v1", "v2", "v3")
# What only some versions show (published ExportItem, ExportItemV1, ExportItemV2, ExportItemV3).
ONLY_IN = {
    "metadata": {"v0"},
    "additionalInformation": {"v1", "v2", "v3"},
    "teamCode": {"v0", "v1", "v2"},
    "team": {"v1", "v2", "v3"},
    "vendor": {"v2", "v3"},
    "bookkeeping": {"v2", "v3"},
    "servicePeriod": {"v2", "v3"},
    "subType": {"v2", "v3"},
    "contraAccount": {"v3"},
}
UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def export_items(company: Company, job_id: str, version: str = "v3") -> list[dict[str, Any]]:
    return walk(company.api, f"/{version}/export-items", company.identity, {"job_id": job_id})


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["accountingEntryId"]: item for item in items}


@pytest.fixture
def vendor_job(company: Company) -> dict[str, Any]:
    """A job of every kind of entry (two rounds of them), with vendor-based bookkeeping."""
    return company.create_job(company.entry_ids[: 2 * len(KINDS)], vendor_based_bookkeeping=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_shows_its_own_fields(company: Company, vendor_job: dict[str, Any], version: str) -> None:
    items = export_items(company, vendor_job["id"], version)
    assert len(items) == 2 * len(KINDS)
    for field, versions in ONLY_IN.items():
        present = any(field in item for item in items)
        assert present == (version in versions), (field, version)
    for item in items:
        assert item["companyId"] == company.company_id
        assert item["accountingEntryLines"], item
        assert item["_links"]["api"]["exportItem"]


def test_v0_items_have_v0_shapes(company: Company, vendor_job: dict[str, Any]) -> None:
    entries = {e: accounting_entry(e, n, company.company_id) for n, e in enumerate(company.entry_ids)}
    for item in export_items(company, vendor_job["id"], "v0"):
        entry = entries[item["accountingEntryId"]]
        assert item["metadata"]["reconciliationId"] == entry["additionalInformation"]["reconciliationId"]
        assert "reconciledEntries" not in item["metadata"]
        assert item["user"] == {"name": entry["user"]["name"], "code": entry["user"]["code"]}
        assert item["teamCode"] == entry["team"]["code"]
        for line, entry_line in zip(item["accountingEntryLines"], entry["accountingEntryLines"], strict=True):
            account = entry_line["account"]
            assert line["account"] == {"code": account["code"], "identifier": account["identifier"]}
            assert all(set(tag) == {"code", "groupCode"} for tag in line.get("tags", []))
            if "tax" in line:
                assert set(line["tax"]) == {"amount", "rate", "type", "code"}
        if "supplier" in entry:
            assert "code" not in item["supplier"]
            assert item["supplier"].get("identifier") == entry["supplier"].get("code")


def test_v1_items_carry_additional_information_and_team(company: Company, vendor_job: dict[str, Any]) -> None:
    entries = {e: accounting_entry(e, n, company.company_id) for n, e in enumerate(company.entry_ids)}
    items = export_items(company, vendor_job["id"], "v1")
    for item in items:
        entry = entries[item["accountingEntryId"]]
        assert item["additionalInformation"] == entry["additionalInformation"]
        assert item["team"] == entry["team"]
        assert item["user"] == entry["user"]
        assert [line["account"] for line in item["accountingEntryLines"]] == [
            line["account"] for line in entry["accountingEntryLines"]
        ]
    reimbursements = [i for i in items if i["type"] == "direct_reimbursement"]
    assert reimbursements
    assert all(i["additionalInformation"]["reconciledEntries"] for i in reimbursements)
    invoices = [i for i in items if i["type"] == "invoice"]
    assert invoices
    for invoice in invoices:
        bank = invoice["additionalInformation"]["invoiceInformation"]["supplierBankAccount"]
        assert bank["country"] == "SE"
        assert bank["iban"].startswith("SE")


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_vendor_and_bookkeeping_only_with_vendor_based_bookkeeping(company: Company, version: str) -> None:
    chosen = company.entry_ids[: len(KINDS)]
    with_vendor = company.create_job(chosen, vendor_based_bookkeeping=True)
    shown = export_items(company, with_vendor["id"], version)
    entries = {e: accounting_entry(e, n, company.company_id) for n, e in enumerate(company.entry_ids)}
    for item in shown:
        entry = entries[item["accountingEntryId"]]
        # An entry that names no method has none.
        assert item["bookkeeping"] == entry.get("bookkeeping", {"method": "none"})
        assert item.get("vendor") == entry.get("vendor")
    assert any("vendor" in item for item in shown)
    assert company.event(with_vendor["id"], "failed") == 202
    without = company.create_job(chosen, vendor_based_bookkeeping=False)
    plain = export_items(company, without["id"], version)
    assert not any("vendor" in item or "bookkeeping" in item for item in plain)
    strip = ("vendor", "bookkeeping")
    assert [{k: v for k, v in i.items() if k not in strip} for i in plain] == [
        {k: v for k, v in i.items() if k not in strip} for i in shown
    ]


def test_v2_and_v3_items_carry_service_period_and_sub_type(company: Company, vendor_job: dict[str, Any]) -> None:
    entries = {e: accounting_entry(e, n, company.company_id) for n, e in enumerate(company.entry_ids)}
    for version in ("v2", "v3"):
        for item in export_items(company, vendor_job["id"], version):
            entry = entries[item["accountingEntryId"]]
            assert item.get("subType") == entry.get("subType")
            assert item.get("servicePeriod") == entry.get("servicePeriod")
            if "servicePeriod" in item:
                assert all(UTC_SECONDS.match(item["servicePeriod"][end]) for end in ("from", "to"))


def test_v3_items_carry_the_contra_account_and_tax_accounts(company: Company, vendor_job: dict[str, Any]) -> None:
    settings = accounting_settings(company.company_id)
    items = export_items(company, vendor_job["id"], "v3")
    assert {item["contraAccount"]["id"] for item in items} == {settings["accounts"][0]["contraAccount"]["id"]}
    assert all(item["contraAccount"] == settings["accounts"][0]["contraAccount"] for item in items)
    taxes = [line["tax"] for item in items for line in item["accountingEntryLines"] if "tax" in line]
    assert taxes
    assert {tax["type"] for tax in taxes} == {"inclusive", "reverse"}
    assert all(tax["ingoingTaxAccount"] == "6601" and tax["outgoingTaxAccount"] == "6602" for tax in taxes)


def test_money_is_in_minor_units_and_tax_rates_are_fractions(company: Company) -> None:
    entry = accounting_entry(str(uuid.uuid4()), 2, company.company_id)
    sek = {
        "inSupplierCurrency": {"currency": "SEK", "value": 89696},
        "inWalletCurrency": {"currency": "DKK", "value": 57405},
    }
    tax = {
        "inSupplierCurrency": {"currency": "SEK", "value": 17939},
        "inWalletCurrency": {"currency": "DKK", "value": 11481},
    }
    net = {
        "inSupplierCurrency": {"currency": "SEK", "value": 71757},
        "inWalletCurrency": {"currency": "DKK", "value": 45924},
    }
    line = {
        **entry["accountingEntryLines"][0],
        "lineAmount": sek,
        "netAmount": net,
        "tax": {"id": str(uuid.uuid4()), "rate": 0.25, "type": "inclusive", "amount": tax, "code": "S25"},
    }
    company.ingest([{**entry, "amount": sek, "accountingEntryLines": [line]}])
    job = company.create_job([entry["accountingEntryId"]])
    for version in VERSIONS:
        (item,) = export_items(company, job["id"], version)
        assert item["amount"] == sek
        (shown,) = item["accountingEntryLines"]
        assert shown["lineAmount"] == sek
        assert shown["netAmount"] == net
        assert shown["tax"]["rate"] == 0.25
        assert shown["tax"]["amount"] == tax


def test_links_point_at_the_entrys_job_item_on_this_service(
    company: Company, monkeypatch: pytest.MonkeyPatch, api: ApiClient
) -> None:
    job = company.create_job(company.entry_ids[:2])
    entry_id = company.entry_ids[0]
    query = f"company_id={company.company_id}&accounting_entry_id={entry_id}"
    for version in VERSIONS:
        item = export_items(company, job["id"], version)[0]
        assert item["_links"] == {"api": {"exportItem": f"https://127.0.0.1/v3/export-job-items?{query}"}}
    # On API Gateway's own host the stage is part of the URL.
    host = "abc123.execute-api.eu-west-1.amazonaws.com"
    response = api.request(
        "GET", "/v3/export-items", identity=company.identity, query={"job_id": job["id"]}, headers={"Host": host}
    )
    assert response.data[0]["_links"]["api"]["exportItem"] == f"https://{host}/api/v3/export-job-items?{query}"
    # A custom domain is configured (PublicBaseUrl in template.yaml).
    configured = dataclasses.replace(get_settings(), public_base_url="https://erp-api.example.com/export")
    monkeypatch.setattr(get_services(), "settings", configured)
    (item, _) = export_items(company, job["id"], "v2")
    assert item["_links"]["api"]["exportItem"] == f"https://erp-api.example.com/export/v3/export-job-items?{query}"


def test_v3_needs_every_pleo_account_mapped_to_a_contra_account(api: ApiClient) -> None:
    company = Company.create(api, entries=4, contra_accounts_mapped=False)
    job = company.create_job()

    def v3() -> Any:
        return api.get("/v3/export-items", company.identity, {"job_id": job["id"]})

    body = assert_error(v3(), 400, "MISSING_CONTRA_ACCOUNTS")
    assert body["message"].startswith("Contra accounts are not fully configured. Please map contra accounts")
    assert "Pleo DKK Account" in body["message"]
    for version in ("v0", "v1", "v2"):
        assert len(export_items(company, job["id"], version)) == 4
    # A second account, mapped, does not make up for the first.
    second = {
        "id": str(uuid.uuid4()),
        "name": "Pleo EUR Account",
        "currency": "EUR",
        "contraAccount": {"id": str(uuid.uuid4()), "name": "Pleo EUR Account"},
    }
    unmapped = accounting_settings(company.company_id, mapped=False)["accounts"]
    company.put_settings({"accounts": [*unmapped, second]})
    assert_error(v3(), 400, "MISSING_CONTRA_ACCOUNTS")
    # No accounts at all is not "all mapped": the settings were never made.
    company.put_settings({"accounts": []})
    assert "no Pleo accounts" in assert_error(v3(), 400, "MISSING_CONTRA_ACCOUNTS")["message"]
    company.put_settings({"accounts": [*accounting_settings(company.company_id)["accounts"], second]})
    assert {i["contraAccount"]["name"] for i in export_items(company, job["id"])} == {"Pleo DKK Account"}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_page_of_export_items_takes_three_dynamodb_requests(
    company: Company, vendor_job: dict[str, Any], version: str
) -> None:
    """The job, its page of items, and their entries in one BatchGetItem; v3's accounting settings (its
    contra accounts) come in that same BatchGetItem."""
    operations: list[str] = []

    def record(model: Any, **_: Any) -> None:
        # The job's execution runs the workflow Lambda meanwhile: its requests are not the page's.
        if not in_workflow_lambda():
            operations.append(model.name)

    events = aws.dynamodb().meta.events
    events.register("before-call.dynamodb", record, unique_id="test-export-items-requests")
    try:
        response = company.api.get(f"/{version}/export-items", company.identity, {"job_id": vendor_job["id"]})
    finally:
        events.unregister("before-call.dynamodb", unique_id="test-export-items-requests")
    assert response.status == 200, response.body
    assert operations == ["GetItem", "Query", "BatchGetItem"]
    if version == "v3":
        assert all("contraAccount" in item for item in response.data)


def test_v3_refuses_an_entry_whose_pleo_account_is_not_in_the_settings(company: Company) -> None:
    stray = str(uuid.uuid4())
    entry = {**accounting_entry(str(uuid.uuid4()), 3, company.company_id), "pleoAccountId": stray}
    company.ingest([entry])
    job = company.create_job([entry["accountingEntryId"]])
    response = company.api.get("/v3/export-items", company.identity, {"job_id": job["id"]})
    assert stray in assert_error(response, 400, "MISSING_CONTRA_ACCOUNTS")["message"]
    # An entry that names no Pleo account has no contra account to show.
    company.ingest([{k: v for k, v in entry.items() if k != "pleoAccountId"}])
    (item,) = export_items(company, job["id"])
    assert "contraAccount" not in item


def test_versions_refuse_entries_they_cannot_express(company: Company) -> None:
    fee = {**accounting_entry(str(uuid.uuid4()), 2, company.company_id), "type": "fee"}
    no_user = {k: v for k, v in accounting_entry(str(uuid.uuid4()), 3, company.company_id).items() if k != "user"}
    company.ingest([fee, no_user])
    fee_job = company.create_job([fee["accountingEntryId"]])
    for version in ("v1", "v2", "v3"):
        assert [i["type"] for i in export_items(company, fee_job["id"], version)] == ["fee"]
    response = company.api.get("/v0/export-items", company.identity, {"job_id": fee_job["id"]})
    assert "v1 or later" in assert_error(response, 422, "UNSUPPORTED_ACCOUNTING_ENTRY_TYPE")["message"]
    assert company.event(fee_job["id"], "failed") == 202
    user_job = company.create_job([no_user["accountingEntryId"]])
    for version in ("v0", "v1"):
        response = company.api.get(f"/{version}/export-items", company.identity, {"job_id": user_job["id"]})
        assert "has no user" in assert_error(response, 422, "UNSUPPORTED_ACCOUNTING_ENTRY_TYPE")["message"]
    for version in ("v2", "v3"):
        assert "user" not in export_items(company, user_job["id"], version)[0]


def test_an_open_job_serves_the_entry_as_stored_now(company: Company) -> None:
    entry_id = company.entry_ids[0]
    job = company.create_job([entry_id])
    assert export_items(company, job["id"])[0]["note"] == accounting_entry(entry_id, 0, company.company_id)["note"]
    company.ingest([{**accounting_entry(entry_id, 0, company.company_id), "note": "Corrected after the job was made"}])
    for version in VERSIONS:
        assert export_items(company, job["id"], version)[0]["note"] == "Corrected after the job was made"


def test_every_kind_of_entry_validates_in_every_version(company: Company) -> None:
    """Entries the factory makes of each kind, with other ids, currencies and optional parts left out."""
    entries = []
    for n in range(len(KINDS)):
        entry = accounting_entry(str(uuid.uuid4()), 100 + n, company.company_id)
        entries.append(entry)
        sparse = {k: v for k, v in entry.items() if k not in ("team", "note", "pleoAccountId", "supplier")}
        entries.append({**sparse, "accountingEntryId": str(uuid.uuid4())})
    company.ingest(entries)
    job = company.create_job([e["accountingEntryId"] for e in entries], vendor_based_bookkeeping=True)
    for version in VERSIONS:
        assert len(export_items(company, job["id"], version)) == len(entries)


@pytest.mark.parametrize("version", VERSIONS)
def test_export_items_are_the_jobs_entries_in_pages(company: Company, version: str) -> None:
    chosen = company.entry_ids[5:17]
    job = company.create_job(chosen)
    response = company.api.get(f"/{version}/export-items", company.identity, {"job_id": job["id"], "limit": "5"})
    assert response.status == 200
    assert response.body["pagination"]["total"] == 12
    assert [i["accountingEntryId"] for i in response.data] == chosen[:5]
    items = export_items(company, job["id"], version)
    assert [i["accountingEntryId"] for i in items] == chosen
    assert {i["companyId"] for i in items} == {company.company_id}
    backwards = company.api.get(
        f"/{version}/export-items",
        company.identity,
        {"job_id": job["id"], "limit": "5", "sorting_keys": "accountingEntryId", "sorting_order": "DESC"},
    )
    assert [i["accountingEntryId"] for i in backwards.data] == chosen[::-1][:5]


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
