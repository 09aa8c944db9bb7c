"""v1 `ExportItemV1`: `additionalInformation` (with `reconciledEntries`) instead of `metadata`, `team`
beside `teamCode`, Pleo ids on accounts, tags, taxes and the user (still required), all 17 item types."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from export_api.errors import UnsupportedAccountingEntryType
from export_api.models.accounting_entries import AccountingEntry, EntryLine
from export_api.models.base import ContractModel
from export_api.versions.items import parts
from export_api.versions.items.base import ExportItemProjection, Fields, ProjectionContext
from export_api.versions.items.parts import (
    AccountV1,
    ExportItemAdditionalInformationV1,
    ExportItemAmount,
    ExportItemFile,
    Fraction,
    LinksResponse,
    SupplierV1,
    TagV1,
    TeamV1,
)


class TaxV1(ContractModel):
    id: UUID
    amount: ExportItemAmount
    rate: Fraction
    type: str
    code: str | None = None


class ExportItemLineV1(ContractModel):
    accounting_entry_line_id: UUID
    line_amount: ExportItemAmount
    net_amount: ExportItemAmount
    account: AccountV1 | None = None
    tags: list[TagV1] | None = None
    tax: TaxV1 | None = None


class ExportItemUserV1(ContractModel):
    id: UUID
    name: str
    code: str | None = None


class ExportItemV1(ContractModel):
    links: LinksResponse = Field(alias="_links")
    accounting_entry_id: UUID
    accounting_entry_lines: list[ExportItemLineV1]
    additional_information: ExportItemAdditionalInformationV1
    amount: ExportItemAmount
    company_id: UUID
    date: datetime
    type: str
    user: ExportItemUserV1
    files: list[ExportItemFile] | None = None
    note: str | None = None
    supplier: SupplierV1 | None = None
    team: TeamV1 | None = None
    team_code: str | None = None


def line(entry_line: EntryLine) -> Fields:
    """`ExportItemLineV1`."""
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
        }
        if tax
        else None,
    }


def export_item(entry: AccountingEntry, context: ProjectionContext) -> Fields:
    """`ExportItemV1`."""
    if entry.user is None:
        raise UnsupportedAccountingEntryType(
            f"Accounting entry {entry.accounting_entry_id} has no user, which v1 export items require: "
            "read this job's export items with v2 or later."
        )
    return {
        "links": parts.links(entry, context),
        "accounting_entry_id": entry.accounting_entry_id,
        "accounting_entry_lines": [line(entry_line) for entry_line in entry.lines],
        "additional_information": parts.additional_information(entry),
        "amount": parts.amount(entry.amount),
        "company_id": entry.company_id,
        "date": parts.utc(entry.date),
        "type": entry.type.value,
        "user": {"id": entry.user.id, "name": entry.user.name, "code": entry.user.code},
        "files": parts.files(entry),
        "note": entry.note,
        "supplier": parts.supplier(entry),
        "team": parts.team(entry),
        "team_code": entry.team.code if entry.team else None,
    }


PROJECTION = ExportItemProjection(schema=ExportItemV1, project=export_item)
