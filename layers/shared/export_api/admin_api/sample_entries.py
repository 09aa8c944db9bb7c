"""Realistic accounting entries and company accounting settings, as the admin API takes them.

The one factory behind the demo (`make run`), the tests, the benchmarks and the test helpers' job in
one call (services/test_helpers.py), so it lives in the layer. Entries cycle through the
kinds a Pleo company books, deterministic per (entry id, index, company): card purchases (multi-line,
VAT, tags, receipts, attendees), supplier invoices (invoice information, supplier bank account, vendor,
accounts payable, service period), mileage, per diem, a card refund (negative amounts), out-of-pocket
expenses, reimbursements settling them (reconciled entries) and a software subscription in USD.
Supplier currencies are EUR, SEK, GBP, USD and DKK; the company's wallet is in DKK. Money is in minor
units, tax rates are fractions. Every kind is one v0 can show (v0 has no `personal_spend` or `fee`).
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

WALLET_CURRENCY = "DKK"
# Minor units of the wallet currency per minor unit of the supplier's (fixed demo rates).
RATES = {"DKK": 1.0, "EUR": 7.46, "SEK": 0.64, "GBP": 8.71, "USD": 6.89}
_NAMESPACE = uuid.UUID("6f1c1c3e-4a53-4f5e-9d0a-5c1d7e2b9a10")
TEAMS = (("Marketing", "T-MKT"), ("Engineering", "T-ENG"), ("Sales", "T-SLS"))
USERS = (("Ada Lovelace", "E-101"), ("Grace Hopper", "E-102"), ("Alan Turing", "E-103"))

Entry = dict[str, Any]


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def pleo_account_id(company_id: str | None) -> str:
    """The company's DKK wallet: the Pleo account every generated entry moves money through."""
    return _id("pleo-account", company_id or "any", WALLET_CURRENCY)


def accounting_settings(company_id: str | None, mapped: bool = True) -> dict[str, Any]:
    """The admin API's accounting settings body: the wallet, mapped to its contra account (or not)."""
    account: dict[str, Any] = {"id": pleo_account_id(company_id), "name": "Pleo DKK Account", "currency": "DKK"}
    if mapped:
        account["contraAccount"] = {
            "id": _id("contra-account", company_id or "any"),
            "name": "Pleo DKK Account",
            "code": "5820",
            "identifier": "ERP-5820",
        }
    return {"accounts": [account]}


def _money(currency: str, value: int) -> dict[str, Any]:
    return {"currency": currency, "value": value}


def _amount(supplier_currency: str, supplier: int, wallet: int) -> dict[str, Any]:
    return {
        "inSupplierCurrency": _money(supplier_currency, supplier),
        "inWalletCurrency": _money(WALLET_CURRENCY, wallet),
    }


def _split(total: int, shares: tuple[float, ...]) -> list[int]:
    """`total` in parts by share; the last part takes the rounding, so the parts sum to `total`."""
    parts = [round(total * share) for share in shares[:-1]]
    return [*parts, total - sum(parts)]


