"""Nested shapes first published by v1 or v2 and published unchanged by the later versions (v2 names
v1's `*V2`, v3 names both `*V3`): their models and mappers.

Apart from the versions' own items (v1.py, v2.py), so that a function serving v3 builds v3's item and
these, and no v1 or v2 item until a request asks for one.
"""

from uuid import UUID

from pydantic import Field

from export_api.models.accounting_entries import AccountingEntry, BookkeepingMethod, EntryLine
from export_api.models.base import ContractModel
from export_api.versions.items import common
from export_api.versions.items.base import ProjectionContext
from export_api.versions.items.common import UtcSeconds

# Published by v1.


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
    invoice_information: common.InvoiceInformation | None = None
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


# Published by v2.


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


def account(entry_line: EntryLine) -> AccountV1 | None:
    found = entry_line.account
    return AccountV1(id=found.id, name=found.name, code=found.code, identifier=found.identifier) if found else None


def tags(entry_line: EntryLine) -> list[TagV1] | None:
    return [TagV1(id=t.id, code=t.code, group_code=t.group_code) for t in entry_line.tags] or None


def additional_information(entry: AccountingEntry) -> ExportItemAdditionalInformationV1:
    return ExportItemAdditionalInformationV1(
        reconciliation_id=entry.reconciliation_id,
        attendees=common.optional_list(entry.attendees),
        invoice_information=common.invoice_information(entry),
        reconciled_entries=common.optional_list(entry.reconciled_entries),
    )


def supplier(entry: AccountingEntry) -> SupplierV1 | None:
    found = entry.supplier
    if found is None:
        return None
    return SupplierV1(
        account=found.account,
        category_code=found.category_code,
        code=found.code,
        country=found.country,
        name=found.name,
        tax_identifier=found.tax_identifier,
    )


def team(entry: AccountingEntry) -> TeamV1 | None:
    return TeamV1(id=entry.team.id, name=entry.team.name, code=entry.team.code) if entry.team else None


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
