"""One export item -> one balanced Beancount transaction, or the reason it cannot be booked.

In the company's wallet currency (what moved through the Pleo account): per line, the net amount on
the line's expense account and the tax it holds (line amount - net amount) on the tax's ingoing tax
account; on the other side the whole amount, on the contra account of the Pleo account, or for an
accounts-payable item on the vendor's payable. The supplier-currency amount is kept as metadata.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from export_api_client import models

from export_api_connector.chart import Chart
from export_api_connector.money import from_minor_units

FailureReasonType = Literal["account_unknown", "tax_code_unknown", "vendor_unknown", "validation_failure"]


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Booking:
    date: str
    payee: str | None
    narration: str
    postings: list[Posting]
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """Why an item was not booked: reported as `failed` with this `failureReasonType`."""

    reason_type: FailureReasonType
    reason: str


class _Refused(Exception):
    def __init__(self, reason_type: FailureReasonType, reason: str) -> None:
        super().__init__(reason)
        self.refusal = Refusal(reason_type, reason)


def _account_name(account: models.AccountV3 | models.ContraAccount) -> str:
    return f"{account.code or account.identifier or account.id} ({account.name})"


def _wallet(money: models.MoneyModel, currency: str, what: str) -> Decimal:
    if money.currency != currency:
        raise _Refused("validation_failure", f"{what} is in {money.currency}, the item in {currency}")
    try:
        return from_minor_units(money.value, money.currency)
    except ValueError as error:
        raise _Refused("validation_failure", f"{what}: {error}") from error


def _line_postings(item: models.ExportItemV3, chart: Chart, currency: str) -> Iterator[Posting]:
    for number, line in enumerate(item.accounting_entry_lines, start=1):
        account = line.account
        if account is None:
            raise _Refused("account_unknown", f"line {number} has no account")
        expense = chart.lookup(account.code, account.identifier, str(account.id))
        if expense is None:
            raise _Refused("account_unknown", f"account {_account_name(account)} has no mapping in the chart")
        gross = _wallet(line.line_amount.in_wallet_currency, currency, f"line {number}'s amount")
        net = _wallet(line.net_amount.in_wallet_currency, currency, f"line {number}'s net amount")
        yield Posting(expense, net, currency)
        if gross == net:
            continue
        tax = line.tax
        if tax is None:
            raise _Refused("tax_code_unknown", f"line {number} holds {gross - net} {currency} of tax but no tax code")
        tax_account = chart.lookup(tax.ingoing_tax_account)
        if tax_account is None:
            raise _Refused(
                "account_unknown",
                f"tax account {tax.ingoing_tax_account or '(none)'} of tax code {tax.code or tax.id} has no mapping",
            )
        yield Posting(tax_account, gross - net, currency)


def _other_side(item: models.ExportItemV3, chart: Chart) -> str:
    method = item.bookkeeping.method if item.bookkeeping else None
    if method == "accounts_payable":
        vendor = item.vendor
        if vendor is None:
            raise _Refused("vendor_unknown", "an accounts-payable item names no vendor")
        return chart.vendor_payable(vendor.code or vendor.external_id or vendor.name)
    contra = item.contra_account
    if contra is None:
        raise _Refused("account_unknown", "the item has no contra account (map the Pleo account to one)")
    mapped = chart.lookup(contra.code, contra.identifier, str(contra.id))
    if mapped is None:
        raise _Refused("account_unknown", f"contra account {_account_name(contra)} has no mapping in the chart")
    return mapped


def _meta(item: models.ExportItemV3, job_id: str) -> dict[str, str]:
    supplier_money = item.amount.in_supplier_currency
    meta = {
        "pleo-accounting-entry-id": str(item.accounting_entry_id),
        "pleo-export-job-id": job_id,
        "pleo-company-id": str(item.company_id),
        "pleo-type": item.type,
        "reconciliation-id": item.additional_information.reconciliation_id,
        "supplier-amount": f"{from_minor_units(supplier_money.value, supplier_money.currency)} "
        f"{supplier_money.currency}",
    }
    if item.vendor is not None:
        meta["pleo-vendor-id"] = str(item.vendor.id)
    return meta


def book(item: models.ExportItemV3, job_id: str, chart: Chart) -> Booking | Refusal:
    currency = item.amount.in_wallet_currency.currency
    try:
        total = _wallet(item.amount.in_wallet_currency, currency, "the item's amount")
        postings = list(_line_postings(item, chart, currency))
        if sum((p.amount for p in postings), Decimal(0)) != total:
            raise _Refused("validation_failure", f"the lines do not add up to the item's amount {total} {currency}")
        postings.append(Posting(_other_side(item, chart), -total, currency))
    except _Refused as refused:
        return refused.refusal
    supplier = item.supplier.name if item.supplier else None
    payee = supplier or (item.vendor.name if item.vendor else None)
    return Booking(
        date=item.date.date().isoformat(),
        payee=payee,
        narration=item.note or item.type.replace("_", " "),
        postings=postings,
        meta=_meta(item, job_id),
    )