def _lines(
    entry_id: str,
    currency: str,
    supplier_total: int,
    shares: tuple[float, ...],
    accounts: tuple[tuple[str, str], ...],
    vat: float | None,
    tags: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The entry's amount and lines that balance to it, with inclusive VAT at `vat` (a fraction)."""
    wallet_total = round(supplier_total * RATES[currency])
    supplier_parts = _split(supplier_total, shares)
    wallet_parts = _split(wallet_total, shares)
    lines = []
    for n, (supplier_part, wallet_part) in enumerate(zip(supplier_parts, wallet_parts, strict=True)):
        name, code = accounts[n % len(accounts)]
        line: dict[str, Any] = {
            "accountingEntryLineId": _id(entry_id, "line", n),
            "lineAmount": _amount(currency, supplier_part, wallet_part),
            "netAmount": _amount(currency, supplier_part, wallet_part),
            "account": {"id": _id("account", code), "name": name, "code": code, "identifier": f"GL-{code}"},
        }
        if tags:
            line["tags"] = tags
        if vat:
            # Inclusive VAT: the line amount holds it; net is the line amount without it.
            tax_supplier, tax_wallet = round(supplier_part * vat / (1 + vat)), round(wallet_part * vat / (1 + vat))
            line["tax"] = {
                "id": _id("tax-code", f"S{round(vat * 100)}"),
                "code": f"S{round(vat * 100)}",
                "rate": vat,
                "type": "inclusive",
                "amount": _amount(currency, tax_supplier, tax_wallet),
                "ingoingTaxAccount": "6601",
                "outgoingTaxAccount": "6602",
            }
            line["netAmount"] = _amount(currency, supplier_part - tax_supplier, wallet_part - tax_wallet)
        lines.append(line)
    return _amount(currency, supplier_total, wallet_total), lines


def _card_purchase(entry_id: str, index: int) -> Entry:
    supplier, country, currency = (("Cafe Central", "DK", "DKK"), ("Le Comptoir", "FR", "EUR"))[index % 2]
    amount, lines = _lines(
        entry_id,
        currency,
        4_000 + index * 137 % 90_000,
        (0.7, 0.3),
        (("Meals and Entertainment", "6100"), ("Staff welfare", "6110")),
        0.25,
        [{"id": _id("tag", "P-ALPHA"), "code": "P-ALPHA", "groupCode": "PROJECT"}],
    )
    return {
        "type": "card_purchase",
        "note": f"Client lunch at {supplier}",
        "amount": amount,
        "accountingEntryLines": lines,
        "attendees": ["Ada Lovelace", "Client: Charles Babbage"],
        "supplier": {"name": supplier, "country": country, "categoryCode": "5812", "code": f"SUP-{country}-1"},
        "files": [
            {"url": f"https://files.example.com/receipts/{entry_id}.pdf", "type": "application/pdf", "size": 48_213}
        ],
    }


def _invoice(entry_id: str, index: int) -> Entry:
    amount, lines = _lines(
        entry_id,
        "SEK",
        250_000 + index * 311 % 400_000,
        (0.5, 0.3, 0.2),
        (("Consulting", "6500"), ("Travel", "6200"), ("Office supplies", "6300")),
        0.25,
    )
    issued = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=index % 28)
    vendor_id = _id("vendor", "nordic-consulting")
    return {
        "type": "invoice",
        "note": f"Consulting, invoice NC-{2026_0000 + index}",
        "amount": amount,
        "accountingEntryLines": lines,
        "invoiceInformation": {
            "invoiceDate": issued.isoformat().replace("+00:00", "Z"),
            "invoiceNumber": f"NC-{2026_0000 + index}",
            "status": ("ready", "scheduled", "paid")[index % 3],
            "dueDate": (issued + timedelta(days=30)).isoformat().replace("+00:00", "Z"),
            "supplierBankAccount": {
                "bankName": "Svenska Handelsbanken",
                "country": "SE",
                "iban": "SE4550000000058398257466",
                "bic": "HANDSESS",
                "accountNumber": "58398257466",
                "bankCode": "6000",
            },
        },
        "supplier": {
            "name": "Nordic Consulting AB",
            "country": "SE",
            "code": "SUP-SE-7",
            "account": "2440",
            "taxIdentifier": "SE556677889901",
        },
        "vendor": {
            "id": vendor_id,
            "name": "Nordic Consulting AB",
            "defaultCurrency": "SEK",
            "code": "V-1007",
            "country": "SE",
            "externalId": "ERP-V-1007",
            "registrationNumber": "556677-8899",
            "taxRegistrationNumber": "SE556677889901",
        },
        "bookkeeping": {"method": "accounts_payable"},
        "servicePeriod": {
            "from": (issued - timedelta(days=30)).isoformat().replace("+00:00", "Z"),
            "to": issued.isoformat().replace("+00:00", "Z"),
        },
        "files": [
            {"url": f"https://files.example.com/invoices/{entry_id}.pdf", "type": "application/pdf", "size": 182_044}
        ],
    }


def _mileage(entry_id: str, index: int) -> Entry:
    km = 40 + index % 300
    amount, lines = _lines(entry_id, "DKK", km * 379, (1.0,), (("Mileage allowance", "6210"),), None)
    return {"type": "mileage", "note": f"Client visit, {km} km", "amount": amount, "accountingEntryLines": lines}


def _per_diem(entry_id: str, index: int) -> Entry:
    days = 1 + index % 4
    amount, lines = _lines(entry_id, "DKK", days * 59_400, (1.0,), (("Per diem", "6220"),), None)
    return {
        "type": "per_diem",
        "note": f"Conference in Berlin, {days} days",
        "amount": amount,
        "accountingEntryLines": lines,
    }


def _refund(entry_id: str, index: int) -> Entry:
    amount, lines = _lines(
        entry_id, "EUR", -(2_000 + index * 53 % 20_000), (1.0,), (("Office supplies", "6300"),), 0.25
    )
    return {
        "type": "refund",
        "note": "Returned keyboard",
        "amount": amount,
        "accountingEntryLines": lines,
        "supplier": {"name": "Office Depot GmbH", "country": "DE", "categoryCode": "5943"},
    }


