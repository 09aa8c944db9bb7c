"""The accounting entry, the domain every export item is projected from.

Stored once, in its richest form: everything any version of the export item shows (docs/decisions.md, "Export
items per version"). Money is in minor units with its currency (896.96 SEK is 89696), tax rates are fractions
(25 % is 0.25). The admin API's ingest body is validated into this model (admin_api/accounting_entries.py);
each version's export item is a projection of it (versions/items/); the repository stores it in a record of
its own (repositories/items.py).
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ExportItemType(StrEnum):
    """`ExportItemTypeV3`; v0's `ExportItem.type` lacks the last two (`personal_spend`, `fee`)."""

    CARD_PURCHASE = "card_purchase"
    CARD_INVOICE = "card_invoice"
    OUT_OF_POCKET = "out_of_pocket"
    MILEAGE = "mileage"
    PER_DIEM = "per_diem"
    EXTERNAL_REIMBURSEMENT = "external_reimbursement"
    DIRECT_REIMBURSEMENT = "direct_reimbursement"
    INVOICE = "invoice"
    INVOICE_PAYMENT = "invoice_payment"
    CHARGEBACK = "chargeback"
    REFUND = "refund"
    CASHBACK = "cashback"
    ATM_WITHDRAWAL = "atm_withdrawal"
    WALLET_TOPUP = "wallet_topup"
    WALLET_UNLOAD = "wallet_unload"
    PERSONAL_SPEND = "personal_spend"
    FEE = "fee"


class ExportItemSubType(StrEnum):
    """`ExportItemSubTypeV3`."""

    REIMBURSEMENT_TO_EMPLOYEE_REFUND = "reimbursement_to_employee_refund"
    REIMBURSEMENT_TO_COMPANY = "reimbursement_to_company"
    REIMBURSEMENT_TO_EMPLOYEE = "reimbursement_to_employee"
    INVOICE_PAYMENT_RETURNED = "invoice_payment_returned"
    INVOICE_PAYMENT_SENT = "invoice_payment_sent"
    INTEREST = "interest"


class InvoiceStatus(StrEnum):
    """`InvoiceInformationStatusV3` (the same 13 values as `InvoiceInformation*.status`)."""

    PENDING_APPROVAL = "pending_approval"
    PARSED = "parsed"
    PREPARING = "preparing"
    PREPARED = "prepared"
    READY = "ready"
    REJECTED_BY_APPROVER = "rejected_by_approver"
    MARKED_AS_PAID = "marked_as_paid"
    SCHEDULED = "scheduled"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    PAID = "paid"
    VOIDED_BY_USER = "voided_by_user"
    REJECTED_BY_USER = "rejected_by_user"
    FAILED_PAYMENT = "failed_payment"


class TaxType(StrEnum):
    """`TaxTypeV3` (the same values as `Tax*.type`)."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"
    REVERSE = "reverse"


class BookkeepingMethod(StrEnum):
    """`BookkeepingMethodV2` / `BookkeepingMethodV3`."""

    NONE = "none"
    JOURNAL = "journal"
    ACCOUNTS_PAYABLE = "accounts_payable"


class DomainModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(DomainModel):
    currency: str
    #: Minor units (cents): 896.96 SEK is 89696.
    value: int


class Amount(DomainModel):
    """An amount in the supplier's currency and in the company wallet's currency."""

    in_supplier_currency: Money
    in_wallet_currency: Money


class GeneralLedgerAccount(DomainModel):
    """The account a line is booked on (`Account*`)."""

    id: UUID
    name: str
    code: str | None = None
    identifier: str | None = None


class Tag(DomainModel):
    id: UUID
    code: str
    group_code: str


class Tax(DomainModel):
    id: UUID
    #: A fraction: 25 % is 0.25.
    rate: Decimal
    type: TaxType
    amount: Amount
    code: str | None = None
    ingoing_tax_account: str | None = None
    outgoing_tax_account: str | None = None


class EntryLine(DomainModel):
    accounting_entry_line_id: UUID
    line_amount: Amount
    net_amount: Amount
    account: GeneralLedgerAccount | None = None
    tags: tuple[Tag, ...] = ()
    tax: Tax | None = None


class SupplierBankAccount(DomainModel):
    bank_name: str
    country: str
    account_number: str | None = None
    bank_code: str | None = None
    bic: str | None = None
    iban: str | None = None


class InvoiceInformation(DomainModel):
    invoice_date: datetime
    invoice_number: str
    status: InvoiceStatus
    due_date: datetime | None = None
    payment_date: datetime | None = None
    supplier_bank_account: SupplierBankAccount | None = None


class Supplier(DomainModel):
    """The merchant or supplier. `code` is its identifier in the accounting system: v0 calls it
    `identifier`, v1-v3 `code` (the published descriptions say the same of both)."""

    name: str | None = None
    code: str | None = None
    account: str | None = None
    category_code: str | None = None
    country: str | None = None
    tax_identifier: str | None = None


class Vendor(DomainModel):
    id: UUID
    name: str
    default_currency: str
    code: str | None = None
    country: str | None = None
    external_id: str | None = None
    registration_number: str | None = None
    tax_registration_number: str | None = None


class Team(DomainModel):
    id: UUID
    name: str
    code: str | None = None


class User(DomainModel):
    """The person who initiated the spend (in most cases the employee)."""

    id: UUID
    name: str
    code: str | None = None


class File(DomainModel):
    url: str
    type: str
    size: int


class ServicePeriod(DomainModel):
    start: datetime
    end: datetime


class AccountingEntry(DomainModel):
    """One accounting entry of a company."""

    accounting_entry_id: UUID
    company_id: UUID
    type: ExportItemType
    date: datetime
    amount: Amount
    lines: tuple[EntryLine, ...] = Field(min_length=1)
    #: The book id that reconciles the entry between Pleo and the accounting system.
    reconciliation_id: str
    sub_type: ExportItemSubType | None = None
    note: str | None = None
    attendees: tuple[str, ...] = ()
    #: Reconciliation ids of the expenses a reimbursement settles.
    reconciled_entries: tuple[str, ...] = ()
    invoice_information: InvoiceInformation | None = None
    files: tuple[File, ...] = ()
    supplier: Supplier | None = None
    vendor: Vendor | None = None
    team: Team | None = None
    user: User | None = None
    bookkeeping_method: BookkeepingMethod | None = None
    service_period: ServicePeriod | None = None
    #: The company's Pleo account (wallet) the money moved through: its contra account is the entry's
    #: `contraAccount` in v3 (company accounting settings).
    pleo_account_id: UUID | None = None
