"""Nested shapes whose published schemas are the same in every version, and mapping helpers."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from pydantic import PlainSerializer

from export_api.models import accounting_entries as domain
from export_api.models.base import ContractModel
from export_api.models.numbers import AS_JSON_NUMBER
from export_api.versions.items.base import ProjectionContext

T = TypeVar("T")

# A tax rate is a fraction and travels as a JSON number (0.25), not as pydantic's decimal string.
Fraction = Annotated[Decimal, AS_JSON_NUMBER]


def _utc_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: A date-time in the form `yyyy-MM-dd'T'HH:mm:ss'Z'` (the published ServicePeriod format): UTC, whole seconds.
UtcSeconds = Annotated[datetime, PlainSerializer(_utc_seconds, return_type=str, when_used="json")]


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


def money(value: domain.Money) -> MoneyModel:
    return MoneyModel(currency=value.currency, value=value.value)


def amount(value: domain.Amount) -> ExportItemAmount:
    return ExportItemAmount(
        in_supplier_currency=money(value.in_supplier_currency), in_wallet_currency=money(value.in_wallet_currency)
    )


def files(entry: domain.AccountingEntry) -> list[ExportItemFile] | None:
    return [ExportItemFile(size=f.size, type=f.type, url=f.url) for f in entry.files] or None


def invoice_information(entry: domain.AccountingEntry) -> InvoiceInformation | None:
    info = entry.invoice_information
    if info is None:
        return None
    bank = info.supplier_bank_account
    return InvoiceInformation(
        invoice_date=utc(info.invoice_date),
        invoice_number=info.invoice_number,
        status=info.status.value,
        due_date=utc(info.due_date) if info.due_date else None,
        payment_date=utc(info.payment_date) if info.payment_date else None,
        supplier_bank_account=SupplierBankAccount(
            bank_name=bank.bank_name,
            country=bank.country,
            account_number=bank.account_number,
            bank_code=bank.bank_code,
            bic=bank.bic,
            iban=bank.iban,
        )
        if bank
        else None,
    )


def links(entry: domain.AccountingEntry, context: ProjectionContext) -> LinksResponse:
    """`api.exportItem`: the entry's export job item on this service (`GET /v3/export-job-items`), the one
    per-entry resource of the contract; the service has no web or mobile app to link to."""
    query = urlencode({"company_id": str(entry.company_id), "accounting_entry_id": str(entry.accounting_entry_id)})
    return LinksResponse(api={"exportItem": f"{context.base_url}/v3/export-job-items?{query}"})


def optional_list(values: tuple[T, ...]) -> list[T] | None:
    """An optional array is left out when empty, like every other absent optional field."""
    return list(values) or None
