"""v2 `ExportItemV2`: v1's item with `vendor` and `bookkeeping` (only for jobs with vendor-based
bookkeeping), `servicePeriod`, `subType`, and an optional `user`.

Its lines, additional information, supplier and team are published exactly as v1's (`*V2` = `*V1`),
so they are v1's models and mappers.
"""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from export_api.models.accounting_entries import AccountingEntry, BookkeepingMethod
from export_api.models.base import ContractModel
from export_api.versions.items import common, v1
from export_api.versions.items.base import ExportItemProjection, ProjectionContext
from export_api.versions.items.common import ExportItemAmount, ExportItemFile, LinksResponse, UtcSeconds

ExportItemLineV2 = v1.ExportItemLineV1
ExportItemAdditionalInformationV2 = v1.ExportItemAdditionalInformationV1
SupplierV2 = v1.SupplierV1
TeamV2 = v1.TeamV1


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


def bookkeeping_method(entry: AccountingEntry, context: ProjectionContext) -> str | None:
    """Only for a job with vendor-based bookkeeping (notes.md §0); an entry that names no method has
    none (`none`: "no specific bookkeeping method")."""
    if not context.vendor_based_bookkeeping:
        return None
    return (entry.bookkeeping_method or BookkeepingMethod.NONE).value


def vendor(entry: AccountingEntry, context: ProjectionContext) -> VendorV2 | None:
    found = entry.vendor
    if found is None or not context.vendor_based_bookkeeping:
        return None
    return VendorV2(
        id=found.id,
        name=found.name,
        default_currency=found.default_currency,
        code=found.code,
        country=found.country,
        external_id=found.external_id,
        registration_number=found.registration_number,
        tax_registration_number=found.tax_registration_number,
    )


def service_period(entry: AccountingEntry) -> ServicePeriodV2 | None:
    period = entry.service_period
    if period is None:
        return None
    return ServicePeriodV2(start=period.start, end=period.end)


def export_item(entry: AccountingEntry, context: ProjectionContext) -> ExportItemV2:
    method = bookkeeping_method(entry, context)
    user = entry.user
    return ExportItemV2(
        links=common.links(entry, context),
        accounting_entry_id=entry.accounting_entry_id,
        accounting_entry_lines=[v1.line(entry_line) for entry_line in entry.lines],
        additional_information=v1.additional_information(entry),
        amount=common.amount(entry.amount),
        company_id=entry.company_id,
        date=common.utc(entry.date),
        type=entry.type.value,
        bookkeeping=BookkeepingV2(method=method) if method else None,
        files=common.files(entry),
        note=entry.note,
        service_period=service_period(entry),
        sub_type=entry.sub_type.value if entry.sub_type else None,
        supplier=v1.supplier(entry),
        team=v1.team(entry),
        team_code=entry.team.code if entry.team else None,
        user=ExportItemUserV2(id=user.id, name=user.name, code=user.code) if user else None,
        vendor=vendor(entry, context),
    )


PROJECTION = ExportItemProjection(schema=ExportItemV2, project=export_item)
