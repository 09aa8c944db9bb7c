"""Each version's export item, mapped from accounting entries built in the domain model: the fields the
published contract names for that version, checked against its schema, and nothing else."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from export_api.errors import MissingContraAccounts, UnsupportedAccountingEntryType
from export_api.models.accounting_entries import (
    AccountingEntry,
    Amount,
    BookkeepingMethod,
    EntryLine,
    ExportItemSubType,
    ExportItemType,
    File,
    GeneralLedgerAccount,
    InvoiceInformation,
    InvoiceStatus,
    Money,
    ServicePeriod,
    Supplier,
    SupplierBankAccount,
    Tag,
    Tax,
    TaxType,
    Team,
    User,
    Vendor,
)
from export_api.models.accounting_settings import AccountingSettings, ContraAccount, PleoAccount
from export_api.versions.items import v0, v1, v2, v3
from export_api.versions.items.base import ExportItemProjection, ProjectionContext
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.support.contract import contract

BASE_URL = "https://api.example.com/prod"
COMPANY = UUID("0b8d7c4e-8d52-4c8e-9a53-6a3b4f3b1a11")
PLEO_ACCOUNT = UUID("3f0a7a4b-2b8f-4a57-8d0b-3f2f1a9c0e21")
CONTRA_ACCOUNT = UUID("9c4e2d1a-7b3f-4e8a-b5c6-d7e8f9a0b1c2")
# Two hours east of UTC: every date-time of an item is shown in UTC.
CEST = timezone(timedelta(hours=2))

PROJECTIONS: dict[str, tuple[ExportItemProjection, str]] = {
    "v0": (v0.PROJECTION, "ExportItem"),
    "v1": (v1.PROJECTION, "ExportItemV1"),
    "v2": (v2.PROJECTION, "ExportItemV2"),
    "v3": (v3.PROJECTION, "ExportItemV3"),
}


def _amount(supplier: int, wallet: int, currency: str = "SEK") -> Amount:
    return Amount(
        in_supplier_currency=Money(currency=currency, value=supplier),
        in_wallet_currency=Money(currency="DKK", value=wallet),
    )


def _line(**overrides: Any) -> EntryLine:
    fields: dict[str, Any] = {
        "accounting_entry_line_id": uuid4(),
        "line_amount": _amount(125_000, 80_000),
        "net_amount": _amount(100_000, 64_000),
        "account": GeneralLedgerAccount(id=uuid4(), name="Consulting", code="6500", identifier="GL-6500"),
        "tags": (Tag(id=uuid4(), code="P-ALPHA", group_code="PROJECT"),),
        "tax": Tax(
            id=uuid4(),
            rate=Decimal("0.25"),
            type=TaxType.INCLUSIVE,
            amount=_amount(25_000, 16_000),
            code="S25",
            ingoing_tax_account="6601",
            outgoing_tax_account="6602",
        ),
    }
    return EntryLine(**{**fields, **overrides})


def full_entry(**overrides: Any) -> AccountingEntry:
    """An invoice with every optional field the domain holds."""
    fields: dict[str, Any] = {
        "accounting_entry_id": uuid4(),
        "company_id": COMPANY,
        "type": ExportItemType.INVOICE,
        "sub_type": ExportItemSubType.INVOICE_PAYMENT_SENT,
        "date": datetime(2026, 10, 1, 11, 30, tzinfo=CEST),
        "amount": _amount(125_000, 80_000),
        "lines": (_line(),),
        "reconciliation_id": "BOOK-000042",
        "note": "Consulting, invoice NC-42",
        "attendees": ("Ada Lovelace",),
        "reconciled_entries": ("BOOK-000041",),
        "invoice_information": InvoiceInformation(
            invoice_date=datetime(2026, 9, 1, tzinfo=UTC),
            invoice_number="NC-42",
            status=InvoiceStatus.SCHEDULED,
            due_date=datetime(2026, 10, 1, tzinfo=UTC),
            supplier_bank_account=SupplierBankAccount(bank_name="Handelsbanken", country="SE", iban="SE45500000"),
        ),
        "files": (File(url="https://files.example.com/nc-42.pdf", type="application/pdf", size=182_044),),
        "supplier": Supplier(name="Nordic Consulting AB", code="SUP-SE-7", country="SE", tax_identifier="SE5566"),
        "vendor": Vendor(id=uuid4(), name="Nordic Consulting AB", default_currency="SEK", code="V-1007"),
        "team": Team(id=uuid4(), name="Engineering", code="T-ENG"),
        "user": User(id=uuid4(), name="Grace Hopper", code="E-102"),
        "bookkeeping_method": BookkeepingMethod.ACCOUNTS_PAYABLE,
        "service_period": ServicePeriod(
            start=datetime(2026, 8, 1, 2, 0, 0, 500_000, tzinfo=CEST), end=datetime(2026, 9, 1, tzinfo=UTC)
        ),
        "pleo_account_id": PLEO_ACCOUNT,
    }
    return AccountingEntry(**{**fields, **overrides})


def minimal_entry(**overrides: Any) -> AccountingEntry:
    """An entry with only the fields the domain requires."""
    fields: dict[str, Any] = {
        "accounting_entry_id": uuid4(),
        "company_id": COMPANY,
        "type": ExportItemType.MILEAGE,
        "date": datetime(2026, 10, 1, 9, tzinfo=UTC),
        "amount": _amount(15_160, 15_160, "DKK"),
        "lines": (_line(account=None, tags=(), tax=None, line_amount=_amount(15_160, 15_160, "DKK")),),
        "reconciliation_id": "BOOK-000007",
    }
    return AccountingEntry(**{**fields, **overrides})


def mapped_settings(mapped: bool = True) -> AccountingSettings:
    contra = ContraAccount(id=CONTRA_ACCOUNT, name="Pleo DKK Account", code="5820", identifier="ERP-5820")
    account = PleoAccount(
        id=PLEO_ACCOUNT, name="Pleo DKK Account", currency="DKK", contra_account=contra if mapped else None
    )
    return AccountingSettings(company_id=COMPANY, accounts=(account,))


def context(vendor_based: bool = False, settings: AccountingSettings | None = None) -> ProjectionContext:
    return ProjectionContext(
        job_id=uuid4(), vendor_based_bookkeeping=vendor_based, base_url=BASE_URL, accounting_settings=settings
    )


def item(version: str, entry: AccountingEntry, vendor_based: bool = False) -> dict[str, Any]:
    """The version's item as JSON, checked against the version's published schema."""
    projection, schema_name = PROJECTIONS[version]
    body = projection.body(entry, context(vendor_based, mapped_settings()))
    spec = contract()
    validator = OAS30Validator(
        {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]},
        format_checker=oas30_format_checker,
    )
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, f"{version} item does not match {schema_name}: {errors}"
    return body


@pytest.mark.parametrize("version", sorted(PROJECTIONS))
def test_every_version_maps_the_common_fields(version: str) -> None:
    entry = full_entry()
    body = item(version, entry)
    assert body["accountingEntryId"] == str(entry.accounting_entry_id)
    assert body["companyId"] == str(COMPANY)
    assert body["type"] == "invoice"
    assert body["date"].startswith("2026-10-01T09:30:00")  # 11:30 at +02:00, shown in UTC
    assert body["amount"] == {
        "inSupplierCurrency": {"currency": "SEK", "value": 125_000},
        "inWalletCurrency": {"currency": "DKK", "value": 80_000},
    }
    assert body["note"] == "Consulting, invoice NC-42"
    assert body["files"] == [{"size": 182_044, "type": "application/pdf", "url": "https://files.example.com/nc-42.pdf"}]
    (line,) = body["accountingEntryLines"]
    assert line["accountingEntryLineId"] == str(entry.lines[0].accounting_entry_line_id)
    assert line["netAmount"]["inSupplierCurrency"] == {"currency": "SEK", "value": 100_000}
    # A tax rate is a fraction, as a JSON number.
    assert line["tax"]["rate"] == 0.25
    assert line["tax"]["type"] == "inclusive"
    assert line["tags"][0]["code"] == "P-ALPHA"
    assert line["tags"][0]["groupCode"] == "PROJECT"
    query = f"company_id={COMPANY}&accounting_entry_id={entry.accounting_entry_id}"
    assert body["_links"] == {"api": {"exportItem": f"{BASE_URL}/v3/export-job-items?{query}"}}


@pytest.mark.parametrize("version", sorted(PROJECTIONS))
def test_absent_optional_fields_are_left_out_never_null(version: str) -> None:
    entry = minimal_entry(user=User(id=uuid4(), name="Alan Turing"))
    body = item(version, entry)
    assert None not in _values(body)
    for absent in ("files", "note", "supplier", "vendor", "bookkeeping", "servicePeriod", "subType", "team"):
        assert absent not in body
    (line,) = body["accountingEntryLines"]
    assert set(line) == {"accountingEntryLineId", "lineAmount", "netAmount"}
    information = body["metadata" if version == "v0" else "additionalInformation"]
    assert information == {"reconciliationId": "BOOK-000007"}


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [v for value in node.values() for v in [value, *_values(value)]]
    if isinstance(node, list):
        return [v for value in node for v in [value, *_values(value)]]
    return []


def test_v0_shows_metadata_team_code_and_the_supplier_identifier() -> None:
    entry = full_entry()
    body = item("v0", entry)
    assert "additionalInformation" not in body
    assert body["metadata"] == {
        "reconciliationId": "BOOK-000042",
        "attendees": ["Ada Lovelace"],
        "invoiceInformation": {
            "invoiceDate": "2026-09-01T00:00:00Z",
            "invoiceNumber": "NC-42",
            "status": "scheduled",
            "dueDate": "2026-10-01T00:00:00Z",
            "supplierBankAccount": {"bankName": "Handelsbanken", "country": "SE", "iban": "SE45500000"},
        },
    }
    assert body["teamCode"] == "T-ENG"
    assert "team" not in body
    assert body["user"] == {"name": "Grace Hopper", "code": "E-102"}
    # v0 calls the supplier's code its identifier.
    assert body["supplier"] == {
        "name": "Nordic Consulting AB",
        "identifier": "SUP-SE-7",
        "country": "SE",
        "taxIdentifier": "SE5566",
    }
    (line,) = body["accountingEntryLines"]
    # v0's account, tag and tax carry no Pleo ids.
    assert line["account"] == {"code": "6500", "identifier": "GL-6500"}
    assert line["tags"] == [{"code": "P-ALPHA", "groupCode": "PROJECT"}]
    assert "id" not in line["tax"]
    for later in ("subType", "servicePeriod", "vendor", "bookkeeping", "contraAccount"):
        assert later not in body


def test_v0_leaves_out_an_account_with_neither_code_nor_identifier() -> None:
    unnamed = GeneralLedgerAccount(id=uuid4(), name="Suspense")
    body = item("v0", full_entry(lines=(_line(account=unnamed),)))
    assert "account" not in body["accountingEntryLines"][0]
    assert item("v1", full_entry(lines=(_line(account=unnamed),)))["accountingEntryLines"][0]["account"] == {
        "id": str(unnamed.id),
        "name": "Suspense",
    }


@pytest.mark.parametrize("kind", [ExportItemType.PERSONAL_SPEND, ExportItemType.FEE])
def test_v0_refuses_the_types_v1_added(kind: ExportItemType) -> None:
    entry = full_entry(type=kind)
    with pytest.raises(UnsupportedAccountingEntryType, match="v1 or later"):
        v0.PROJECTION.body(entry, context())
    assert item("v1", entry)["type"] == kind.value


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_v0_and_v1_require_a_user(version: str) -> None:
    projection, _ = PROJECTIONS[version]
    with pytest.raises(UnsupportedAccountingEntryType, match="v2 or later"):
        projection.body(full_entry(user=None), context())
    assert "user" not in item("v2", full_entry(user=None))


def test_v1_shows_additional_information_team_and_pleo_ids() -> None:
    entry = full_entry()
    body = item("v1", entry)
    assert "metadata" not in body
    assert body["additionalInformation"]["reconciledEntries"] == ["BOOK-000041"]
    assert body["additionalInformation"]["attendees"] == ["Ada Lovelace"]
    assert body["team"] == {"id": str(entry.team.id), "name": "Engineering", "code": "T-ENG"}  # type: ignore[union-attr]
    assert body["teamCode"] == "T-ENG"
    assert body["user"]["id"] == str(entry.user.id)  # type: ignore[union-attr]
    assert body["supplier"]["code"] == "SUP-SE-7"
    (line,) = body["accountingEntryLines"]
    tax = entry.lines[0].tax
    assert tax is not None
    assert line["tax"]["id"] == str(tax.id)
    assert "ingoingTaxAccount" not in line["tax"]
    assert line["tags"][0]["id"] == str(entry.lines[0].tags[0].id)
    for later in ("subType", "servicePeriod", "vendor", "bookkeeping", "contraAccount"):
        assert later not in body


def test_v2_adds_sub_type_and_service_period_in_utc_seconds() -> None:
    body = item("v2", full_entry())
    assert body["subType"] == "invoice_payment_sent"
    # Published as yyyy-MM-dd'T'HH:mm:ss'Z': UTC, whole seconds.
    assert body["servicePeriod"] == {"from": "2026-08-01T00:00:00Z", "to": "2026-09-01T00:00:00Z"}
    assert body["teamCode"] == "T-ENG"
    assert "contraAccount" not in body


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_vendor_and_bookkeeping_only_for_vendor_based_bookkeeping(version: str) -> None:
    entry = full_entry()
    assert "vendor" not in item(version, entry)
    assert "bookkeeping" not in item(version, entry)
    body = item(version, entry, vendor_based=True)
    assert body["bookkeeping"] == {"method": "accounts_payable"}
    assert body["vendor"]["id"] == str(entry.vendor.id)  # type: ignore[union-attr]
    assert body["vendor"]["defaultCurrency"] == "SEK"
    # An entry that names no method has none ("no specific bookkeeping method").
    assert item(version, full_entry(bookkeeping_method=None), vendor_based=True)["bookkeeping"] == {"method": "none"}


def test_v3_adds_the_contra_account_and_tax_accounts_and_drops_team_code() -> None:
    body = item("v3", full_entry())
    assert body["contraAccount"] == {
        "id": str(CONTRA_ACCOUNT),
        "name": "Pleo DKK Account",
        "code": "5820",
        "identifier": "ERP-5820",
    }
    assert "teamCode" not in body
    assert body["team"]["code"] == "T-ENG"
    tax = body["accountingEntryLines"][0]["tax"]
    assert tax["ingoingTaxAccount"] == "6601"
    assert tax["outgoingTaxAccount"] == "6602"
    # An entry that moved money through no Pleo account has no contra account.
    assert "contraAccount" not in item("v3", full_entry(pleo_account_id=None))


def test_v3_refuses_an_entry_whose_pleo_account_has_no_contra_account() -> None:
    with pytest.raises(MissingContraAccounts, match=str(PLEO_ACCOUNT)):
        v3.PROJECTION.body(full_entry(), context(settings=mapped_settings(mapped=False)))
    with pytest.raises(MissingContraAccounts):
        v3.PROJECTION.body(full_entry(), context(settings=None))
    # Earlier versions show no contra account, and need none.
    assert "contraAccount" not in v2.PROJECTION.body(full_entry(), context(settings=None))


def test_negative_amounts_stay_negative_in_minor_units() -> None:
    refund = full_entry(type=ExportItemType.REFUND, amount=_amount(-2_000, -14_920, "EUR"))
    for version in PROJECTIONS:
        assert item(version, refund)["amount"]["inWalletCurrency"] == {"currency": "DKK", "value": -14_920}
