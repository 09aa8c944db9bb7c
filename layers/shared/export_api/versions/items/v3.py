"""v3 `ExportItemV3`: v2's item with the mapped `contraAccount`, v3 amounts and lines
(`ExportItemLineAmountV3`, `ExportItemNetAmountV3`), `TaxV3` with `ingoingTaxAccount` and
`outgoingTaxAccount`, no `teamCode`. Served only once every Pleo account of the company has a contra
account (`MISSING_CONTRA_ACCOUNTS`, services/accounting_settings.py)."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from export_api.errors import CONTRA_ACCOUNTS_MESSAGE, MissingContraAccounts
from export_api.models.accounting_entries import AccountingEntry, EntryLine
from export_api.models.base import ContractModel
from export_api.versions.items import parts
from export_api.versions.items.base import ExportItemProjection, Fields, ProjectionContext
from export_api.versions.items.parts import ExportItemAmount, ExportItemFile, Fraction, LinksResponse

# Published under their own names, with ExportItemAmount's exact shape.
ExportItemAmountV3 = ExportItemAmount
ExportItemLineAmountV3 = ExportItemAmount
ExportItemNetAmountV3 = ExportItemAmount
TaxAmountV3 = ExportItemAmount
AccountV3 = parts.AccountV1
TagV3 = parts.TagV1
ExportItemAdditionalInformationV3 = parts.ExportItemAdditionalInformationV1
SupplierV3 = parts.SupplierV1
TeamV3 = parts.TeamV1
BookkeepingV3 = parts.BookkeepingV2
ServicePeriodV3 = parts.ServicePeriodV2
VendorV3 = parts.VendorV2
ExportItemUserV3 = parts.ExportItemUserV2


class TaxV3(ContractModel):
    id: UUID
    amount: TaxAmountV3
    rate: Fraction
    type: str
    code: str | None = None
    ingoing_tax_account: str | None = None
    outgoing_tax_account: str | None = None


class ExportItemLineV3(ContractModel):
    accounting_entry_line_id: UUID
    line_amount: ExportItemLineAmountV3
    net_amount: ExportItemNetAmountV3
    account: AccountV3 | None = None
    tags: list[TagV3] | None = None
    tax: TaxV3 | None = None


class ContraAccount(ContractModel):
    id: UUID
    name: str
    code: str | None = None
    identifier: str | None = None


class ExportItemV3(ContractModel):
    links: LinksResponse = Field(alias="_links")
    accounting_entry_id: UUID
    accounting_entry_lines: list[ExportItemLineV3]
    additional_information: ExportItemAdditionalInformationV3
    amount: ExportItemAmountV3
    company_id: UUID
    date: datetime
    type: str
    bookkeeping: BookkeepingV3 | None = None
    contra_account: ContraAccount | None = None
    files: list[ExportItemFile] | None = None
    note: str | None = None
    service_period: ServicePeriodV3 | None = None
    sub_type: str | None = None
    supplier: SupplierV3 | None = None
    team: TeamV3 | None = None
    user: ExportItemUserV3 | None = None
    vendor: VendorV3 | None = None


def _line(entry_line: EntryLine) -> Fields:
    """`ExportItemLineV3`."""
    tax = entry_line.tax
    return {
        "accounting_entry_line_id": entry_line.accounting_entry_line_id,
        "line_amount": parts.amount(entry_line.line_amount),
        "net_amount": parts.amount(entry_line.net_amount),
        "account": parts.account(entry_line),
        "tags": parts.tags(entry_line),
        "tax": {
            "id": tax.id,
            "amount": parts.amount(tax.amount),
            "rate": tax.rate,
            "type": tax.type.value,
            "code": tax.code,
            "ingoing_tax_account": tax.ingoing_tax_account,
            "outgoing_tax_account": tax.outgoing_tax_account,
        }
        if tax
        else None,
    }


def contra_account(entry: AccountingEntry, context: ProjectionContext) -> Fields | None:
    """The contra account mapped to the Pleo account the entry moved money through (none named: none)."""
    if entry.pleo_account_id is None:
        return None
    settings = context.accounting_settings
    mapped = settings.contra_account(entry.pleo_account_id) if settings else None
    if mapped is None:
        raise MissingContraAccounts(
            f"{CONTRA_ACCOUNTS_MESSAGE.removesuffix('.')}: accounting entry {entry.accounting_entry_id} "
            f"moved money through Pleo account {entry.pleo_account_id}, which has no contra account."
        )
    return {"id": mapped.id, "name": mapped.name, "code": mapped.code, "identifier": mapped.identifier}


def export_item(entry: AccountingEntry, context: ProjectionContext) -> Fields:
    """`ExportItemV3`."""
    method = parts.bookkeeping_method(entry, context)
    user = entry.user
    return {
        "links": parts.links(entry, context),
        "accounting_entry_id": entry.accounting_entry_id,
        "accounting_entry_lines": [_line(entry_line) for entry_line in entry.lines],
        "additional_information": parts.additional_information(entry),
        "amount": parts.amount(entry.amount),
        "company_id": entry.company_id,
        "date": parts.utc(entry.date),
        "type": entry.type.value,
        "bookkeeping": {"method": method} if method else None,
        "contra_account": contra_account(entry, context),
        "files": parts.files(entry),
        "note": entry.note,
        "service_period": parts.service_period(entry),
        "sub_type": entry.sub_type.value if entry.sub_type else None,
        "supplier": parts.supplier(entry),
        "team": parts.team(entry),
        "user": {"id": user.id, "name": user.name, "code": user.code} if user else None,
        "vendor": parts.vendor(entry, context),
    }


PROJECTION = ExportItemProjection(schema=ExportItemV3, project=export_item)
