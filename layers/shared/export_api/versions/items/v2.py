"""v2 `ExportItemV2`: v1's item with `vendor` and `bookkeeping` (only for jobs with vendor-based
bookkeeping), `servicePeriod`, `subType`, and an optional `user`.

Its lines, additional information, supplier and team are published exactly as v1's (`*V2` = `*V1`),
so they are v1's models and mappers (its lines v1.py's, the rest parts.py's).
"""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from export_api.models.accounting_entries import AccountingEntry
from export_api.models.base import ContractModel
from export_api.versions.items import parts, v1
from export_api.versions.items.base import ExportItemProjection, Fields, ProjectionContext
from export_api.versions.items.parts import (
    BookkeepingV2,
    ExportItemAmount,
    ExportItemFile,
    ExportItemUserV2,
    LinksResponse,
    ServicePeriodV2,
    VendorV2,
)

ExportItemLineV2 = v1.ExportItemLineV1
ExportItemAdditionalInformationV2 = parts.ExportItemAdditionalInformationV1
SupplierV2 = parts.SupplierV1
TeamV2 = parts.TeamV1


class ExportItemV2(ContractModel):
    links: LinksResponse = Field(alias="_links")
    accounting_entry_id: UUID
    accounting_entry_lines: list[ExportItemLineV2]
    additional_information: ExportItemAdditionalInformationV2
    amount: ExportItemAmount
    company_id: UUID
    date: datetime
    type: str
    bookkeeping: BookkeepingV2 | None = None
    files: list[ExportItemFile] | None = None
    note: str | None = None
    service_period: ServicePeriodV2 | None = None
    sub_type: str | None = None
    supplier: SupplierV2 | None = None
    team: TeamV2 | None = None
    team_code: str | None = None
    user: ExportItemUserV2 | None = None
    vendor: VendorV2 | None = None


def export_item(entry: AccountingEntry, context: ProjectionContext) -> Fields:
    """`ExportItemV2`."""
    method = parts.bookkeeping_method(entry, context)
    user = entry.user
    return {
        "links": parts.links(entry, context),
        "accounting_entry_id": entry.accounting_entry_id,
        "accounting_entry_lines": [v1.line(entry_line) for entry_line in entry.lines],
        "additional_information": parts.additional_information(entry),
        "amount": parts.amount(entry.amount),
        "company_id": entry.company_id,
        "date": parts.utc(entry.date),
        "type": entry.type.value,
        "bookkeeping": {"method": method} if method else None,
        "files": parts.files(entry),
        "note": entry.note,
        "service_period": parts.service_period(entry),
        "sub_type": entry.sub_type.value if entry.sub_type else None,
        "supplier": parts.supplier(entry),
        "team": parts.team(entry),
        "team_code": entry.team.code if entry.team else None,
        "user": {"id": user.id, "name": user.name, "code": user.code} if user else None,
        "vendor": parts.vendor(entry, context),
    }


PROJECTION = ExportItemProjection(schema=ExportItemV2, project=export_item)
