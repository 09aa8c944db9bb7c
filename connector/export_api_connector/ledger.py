"""The Beancount ledger: an append-only text file, one transaction per booked export item.

Safe to kill at any point. A transaction is appended with one write and fsynced before the item is
reported; a block cut short by a crash is removed on the next open; the items already in the file
(their `pleo-accounting-entry-id` metadata, read back with Beancount's own parser) are never booked
again, and keep the external id they were booked under. One connector at a time holds the file's lock.
"""

import fcntl
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from beancount.core import data
from beancount.parser import parser

from export_api_connector.booking import Booking
from export_api_connector.chart import Chart

OPEN_DATE = "1970-01-01"
ENTRY_KEY = "pleo-accounting-entry-id"
EXTERNAL_KEY = "external-id"


class LedgerBusy(RuntimeError):
    pass


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _amount(value: Decimal) -> str:
    return f"{value:f}"


@dataclass(frozen=True)
class Booked:
    external_id: str
    date: str


class Ledger:
    def __init__(self, path: Path, chart: Chart, external_id_prefix: str = "PLEO") -> None:
        self.path = path
        self.chart = chart
        self.prefix = external_id_prefix
        self.booked: dict[str, Booked] = {}
        self._open_accounts: set[str] = set()
        self._file: IO[str] | None = None

    # --- opening: lock, repair, read back ----------------------------------------------------------------

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self._file.close()
            raise LedgerBusy(f"{self.path} is in use by another connector") from error
        self._repair()
        if self.path.stat().st_size == 0:
            self._write_header()
        self._read_back()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None

    def _repair(self) -> None:
        """Cut a block a crash left half-written: every complete block ends with a blank line."""
        text = self.path.read_text(encoding="utf-8")
        if text and not text.endswith("\n\n"):
            keep = text.rfind("\n\n")
            with self.path.open("r+", encoding="utf-8") as ledger:
                ledger.truncate(len(text[: keep + 2].encode()) if keep >= 0 else 0)

    def _read_back(self) -> None:
        entries, _errors, _options = parser.parse_file(str(self.path))
        for entry in entries:
            if isinstance(entry, data.Open):
                self._open_accounts.add(entry.account)
            elif isinstance(entry, data.Transaction) and ENTRY_KEY in entry.meta:
                self.booked[str(entry.meta[ENTRY_KEY])] = Booked(str(entry.meta.get(EXTERNAL_KEY)), str(entry.date))

    def _write_header(self) -> None:
        lines = [
            "; Export API connector ledger: one transaction per booked export item (export-api-connector).",
            'option "title" "Export API connector"',
        ]
        self._append("\n".join(lines) + "\n\n")

    # --- booking -------------------------------------------------------------------------------------

    def _append(self, block: str) -> None:
        assert self._file is not None, "use the ledger as a context manager"
        fd = self._file.fileno()
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, block.encode("utf-8"))
        os.fsync(fd)

    def next_external_id(self) -> str:
        return f"{self.prefix}-{len(self.booked) + 1:06d}"

    def book(self, booking: Booking) -> str:
        """Append the transaction (opening any account it is the first to use); its external id."""
        entry_id = booking.meta["pleo-accounting-entry-id"]
        if entry_id in self.booked:
            return self.booked[entry_id].external_id
        new = sorted({p.account for p in booking.postings} - self._open_accounts)
        external_id = self.next_external_id()
        self._append("".join(f"{OPEN_DATE} open {account}\n\n" for account in new) + self._render(booking, external_id))
        self._open_accounts.update(new)
        self.booked[entry_id] = Booked(external_id, booking.date)
        return external_id

    def _render(self, booking: Booking, external_id: str) -> str:
        payee = f"{_quote(booking.payee)} " if booking.payee else ""
        lines = [f"{booking.date} * {payee}{_quote(booking.narration)} ^pleo-{booking.meta[ENTRY_KEY]}"]
        lines.append(f"  {EXTERNAL_KEY}: {_quote(external_id)}")
        lines += [f"  {key}: {_quote(value)}" for key, value in booking.meta.items()]
        width = max(len(p.account) for p in booking.postings) + 2
        lines += [f"  {p.account:<{width}} {_amount(p.amount):>14} {p.currency}" for p in booking.postings]
        return "\n".join(lines) + "\n\n"