def _out_of_pocket(entry_id: str, index: int) -> Entry:
    amount, lines = _lines(entry_id, "GBP", 1_500 + index * 29 % 9_000, (1.0,), (("Travel", "6200"),), 0.2)
    return {
        "type": "out_of_pocket",
        "note": "Taxi from Heathrow, paid privately",
        "amount": amount,
        "accountingEntryLines": lines,
        "supplier": {"name": "London Black Cabs", "country": "GB"},
        "files": [{"url": f"https://files.example.com/receipts/{entry_id}.jpg", "type": "image/jpeg", "size": 204_800}],
    }


def _reimbursement(entry_id: str, index: int) -> Entry:
    amount, lines = _lines(
        entry_id, "DKK", 20_000 + index * 71 % 50_000, (1.0,), (("Employee payables", "2810"),), None
    )
    # The book ids of the two out-of-pocket expenses this transfer settles.
    settled = [_reconciliation_id(i) for i in (index - 1, index - 9) if i >= 0]
    return {
        "type": "direct_reimbursement",
        "subType": "reimbursement_to_employee",
        "note": "Reimbursement of out-of-pocket expenses",
        "amount": amount,
        "accountingEntryLines": lines,
        "reconciledEntries": settled,
    }


def _subscription(entry_id: str, index: int) -> Entry:
    month = datetime(2026, 1 + index % 12, 1, tzinfo=UTC)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    amount, lines = _lines(entry_id, "USD", 4_900, (1.0,), (("Software", "6400"),), 0.25)
    lines[0]["tax"]["type"] = "reverse"
    return {
        "type": "card_purchase",
        "note": "Design tool subscription",
        "amount": amount,
        "accountingEntryLines": lines,
        "supplier": {"name": "Figma Inc.", "country": "US", "categoryCode": "5734"},
        "vendor": {"id": _id("vendor", "figma"), "name": "Figma Inc.", "defaultCurrency": "USD", "country": "US"},
        "bookkeeping": {"method": "journal"},
        "servicePeriod": {
            "from": month.isoformat().replace("+00:00", "Z"),
            "to": following.isoformat().replace("+00:00", "Z"),
        },
    }


KINDS: tuple[Callable[[str, int], Entry], ...] = (
    _card_purchase,
    _invoice,
    _mileage,
    _per_diem,
    _refund,
    _out_of_pocket,
    _reimbursement,
    _subscription,
)


# The kinds a caller of the test helpers may ask for by name (the entry's `type` is the contract's).
KINDS_BY_NAME: dict[str, Callable[[str, int], Entry]] = {
    "card_purchase": _card_purchase,
    "invoice": _invoice,
    "mileage": _mileage,
    "per_diem": _per_diem,
    "refund": _refund,
    "out_of_pocket": _out_of_pocket,
    "reimbursement": _reimbursement,
    "subscription": _subscription,
}


def _reconciliation_id(index: int) -> str:
    return f"BOOK-{index % 1_000_000:06d}"


def accounting_entry(
    entry_id: str, index: int = 0, company_id: str | None = None, kind_name: str | None = None
) -> Entry:
    """Entry number `index`: its kind is `kind_name` (KINDS_BY_NAME) or cycles through KINDS; valid for
    the admin API as it is."""
    make = KINDS_BY_NAME[kind_name] if kind_name is not None else KINDS[index % len(KINDS)]
    kind = make(entry_id, index)
    attendees = kind.pop("attendees", None)
    reconciled = kind.pop("reconciledEntries", None)
    invoice = kind.pop("invoiceInformation", None)
    team_name, team_code = TEAMS[index % len(TEAMS)]
    user_name, user_code = USERS[index % len(USERS)]
    additional: dict[str, Any] = {"reconciliationId": _reconciliation_id(index)}
    if attendees:
        additional["attendees"] = attendees
    if reconciled:
        additional["reconciledEntries"] = reconciled
    if invoice:
        additional["invoiceInformation"] = invoice
    entry: Entry = {
        "accountingEntryId": entry_id,
        "date": (datetime(2026, 10, 1, 9, tzinfo=UTC) + timedelta(hours=7 * index)).isoformat().replace("+00:00", "Z"),
        **kind,
        "additionalInformation": additional,
        "team": {"id": _id("team", team_code), "name": team_name, "code": team_code},
        "user": {"id": _id("user", user_code), "name": user_name, "code": user_code},
        "pleoAccountId": pleo_account_id(company_id),
    }
    if company_id is not None:
        entry["companyId"] = company_id
    return entry
