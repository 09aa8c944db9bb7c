"""The connector against an in-process Export API: the flow, the ledger's bookings (checked by
Beancount's own checker), the failure reasons, and a crash after booking half the items, then a rerun."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from export_api_client import ExportApiClient
from export_api_connector.chart import Chart
from export_api_connector.flow import Connector
from export_api_connector.ledger import Ledger, LedgerBusy

from tests.connector.fake_api import FakeExportApi, export_item

ROOT = Path(__file__).resolve().parents[2]
CHART = Chart.load(ROOT / "connector" / "examples" / "chart-of-accounts.toml")


def bean_check(ledger: Path) -> None:
    checker = Path(sys.executable).with_name("bean-check")
    result = subprocess.run([str(checker), str(ledger)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def transactions(ledger: Path) -> list[str]:
    from beancount.core import data
    from beancount.parser import parser

    entries, errors, _ = parser.parse_file(str(ledger))
    assert not errors
    return [str(e.meta["pleo-accounting-entry-id"]) for e in entries if isinstance(e, data.Transaction)]


def connector(api: FakeExportApi, ledger: Ledger) -> Connector:
    return Connector(ExportApiClient("https://export-api.test", token="t", transport=api.transport()), ledger)


def test_a_job_is_claimed_booked_reported_and_closed(tmp_path: Path) -> None:
    api = FakeExportApi()
    items = [export_item(i) for i in range(130)] + [export_item(130, vendor=True)]
    job = api.add_job(items)
    path = tmp_path / "books.beancount"
    with Ledger(path, CHART) as ledger:
        (summary,) = connector(api, ledger).run()
    assert [e["event"] for e in job.events] == ["started", "completed"]
    assert (summary.items, summary.booked, summary.closed_with) == (131, 131, "completed")
    assert api.puts == [100, 31]
    assert {i["status"] for i in job.job_items.values()} == {"successful"}
    external_ids = [i["externalId"] for i in job.job_items.values()]
    assert len(set(external_ids)) == 131
    assert sorted(transactions(path)) == sorted(i["accountingEntryId"] for i in items)
    bean_check(path)
    text = path.read_text()
    # Amounts from minor units: the first item is 100.00 DKK gross, 80.00 net, 20.00 VAT.
    (first,) = (block for block in text.split("\n\n") if '"Purchase 0"' in block)
    assert "Expenses:Meals              80.00 DKK" in first
    assert "Assets:VAT:Input            20.00 DKK" in first
    assert "Assets:Pleo:DKK           -100.00 DKK" in first
    assert 'reconciliation-id: "BOOK-000000"' in text
    assert "Liabilities:AccountsPayable:V-1007" in text


def test_an_unmapped_account_fails_the_item_with_account_unknown(tmp_path: Path) -> None:
    api = FakeExportApi()
    unknown = export_item(1, account_code="9999")
    job = api.add_job([export_item(0), unknown])
    with Ledger(tmp_path / "books.beancount", CHART) as ledger:
        (summary,) = connector(api, ledger).run()
    failed = job.job_items[unknown["accountingEntryId"]]
    assert failed["status"] == "failed"
    assert failed["failureReasonType"] == "account_unknown"
    assert "9999" in failed["failureReason"]
    assert summary.failed == {"account_unknown": 1}
    assert job.status == "completed_with_errors"
    bean_check(tmp_path / "books.beancount")


class Crash(BaseException):
    """Stands for the process being killed: nothing after it runs."""


class CrashingLedger(Ledger):
    def __init__(self, *args: object, crash_after: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.crash_after = crash_after

    def book(self, booking: object) -> str:
        if len(self.booked) == self.crash_after:
            raise Crash
        return super().book(booking)  # type: ignore[arg-type]


def test_killed_after_booking_half_the_items_a_rerun_books_the_rest_once_and_closes(tmp_path: Path) -> None:
    api = FakeExportApi()
    items = [export_item(i) for i in range(160)]
    job = api.add_job(items)
    path = tmp_path / "books.beancount"
    # Crash after 120 bookings: the first 100 were reported, 20 are booked but not reported.
    with pytest.raises(Crash), CrashingLedger(path, CHART, crash_after=120) as ledger:
        connector(api, ledger).run()
    assert job.status == "in_progress"
    assert len(transactions(path)) == 120
    reported_before = {k: v["externalId"] for k, v in job.job_items.items() if v["status"] == "successful"}
    assert len(reported_before) == 100

    with Ledger(path, CHART) as ledger:
        (summary,) = connector(api, ledger).run()
    assert summary.resumed
    assert [e["event"] for e in job.events] == ["started", "completed"]  # never `started` twice
    assert (summary.already_reported, summary.rebooked_skipped, summary.booked) == (100, 20, 40)
    booked = transactions(path)
    assert len(booked) == len(set(booked)) == 160
    assert {v["status"] for v in job.job_items.values()} == {"successful"}
    assert all(job.job_items[k]["externalId"] == v for k, v in reported_before.items())
    bean_check(path)

    # A third run: nothing open, nothing booked.
    before = path.read_text()
    with Ledger(path, CHART) as ledger:
        assert connector(api, ledger).run() == []
    assert path.read_text() == before


def test_a_transaction_cut_short_by_a_crash_is_removed_and_booked_again(tmp_path: Path) -> None:
    api = FakeExportApi()
    job = api.add_job([export_item(i) for i in range(3)])
    path = tmp_path / "books.beancount"
    with Ledger(path, CHART) as ledger:
        connector(api, ledger).run()
    whole = path.read_text()
    last = whole.rstrip("\n").rsplit("\n\n", 1)[1]
    path.write_text(whole[: len(whole) - len(last) // 2 - 2])  # the last block half-written
    job.status = "in_progress"
    for item in job.job_items.values():
        item["status"] = "pending"
    with Ledger(path, CHART) as ledger:
        (summary,) = connector(api, ledger).run()
    assert (summary.rebooked_skipped, summary.booked) == (2, 1)
    assert len(transactions(path)) == 3
    bean_check(path)


def test_one_connector_at_a_time_per_ledger(tmp_path: Path) -> None:
    path = tmp_path / "books.beancount"
    with Ledger(path, CHART), pytest.raises(LedgerBusy), Ledger(path, CHART):
        pass


def test_a_company_without_contra_accounts_fails_the_job_with_missing_configuration(tmp_path: Path) -> None:
    api = FakeExportApi()
    job = api.add_job([export_item(0)])
    job.contra_accounts_mapped = False
    with Ledger(tmp_path / "books.beancount", CHART) as ledger:
        (summary,) = connector(api, ledger).run()
    assert summary.closed_with == "failed"
    assert job.events[-1]["event"] == "failed"
    assert job.events[-1]["failureReasonType"] == "missing_configuration"
    assert "contra account" in job.events[-1]["failureReason"]
    assert transactions(tmp_path / "books.beancount") == []


def test_minor_units_follow_the_currency() -> None:
    from export_api_connector.money import from_minor_units

    assert from_minor_units(89696, "SEK") == Decimal("896.96")
    assert from_minor_units(1500, "JPY") == Decimal("1500")
    assert from_minor_units(1234, "KWD") == Decimal("1.234")
    assert from_minor_units(-250, "EUR") == Decimal("-2.50")
    with pytest.raises(ValueError, match="whole number"):
        from_minor_units(12.5, "EUR")
