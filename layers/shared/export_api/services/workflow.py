"""The workflow port: what the job service asks of whatever drives a job's lifecycle.

On AWS that is a Step Functions execution per job; `InlineJobWorkflow` runs the same steps in the
calling process, for setups without a state machine.
"""

from collections.abc import Sequence
from typing import Protocol

from export_api.models.accounting_entries import AccountingEntry
from export_api.models.jobs import ExportJob
from export_api.services.job_items import JobItemsService


class JobWorkflow(Protocol):
    def job_created(self, job: ExportJob, entries: Sequence[AccountingEntry]) -> None:
        """A job was recorded as `pending`: make its items and start tracking its lifecycle."""

    def job_event_applied(self, job: ExportJob) -> None:
        """An event moved the job to `job.status`: resume whatever waits for it."""


class InlineJobWorkflow:
    """Materializes items at creation and finalizes a closed job at once, in the calling process."""

    def __init__(self, job_items: JobItemsService) -> None:
        self.job_items = job_items

    def job_created(self, job: ExportJob, entries: Sequence[AccountingEntry]) -> None:
        self.job_items.materialize(job, entries)

    def job_event_applied(self, job: ExportJob) -> None:
        if not job.status.is_open:
            self.job_items.finalize(job)
