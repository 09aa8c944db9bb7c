"""The parts of an export item that more than one version publishes with the same fields, and their
mappers from the accounting entry.

v0 published the money, file, invoice and link shapes that every later version keeps; v1 and v2 published
the shapes that the later versions keep under their own names (v2's `SupplierV2` is v1's `SupplierV1`,
v3's `SupplierV3` too). A version's own module (v0.py ... v3.py) holds what that version alone publishes.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, TypeVar
from urllib.parse import urlencode
from uuid import UUID

from pydantic import Field, PlainSerializer

from export_api.models.accounting_entries import AccountingEntry, Amount, BookkeepingMethod, EntryLine, Money
from export_api.models.base import ContractModel
from export_api.models.numbers import AS_JSON_NUMBER
from export_api.versions.items.base import Fields, ProjectionContext

T = TypeVar("T")

# A tax rate is a fraction and travels as a JSON number (0.25), not as pydantic's decimal string.
Fraction = Annotated[Decimal, AS_JSON_NUMBER]


def _utc_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: A date-time in the form `yyyy-MM-dd'T'HH:mm:ss'Z'` (the published ServicePeriod format): UTC, whole seconds.
UtcSeconds = Annotated[datetime, PlainSerializer(_utc_seconds, return_type=str, when_used="json")]


# Published by v0, kept by every version.


class MoneyModel(ContractModel):
    currency: str
    #: Minor units: 896.96 SEK is 89696.
    value: int


class ExportItemAmount(ContractModel):
    in_supplier_currency: MoneyModel
    in_wallet_currency: MoneyModel


class ExportItemFile(ContractModel):
    size: int
    type: str
    url: str


class SupplierBankAccount(ContractModel):
    bank_name: str
    country: str
    account_number: str | None = None
    bank_code: str | None = None
    bic: str | None = None
    iban: str | None = None


class InvoiceInformation(ContractModel):
    """`InvoiceInformation` (v0), `InvoiceInformationV1`, `InvoiceInformationV2` (V3 types `status` as a string)."""

    invoice_date: datetime
    invoice_number: str
    status: str
    due_date: datetime | None = None
    payment_date: datetime | None = None
    supplier_bank_account: SupplierBankAccount | None = None


class LinksResponse(ContractModel):
    api: dict[str, str] | None = None
    web: dict[str, str] | None = None
    mobile: dict[str, str] | None = None


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def money(value: Money) -> Fields:
    """`MoneyModel`."""
    return {"currency": value.currency, "value": value.value}


def amount(value: Amount) -> Fields:
    """`ExportItemAmount`."""
    return {
        "in_supplier_currency": money(value.in_supplier_currency),
        "in_wallet_currency": money(value.in_wallet_currency),
    }


def files(entry: AccountingEntry) -> list[Fields] | None:
    """`ExportItemFile`s."""
    return [{"size": f.size, "type": f.type, "url": f.url} for f in entry.files] or None


def invoice_information(entry: AccountingEntry) -> Fields | None:
    """`InvoiceInformation`."""
    info = entry.invoice_information
    if info is None:
        return None
    bank = info.supplier_bank_account
    return {
        "invoice_date": utc(info.invoice_date),
        "invoice_number": info.invoice_number,
        "status": info.status.value,
        "due_date": utc(info.due_date) if info.due_date else None,
        "payment_date": utc(info.payment_date) if info.payment_date else None,
        "supplier_bank_account": {
            "bank_name": bank.bank_name,
            "country": bank.country,
            "account_number": bank.account_number,
            "bank_code": bank.bank_code,
            "bic": bank.bic,
            "iban": bank.iban,
        }
        if bank
        else None,
    }


def links(entry: AccountingEntry, context: ProjectionContext) -> Fields:
    """`LinksResponse`, `api.exportItem`: the entry's export job item on this service (`GET
    /v3/export-job-items`), the one per-entry resource of the contract; the service has no web or mobile
    app to link to."""
    query = urlencode({"company_id": str(entry.company_id), "accounting_entry_id": str(entry.accounting_entry_id)})
    return {"api": {"exportItem": f"{context.base_url}/v3/export-job-items?{query}"}}


def optional_list(values: tuple[T, ...]) -> list[T] | None:
    """An optional array is left out when empty, like every other absent optional field."""
    return list(values) or None


# Published by v1, kept by v2 and v3.


class AccountV1(ContractModel):
    id: UUID
    name: str
    code: str | None = None
    identifier: str | None = None


class TagV1(ContractModel):
    id: UUID
    code: str
    group_code: str


class ExportItemAdditionalInformationV1(ContractModel):
    reconciliation_id: str
    attendees: list[str] | None = None
    invoice_information: InvoiceInformation | None = None
    reconciled_entries: list[str] | None = None


class SupplierV1(ContractModel):
    account: str | None = None
    category_code: str | None = None
    code: str | None = None
    country: str | None = None
    name: str | None = None
    tax_identifier: str | None = None


class TeamV1(ContractModel):
    id: UUID
    name: str
    code: str | None = None


# Published by v2, kept by v3.


class BookkeepingV2(ContractModel):
    method: str


class ServicePeriodV2(ContractModel):
    start: UtcSeconds = Field(alias="from")
    end: UtcSeconds = Field(alias="to")


class VendorV2(ContractModel):
    id: UUID
    name: str
    default_currency: str
    code: str | None = None
    country: str | None = None
    external_id: str | None = None
    registration_number: str | None = None
    tax_registration_number: str | None = None


class ExportItemUserV2(ContractModel):
    id: UUID
    name: str
    code: str | None = None


def account(entry_line: EntryLine) -> Fields | None:
    """`AccountV1`."""
    found = entry_line.account
    return {"id": found.id, "name": found.name, "code": found.code, "identifier": found.identifier} if found else None


def tags(entry_line: EntryLine) -> list[Fields] | None:
    """`TagV1`s."""
    return [{"id": t.id, "code": t.code, "group_code": t.group_code} for t in entry_line.tags] or None


def additional_information(entry: AccountingEntry) -> Fields:
    """`ExportItemAdditionalInformationV1`."""
    return {
        "reconciliation_id": entry.reconciliation_id,
        "attendees": optional_list(entry.attendees),
        "invoice_information": invoice_information(entry),
        "reconciled_entries": optional_list(entry.reconciled_entries),
    }


def supplier(entry: AccountingEntry) -> Fields | None:
    """`SupplierV1`."""
    found = entry.supplier
    if found is None:
        return None
    return {
        "account": found.account,
        "category_code": found.category_code,
        "code": found.code,
        "country": found.country,
        "name": found.name,
        "tax_identifier": found.tax_identifier,
    }


def team(entry: AccountingEntry) -> Fields | None:
    """`TeamV1`."""
    return {"id": entry.team.id, "name": entry.team.name, "code": entry.team.code} if entry.team else None


def bookkeeping_method(entry: AccountingEntry, context: ProjectionContext) -> str | None:
    """Only for a job with vendor-based bookkeeping; an entry that names no method has none (`none`:
    "no specific bookkeeping method", docs/decisions.md)."""
    if not context.vendor_based_bookkeeping:
        return None
    return (entry.bookkeeping_method or BookkeepingMethod.NONE).value


def vendor(entry: AccountingEntry, context: ProjectionContext) -> Fields | None:
    """`VendorV2`."""
    found = entry.vendor
    if found is None or not context.vendor_based_bookkeeping:
        return None
    return {
        "id": found.id,
        "name": found.name,
        "default_currency": found.default_currency,
        "code": found.code,
        "country": found.country,
        "external_id": found.external_id,
        "registration_number": found.registration_number,
        "tax_registration_number": found.tax_registration_number,
    }


def service_period(entry: AccountingEntry) -> Fields | None:
    """`ServicePeriodV2`."""
    period = entry.service_period
    if period is None:
        return None
    return {"start": period.start, "end": period.end}
