"""Pleo's documented flow for one export job, safe to interrupt and run again.

find the job (an `in_progress` one first: a run that was interrupted; else the oldest `pending`) ->
claim it with `started` (never twice: an `in_progress` job is resumed as it is) -> read its job items
(those already reported are done) and every export item -> book each new one, or refuse it with its
reason -> report the outcomes in batches of 100 -> close with `completed` or `completed_with_errors`.

Booking comes before reporting, and the ledger remembers what it booked: after a crash, a rerun finds
the job `in_progress`, re-reports the items already in the ledger under their external ids and books
only the others.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from export_api_client import ExportApiClient, errors, models
from export_api_client.operations import ExportJobEventType

from export_api_connector.booking import Refusal, book
from export_api_connector.ledger import Ledger

REPORT_BATCH = 100
DONE = {"successful", "failed", "abandoned"}

Progress = Callable[[Iterator[models.ExportItemV3], int], Iterator[models.ExportItemV3]]


def no_progress(items: Iterator[models.ExportItemV3], _total: int) -> Iterator[models.ExportItemV3]:
    return items


@dataclass
class JobSummary:
    job_id: str
    resumed: bool = False
    items: int = 0
    booked: int = 0
    rebooked_skipped: int = 0
    already_reported: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    report_errors: list[str] = field(default_factory=list)
    closed_with: str | None = None
    #: Why the job closed before this run could close it (Pleo failed it: `job_expired`, ...).
    closed_by_pleo: str | None = None

    def lines(self) -> list[str]:
        out = [
            f"job {self.job_id}{' (resumed)' if self.resumed else ''}: {self.items} export items",
            f"  booked now: {self.booked}",
            f"  already in the ledger, reported again: {self.rebooked_skipped}",
            f"  already reported before this run: {self.already_reported}",
            f"  failed: {sum(self.failed.values())}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(self.failed.items()))})" if self.failed else ""),
        ]
        out += [f"  not accepted by the API: {error}" for error in self.report_errors]
        if self.closed_by_pleo is not None:
            out.append(
                f"  closed by Pleo before this run finished: {self.closed_with} ({self.closed_by_pleo}); "
                "what was booked stays in the ledger and is reported again when its entries come back in a job"
            )
        else:
            out.append(f"  closed with: {self.closed_with or 'nothing (left open)'}")
        return out


class Connector:
    def __init__(
        self,
        api: ExportApiClient,
        ledger: Ledger,
        *,
        company_id: str | None = None,
        progress: Progress = no_progress,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.api = api
        self.ledger = ledger
        self.company_id = company_id
        self.progress = progress
        self.now = now

    # --- detect --------------------------------------------------------------------------------------

    def next_job(self) -> models.ExportJobV3 | None:
        """The job to work on: an `in_progress` one (resumed), else the oldest `pending` one."""
        for status in ("in_progress", "pending"):
            jobs = self.api.list_export_jobs(
                statuses=[status],
                company_id=self.company_id,
                sorting_keys=["createdAt"],
                sorting_order=["ASC"],
                page_size=1,
            )
            job = next(iter(jobs), None)
            if job is not None:
                return job
        return None

    def run(self, max_jobs: int | None = None) -> list[JobSummary]:
        """Every open job in turn (or at most `max_jobs`), until none is left."""
        summaries: list[JobSummary] = []
        while max_jobs is None or len(summaries) < max_jobs:
            job = self.next_job()
            if job is None:
                break
            summary = self.process(job)
            summaries.append(summary)
            if summary.closed_with is None:
                break  # left open (another integration holds it): do not spin on it
        return summaries

    # --- one job -------------------------------------------------------------------------------------

    def claim(self, job: models.ExportJobV3) -> models.ExportJobV3 | None:
        if job.status == "in_progress":
            return job
        # Refused: another run claimed it first, or it expired. Either way, read what it is now.
        with suppress(errors.InvalidExportJobStatusChange):
            self.api.send_export_job_event(job.id, "started")
        current = self.api.get_export_job(job.id)
        return current if current.status == "in_progress" else None

    def process(self, job: models.ExportJobV3) -> JobSummary:
        summary = JobSummary(str(job.id), resumed=job.status == "in_progress")
        claimed = self.claim(job)
        if claimed is None:
            return summary
        reported = {str(i.accounting_entry_id) for i in self.api.list_export_job_items(job.id) if i.status in DONE}
        summary.already_reported = len(reported)
        try:
            self._export(claimed, reported, summary)
        except errors.MissingContraAccounts as error:
            # Nothing of this job can be booked until the company maps its Pleo accounts: fail it (its
            # items become `abandoned`) rather than leave it open; a new export picks the entries up.
            self.api.send_export_job_event(
                job.id, "failed", failure_reason_type="missing_configuration", failure_reason=error.message
            )
            summary.closed_with = "failed"
            return summary
        except errors.ExportJobStatusUnprocessable:
            # Closed while this run worked on it (it expired): leave it; its unreported entries come back.
            current = self.api.get_export_job(job.id)
            if current.status in ("in_progress", "pending"):
                raise
            summary.closed_with = current.status
            summary.closed_by_pleo = current.failure_reason_type or current.status
            return summary
        self._close(job.id, summary)
        return summary

    def _export(self, job: models.ExportJobV3, reported: set[str], summary: JobSummary) -> None:
        outcomes: list[models.UpdateExportJobItemV3] = []
        for item in self.progress(iter(self.api.list_export_items(job.id)), job.number_of_items):
            summary.items += 1
            if str(item.accounting_entry_id) in reported:
                continue
            outcomes.append(self._outcome(item, str(job.id), summary))
            if len(outcomes) == REPORT_BATCH:
                self._report(job.id, outcomes, summary)
                outcomes = []
        self._report(job.id, outcomes, summary)

    def _outcome(self, item: models.ExportItemV3, job_id: str, summary: JobSummary) -> models.UpdateExportJobItemV3:
        entry_id = str(item.accounting_entry_id)
        booked = self.ledger.booked.get(entry_id)
        if booked is not None:
            summary.rebooked_skipped += 1
            return self._successful(item.accounting_entry_id, booked.external_id)
        booking = book(item, job_id, self.ledger.chart)
        if isinstance(booking, Refusal):
            summary.failed[booking.reason_type] += 1
            return models.UpdateExportJobItemV3(
                accounting_entry_id=item.accounting_entry_id,
                status="failed",
                failure_reason_type=booking.reason_type,
                failure_reason=booking.reason,
            )
        external_id = self.ledger.book(booking)
        summary.booked += 1
        return self._successful(item.accounting_entry_id, external_id)

    def _successful(self, entry_id: UUID, external_id: str) -> models.UpdateExportJobItemV3:
        return models.UpdateExportJobItemV3(
            accounting_entry_id=entry_id, status="successful", external_id=external_id, exported_at=self.now()
        )

    def _report(self, job_id: UUID, outcomes: list[models.UpdateExportJobItemV3], summary: JobSummary) -> None:
        if not outcomes:
            return
        result = self.api.update_export_job_items(job_id, outcomes)
        summary.report_errors += [f"{e.accounting_entry_id}: {e.type} {e.message}" for e in result.errors]

    def _close(self, job_id: UUID, summary: JobSummary) -> None:
        def any_item(status: str) -> bool:
            return next(iter(self.api.list_export_job_items(job_id, status=status, page_size=1)), None) is not None  # type: ignore[arg-type]

        # Failed items of an earlier run count too; an item the API did not accept is still pending.
        with_errors = bool(summary.report_errors) or any_item("failed") or any_item("pending")
        event: ExportJobEventType = "completed_with_errors" if with_errors else "completed"
        try:
            self.api.send_export_job_event(job_id, event)
        except errors.InvalidExportJobStatusChange:
            current = self.api.get_export_job(job_id)
            if current.status in ("in_progress", "pending"):
                raise
            summary.closed_with = current.status  # closed already, by a run killed right after closing
            return
        summary.closed_with = event
