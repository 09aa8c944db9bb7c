"""`AccountingEntry` of the admin API: the ingest body and the listing, in the richest wire shape.

The shape is the v3 export item's (camelCase, the same nested names) without what the service derives
(`_links`, `contraAccount`), plus what v3 does not show: `teamCode` comes from `team`, and the entry
names the Pleo account it moved money through (`pleoAccountId`), whose contra account v3 shows.
Validated here, so a bad entry is a 400 that names the field: currencies and countries from the
published lists, money in minor units, tax rates as fractions, lines that balance to the entry.
"""

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BeforeValidator, Field, TypeAdapter, model_validator

from export_api.admin_api.fields import Code, Text, ThreeLetterCurrency
from export_api.models import accounting_entries as domain
from export_api.models.accounting_entries import (
    BookkeepingMethod,
    ExportItemSubType,
    ExportItemType,
    InvoiceStatus,
    TaxType,
)
from export_api.models.base import RequestModel, Uuid
from export_api.models.codes import COUNTRIES, CURRENCIES
from export_api.models.numbers import AS_JSON_NUMBER

# Money beyond 2^53 minor units is not a JSON number every client reads exactly.
_MAX_MINOR_UNITS = 2**53


def _minor_units(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Input should be an integer amount in minor units (cents): 896.96 SEK is 89696, not 896.96")
    return value


def _fraction(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("Input should be a JSON number")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _currency(value: object) -> object:
    if isinstance(value, str) and value not in CURRENCIES:
        raise ValueError(f"'{value[:8]}' is not a currency of the contract's MoneyModel (ISO 4217, e.g. DKK)")
    return value


def _country(value: object) -> object:
    if isinstance(value, str) and value not in COUNTRIES:
        raise ValueError(f"'{value[:12]}' is not a 2-letter country code of the contract's CountryCode (e.g. DK)")
    return value


Currency = Annotated[str, BeforeValidator(_currency)]
Country = Annotated[str, BeforeValidator(_country)]
MinorUnits = Annotated[int, BeforeValidator(_minor_units), Field(ge=-_MAX_MINOR_UNITS, le=_MAX_MINOR_UNITS)]
TaxRate = Annotated[
    Decimal,
    BeforeValidator(_fraction),
    Field(ge=0, le=1, allow_inf_nan=False, max_digits=12, description="A fraction: 25 % is 0.25"),
    AS_JSON_NUMBER,
]


class MoneyModel(RequestModel):
    currency: Currency
    value: MinorUnits

    def to_domain(self) -> domain.Money:
        return domain.Money(currency=self.currency, value=self.value)

    @classmethod
    def of(cls, money: domain.Money) -> Self:
        return cls(currency=money.currency, value=money.value)


class AmountModel(RequestModel):
    in_supplier_currency: MoneyModel
    in_wallet_currency: MoneyModel

    def to_domain(self) -> domain.Amount:
        return domain.Amount(
            in_supplier_currency=self.in_supplier_currency.to_domain(),
            in_wallet_currency=self.in_wallet_currency.to_domain(),
        )

    @classmethod
    def of(cls, amount: domain.Amount) -> Self:
        return cls(
            in_supplier_currency=MoneyModel.of(amount.in_supplier_currency),
            in_wallet_currency=MoneyModel.of(amount.in_wallet_currency),
        )

    def currencies(self) -> tuple[str, str]:
        return self.in_supplier_currency.currency, self.in_wallet_currency.currency


class AccountModel(RequestModel):
    id: Uuid
    name: Text
    code: Code | None = None
    identifier: Code | None = None


class TagModel(RequestModel):
    id: Uuid
    code: Code
    group_code: Code


class TaxModel(RequestModel):
    id: Uuid
    rate: TaxRate
    type: TaxType
    amount: AmountModel
    code: Code | None = None
    ingoing_tax_account: Code | None = None
    outgoing_tax_account: Code | None = None


class LineModel(RequestModel):
    accounting_entry_line_id: Uuid
    line_amount: AmountModel
    net_amount: AmountModel
    account: AccountModel | None = None
    tags: Annotated[list[TagModel], Field(max_length=50)] | None = None
    tax: TaxModel | None = None

    def amounts(self) -> list[tuple[str, AmountModel]]:
        found = [("lineAmount", self.line_amount), ("netAmount", self.net_amount)]
        return found + ([("tax.amount", self.tax.amount)] if self.tax else [])


class SupplierBankAccountModel(RequestModel):
    bank_name: Text
    country: Country
    account_number: Code | None = None
    bank_code: Code | None = None
    bic: Code | None = None
    iban: Code | None = None


class InvoiceInformationModel(RequestModel):
    invoice_date: AwareDatetime
    invoice_number: Code
    status: InvoiceStatus
    due_date: AwareDatetime | None = None
    payment_date: AwareDatetime | None = None
    supplier_bank_account: SupplierBankAccountModel | None = None


class AdditionalInformationModel(RequestModel):
    reconciliation_id: Code
    attendees: Annotated[list[Text], Field(max_length=100)] | None = None
    reconciled_entries: Annotated[list[Code], Field(max_length=500)] | None = None
    invoice_information: InvoiceInformationModel | None = None

    @model_validator(mode="after")
    def _unique_reconciled_entries(self) -> Self:
        repeated = sorted(k for k, n in Counter(self.reconciled_entries or ()).items() if n > 1)
        if repeated:
            raise ValueError(f"reconciledEntries lists {repeated[0]!r} more than once (they are unique)")
        return self


class FileModel(RequestModel):
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    type: Code
    size: Annotated[int, Field(ge=0, le=2**31 - 1)]


class SupplierModel(RequestModel):
    name: Text | None = None
    code: Code | None = None
    account: Code | None = None
    category_code: Code | None = None
    country: Country | None = None
    tax_identifier: Code | None = None


class VendorModel(RequestModel):
    id: Uuid
    name: Text
    default_currency: ThreeLetterCurrency
    code: Code | None = None
    country: Country | None = None
    external_id: Code | None = None
    registration_number: Code | None = None
    tax_registration_number: Code | None = None


class TeamModel(RequestModel):
    id: Uuid
    name: Text
    code: Code | None = None


class UserModel(RequestModel):
    id: Uuid
    name: Text
    code: Code | None = None


class BookkeepingModel(RequestModel):
    method: BookkeepingMethod


class ServicePeriodModel(RequestModel):
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("servicePeriod.to is before servicePeriod.from")
        return self


class AccountingEntryModel(RequestModel):
    """One accounting entry as the admin API takes and gives it."""

    accounting_entry_id: Uuid
    company_id: Uuid | None = None
    type: ExportItemType
    sub_type: ExportItemSubType | None = None
    date: AwareDatetime
    amount: AmountModel
    accounting_entry_lines: Annotated[list[LineModel], Field(min_length=1, max_length=500)]
    additional_information: AdditionalInformationModel
    note: Annotated[str, Field(max_length=4000)] | None = None
    files: Annotated[list[FileModel], Field(max_length=100)] | None = None
    supplier: SupplierModel | None = None
    vendor: VendorModel | None = None
    team: TeamModel | None = None
    user: UserModel | None = None
    bookkeeping: BookkeepingModel | None = None
    service_period: ServicePeriodModel | None = None
    pleo_account_id: Uuid | None = None

    @model_validator(mode="after")
    def _vendor_for_accounts_payable(self) -> Self:
        # BookkeepingMethodV3: "accounts_payable ... the Vendor parameter must be present".
        if self.bookkeeping and self.bookkeeping.method is BookkeepingMethod.ACCOUNTS_PAYABLE and not self.vendor:
            raise ValueError("bookkeeping.method accounts_payable needs the entry's vendor")
        return self

    @model_validator(mode="after")
    def _lines_balance(self) -> Self:
        """Each line in the entry's two currencies, and the lines summing to the entry's amount."""
        expected = self.amount.currencies()
        for index, line in enumerate(self.accounting_entry_lines):
            for name, amount in line.amounts():
                if amount.currencies() != expected:
                    raise ValueError(
                        f"accountingEntryLines[{index}].{name} is in {'/'.join(amount.currencies())}, "
                        f"but the entry's amount is in {'/'.join(expected)} (supplier/wallet currency)"
                    )
        for side in ("in_supplier_currency", "in_wallet_currency"):
            total = sum(getattr(line.line_amount, side).value for line in self.accounting_entry_lines)
            money: MoneyModel = getattr(self.amount, side)
            if total != money.value:
                wire = "inSupplierCurrency" if side == "in_supplier_currency" else "inWalletCurrency"
                raise ValueError(
                    f"the lines' lineAmount.{wire} add up to {total}, but amount.{wire} is {money.value} "
                    f"{money.currency} (minor units): the lines must balance to the entry's amount"
                )
        return self

    def to_domain(self, company_id: Any) -> domain.AccountingEntry:
        info = self.additional_information
        invoice = info.invoice_information
        return domain.AccountingEntry(
            accounting_entry_id=self.accounting_entry_id,
            company_id=company_id,
            type=self.type,
            sub_type=self.sub_type,
            date=self.date,
            amount=self.amount.to_domain(),
            lines=tuple(
                domain.EntryLine(
                    accounting_entry_line_id=line.accounting_entry_line_id,
                    line_amount=line.line_amount.to_domain(),
                    net_amount=line.net_amount.to_domain(),
                    account=domain.GeneralLedgerAccount(**line.account.model_dump()) if line.account else None,
                    tags=tuple(domain.Tag(**tag.model_dump()) for tag in line.tags or ()),
                    tax=domain.Tax(**line.tax.model_dump(exclude={"amount"}), amount=line.tax.amount.to_domain())
                    if line.tax
                    else None,
                )
                for line in self.accounting_entry_lines
            ),
            reconciliation_id=info.reconciliation_id,
            attendees=tuple(info.attendees or ()),
            reconciled_entries=tuple(info.reconciled_entries or ()),
            invoice_information=domain.InvoiceInformation(
                **invoice.model_dump(exclude={"supplier_bank_account"}),
                supplier_bank_account=domain.SupplierBankAccount(**invoice.supplier_bank_account.model_dump())
                if invoice.supplier_bank_account
                else None,
            )
            if invoice
            else None,
            note=self.note,
            files=tuple(domain.File(**f.model_dump()) for f in self.files or ()),
            supplier=domain.Supplier(**self.supplier.model_dump()) if self.supplier else None,
            vendor=domain.Vendor(**self.vendor.model_dump()) if self.vendor else None,
            team=domain.Team(**self.team.model_dump()) if self.team else None,
            user=domain.User(**self.user.model_dump()) if self.user else None,
            bookkeeping_method=self.bookkeeping.method if self.bookkeeping else None,
            service_period=domain.ServicePeriod(start=self.service_period.start, end=self.service_period.end)
            if self.service_period
            else None,
            pleo_account_id=self.pleo_account_id,
        )

    @classmethod
    def of(cls, entry: domain.AccountingEntry) -> Self:
        invoice = entry.invoice_information
        return cls(
            accounting_entry_id=entry.accounting_entry_id,
            company_id=entry.company_id,
            type=entry.type,
            sub_type=entry.sub_type,
            date=entry.date,
            amount=AmountModel.of(entry.amount),
            accounting_entry_lines=[
                LineModel(
                    accounting_entry_line_id=line.accounting_entry_line_id,
                    line_amount=AmountModel.of(line.line_amount),
                    net_amount=AmountModel.of(line.net_amount),
                    account=AccountModel(**line.account.model_dump()) if line.account else None,
                    tags=[TagModel(**tag.model_dump()) for tag in line.tags] or None,
                    tax=TaxModel(**line.tax.model_dump(exclude={"amount"}), amount=AmountModel.of(line.tax.amount))
                    if line.tax
                    else None,
                )
                for line in entry.lines
            ],
            additional_information=AdditionalInformationModel(
                reconciliation_id=entry.reconciliation_id,
                attendees=list(entry.attendees) or None,
                reconciled_entries=list(entry.reconciled_entries) or None,
                invoice_information=InvoiceInformationModel(
                    **invoice.model_dump(exclude={"supplier_bank_account"}),
                    supplier_bank_account=SupplierBankAccountModel(**invoice.supplier_bank_account.model_dump())
                    if invoice.supplier_bank_account
                    else None,
                )
                if invoice
                else None,
            ),
            note=entry.note,
            files=[FileModel(**f.model_dump()) for f in entry.files] or None,
            supplier=SupplierModel(**entry.supplier.model_dump()) if entry.supplier else None,
            vendor=VendorModel(**entry.vendor.model_dump()) if entry.vendor else None,
            team=TeamModel(**entry.team.model_dump()) if entry.team else None,
            user=UserModel(**entry.user.model_dump()) if entry.user else None,
            bookkeeping=BookkeepingModel(method=entry.bookkeeping_method) if entry.bookkeeping_method else None,
            service_period=ServicePeriodModel.model_validate(
                {"from": entry.service_period.start, "to": entry.service_period.end}
            )
            if entry.service_period
            else None,
            pleo_account_id=entry.pleo_account_id,
        )


#: The ingest body: a list of entries.
ENTRIES = TypeAdapter(list[AccountingEntryModel])
