"""v0 `ExportItem`: `metadata` (not `additionalInformation`), `teamCode`, `user` required, v0's own
supplier (`identifier`), account (`code`, `identifier`), tag and tax shapes, and 15 item types."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from export_api.errors import UnsupportedAccountingEntryType
from export_api.models.accounting_entries import AccountingEntry, EntryLine, ExportItemType
from export_api.models.base import ContractModel
from export_api.versions.items import parts
from export_api.versions.items.base import ExportItemProjection, Fields, ProjectionContext
from export_api.versions.items.parts import ExportItemAmount, ExportItemFile, Fraction, LinksResponse

#: `ExportItem.type`: `personal_spend` and `fee` came with v1.
TYPES = frozenset(ExportItemType) - {ExportItemType.PERSONAL_SPEND, ExportItemType.FEE}


class Account(ContractModel):
    code: str | None = None
    identifier: str | None = None


class Tag(ContractModel):
    code: str
    group_code: str


class Tax(ContractModel):
    amount: ExportItemAmount
    rate: Fraction
    type: str
    code: str | None = None


class ExportItemLine(ContractModel):
    accounting_entry_line_id: UUID
    line_amount: ExportItemAmount
    net_amount: ExportItemAmount
    account: Account | None = None
    tags: list[Tag] | None = None
    tax: Tax | None = None


class ExportItemMetadata(ContractModel):
    reconciliation_id: str
    attendees: list[str] | None = None
    invoice_information: parts.InvoiceInformation | None = None


class Supplier(ContractModel):
    account: str | None = None
    category_code: str | None = None
    country: str | None = None
    identifier: str | None = None
    name: str | None = None
    tax_identifier: str | None = None


class ExportItemUser(ContractModel):
    name: str
    code: str | None = None


class ExportItem(ContractModel):
    links: LinksResponse = Field(alias="_links")
    accounting_entry_id: UUID
    accounting_entry_lines: list[ExportItemLine]
    amount: ExportItemAmount
    company_id: UUID
    date: datetime
    metadata: ExportItemMetadata
    type: str
    user: ExportItemUser
    files: list[ExportItemFile] | None = None
    note: str | None = None
    supplier: Supplier | None = None
    team_code: str | None = None


def _line(line: EntryLine) -> Fields:
    """`ExportItemLine`."""
    account = line.account
    tax = line.tax
    return {
        "accounting_entry_line_id": line.accounting_entry_line_id,
        "line_amount": parts.amount(line.line_amount),
        "net_amount": parts.amount(line.net_amount),
        # v0's account names no Pleo id or name: without a code or identifier there is nothing to show.
        "account": {"code": account.code, "identifier": account.identifier}
        if account and (account.code or account.identifier)
        else None,
        "tags": [{"code": t.code, "group_code": t.group_code} for t in line.tags] or None,
        "tax": {"amount": parts.amount(tax.amount), "rate": tax.rate, "type": tax.type.value, "code": tax.code}
        if tax
        else None,
    }


def export_item(entry: AccountingEntry, context: ProjectionContext) -> Fields:
    """`ExportItem`."""
    if entry.type not in TYPES:
        raise UnsupportedAccountingEntryType(
            f"Accounting entry {entry.accounting_entry_id} is a {entry.type.value} entry, which v0 export items "
            "cannot express: read this job's export items with v1 or later."
        )
    if entry.user is None:
        raise UnsupportedAccountingEntryType(
            f"Accounting entry {entry.accounting_entry_id} has no user, which v0 export items require: "
            "read this job's export items with v2 or later."
        )
    supplier = entry.supplier
    return {
        "links": parts.links(entry, context),
        "accounting_entry_id": entry.accounting_entry_id,
        "accounting_entry_lines": [_line(line) for line in entry.lines],
        "amount": parts.amount(entry.amount),
        "company_id": entry.company_id,
        "date": parts.utc(entry.date),
        "metadata": {
            "reconciliation_id": entry.reconciliation_id,
            "attendees": parts.optional_list(entry.attendees),
            "invoice_information": parts.invoice_information(entry),
        },
        "type": entry.type.value,
        "user": {"name": entry.user.name, "code": entry.user.code},
        "files": parts.files(entry),
        "note": entry.note,
        "supplier": {
            "account": supplier.account,
            "category_code": supplier.category_code,
            "country": supplier.country,
            "identifier": supplier.code,
            "name": supplier.name,
            "tax_identifier": supplier.tax_identifier,
        }
        if supplier
        else None,
        "team_code": entry.team.code if entry.team else None,
    }


PROJECTION = ExportItemProjection(schema=ExportItem, project=export_item)
