"""Accounting entries: the data export items are made from, stored in the richest item shape (V3)."""

from decimal import Decimal
from typing import Annotated

from pydantic import AnyUrl, AwareDatetime, BeforeValidator, Field, PlainSerializer

from export_api.models.base import RequestModel, Uuid


def _json_number(value: object) -> object:
    """Only a JSON number is an amount: Decimal alone would also read "12.5" (the contract's type is `number`)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("Input should be a JSON number")
    return value if isinstance(value, Decimal) else Decimal(str(value))


# Money travels as a JSON number (the contract's `number`) but is held as Decimal so no cent is lost.
Amount = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(allow_inf_nan=False, max_digits=20, decimal_places=6),
    PlainSerializer(float, return_type=float, when_used="json"),
]
Text = Annotated[str, Field(max_length=1000)]
Code = Annotated[str, Field(max_length=200)]


class Money(RequestModel):
    currency: Annotated[str, Field(pattern=r"^([A-Z]{3}|UNDEFINED)$")]
    value: Amount


class MultiCurrencyAmount(RequestModel):
    in_supplier_currency: Money | None = None
    in_wallet_currency: Money | None = None


class LinkTarget(RequestModel):
    export_item: AnyUrl | None = None


class ExportItemLinks(RequestModel):
    web: LinkTarget | None = None
    mobile: LinkTarget | None = None
    api: LinkTarget | None = None


class ExportItemAccount(RequestModel):
    id: Uuid | None = None
    name: Text | None = None
    code: Code | None = None
    identifier: Code | None = None


class ExportItemTag(RequestModel):
    code: Code | None = None
    group_code: Code | None = None
    id: Uuid | None = None


class ExportItemTax(RequestModel):
    amount: MultiCurrencyAmount | None = None
    id: Uuid | None = None
    rate: (
        Annotated[
            Decimal,
            BeforeValidator(_json_number),
            Field(ge=0, le=100, allow_inf_nan=False),
            PlainSerializer(float, return_type=float, when_used="json"),
        ]
        | None
    ) = None
    type: Code | None = None
    code: Code | None = None


class AccountingEntryLine(RequestModel):
    accounting_entry_line_id: Uuid | None = None
    line_amount: MultiCurrencyAmount | None = None
    net_amount: MultiCurrencyAmount | None = None
    account: ExportItemAccount | None = None
    tags: Annotated[list[ExportItemTag], Field(max_length=100)] | None = None
    tax: ExportItemTax | None = None


class SupplierBankAccount(RequestModel):
    bank_name: Text | None = None
    country: Code | None = None
    account_number: Code | None = None
    bank_code: Code | None = None
    bic: Code | None = None
    iban: Code | None = None


class InvoiceInformation(RequestModel):
    invoice_date: AwareDatetime | None = None
    invoice_number: Code | None = None
    status: Code | None = None
    due_date: AwareDatetime | None = None
    payment_date: AwareDatetime | None = None
    supplier_bank_account: SupplierBankAccount | None = None


class AdditionalInformation(RequestModel):
    reconciliation_id: Code | None = None
    attendees: Annotated[list[Text], Field(max_length=100)] | None = None
    invoice_information: InvoiceInformation | None = None
    reconciled_entries: Annotated[list[Code], Field(max_length=100)] | None = None


class ExportItemFile(RequestModel):
    url: Annotated[str, Field(max_length=2048)] | None = None
    type: Code | None = None
    size: Annotated[int, Field(ge=0, le=2**53)] | None = None


class ExportItemSupplier(RequestModel):
    code: Code | None = None
    name: Text | None = None
    category_code: Code | None = None
    country: Code | None = None
    account: dict[str, Code] | None = None
    tax_identifier: Code | None = None


class ExportItemUser(RequestModel):
    id: Uuid | None = None
    name: Text | None = None
    code: Code | None = None


class ExportItemBookkeeping(RequestModel):
    method: Code | None = None


class ExportItemFields(RequestModel):
    """The fields every version's export item has (`ExportItem`, `ExportItemV1`)."""

    links: ExportItemLinks | None = Field(default=None, alias="_links")
    accounting_entry_id: Uuid
    company_id: Uuid | None = None
    accounting_entry_lines: Annotated[list[AccountingEntryLine], Field(max_length=500)] = Field(default_factory=list)
    additional_information: AdditionalInformation | None = None
    amount: MultiCurrencyAmount
    date: AwareDatetime
    type: Code
    sub_type: Code | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None
    files: Annotated[list[ExportItemFile], Field(max_length=100)] = Field(default_factory=list)
    supplier: ExportItemSupplier | None = None
    user: ExportItemUser | None = None


class AccountingEntry(ExportItemFields):
    """One accounting entry of a company, in the richest export item shape (`ExportItemV3`).

    Ingested through the admin API; every version's export item is a projection of it.
    """

    bookkeeping: ExportItemBookkeeping | None = None
