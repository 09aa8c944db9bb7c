"""Builds the services once per process, from settings."""

from dataclasses import dataclass
from functools import cache

from export_api.repositories.accounting_settings import AccountingSettingsRepository
from export_api.repositories.entry_job_items import EntryJobItemsRepository
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import StepFunctionsRepository
from export_api.services.accounting_entries import AccountingEntriesService
from export_api.services.accounting_settings import AccountingSettingsService
from export_api.services.admin_jobs import AdminJobsService
from export_api.services.entry_job_items import EntryJobItemsService
from export_api.services.events import ExportJobEventsService
from export_api.services.export_items import ExportItemsService
from export_api.services.health import HealthService
from export_api.services.idempotency import IdempotencyService
from export_api.services.job_executions import JobExecutionsService
from export_api.services.job_items import JobItemsService
from export_api.services.job_lifecycle import JobLifecycleService
from export_api.services.jobs import ExportJobsService
from export_api.services.workflow import InlineJobWorkflow, JobWorkflow, StepFunctionsJobWorkflow
from export_api.settings import Settings, get_settings


@dataclass(frozen=True)
class Services:
    settings: Settings
    jobs: ExportJobsService
    job_items: JobItemsService
    # v3: job items found by accounting entry, across the company's jobs.
    entry_job_items: EntryJobItemsService
    events: ExportJobEventsService
    export_items: ExportItemsService
    accounting_entries: AccountingEntriesService
    # Pleo accounts and contra accounts; `require_contra_accounts` is v3's rule.
    accounting_settings: AccountingSettingsService
    health: HealthService
    # The steps of a job's lifecycle execution (JobWorkflowFunction).
    lifecycle: JobLifecycleService
    executions: JobExecutionsService
    # Operators' view of every company's jobs (admin API).
    admin_jobs: AdminJobsService
    # Idempotency-Key on POST and PUT: the first answer to a key, replayed.
    idempotency: IdempotencyService


def build_workflow(settings: Settings, jobs: JobsRepository, job_items: JobItemsService) -> JobWorkflow:
    """A Step Functions execution per job when a state machine is configured, else inline."""
    if settings.state_machine_arn:
        return StepFunctionsJobWorkflow(
            StepFunctionsRepository(settings.state_machine_arn), jobs, settings.job_stuck_timeout_seconds
        )
    return InlineJobWorkflow(job_items)


def build_services(settings: Settings, workflow: JobWorkflow | None = None) -> Services:
    jobs_repository = JobsRepository(settings.required("jobs_table_name"))
    items_repository = ItemsRepository(settings.required("items_table_name"), jobs_repository)
    job_items = JobItemsService(items_repository)
    jobs = ExportJobsService(
        jobs_repository,
        items_repository,
        job_items,
        workflow or build_workflow(settings, jobs_repository, job_items),
        settings.job_expires_in_seconds,
    )
    accounting_settings = AccountingSettingsService(AccountingSettingsRepository(settings.required("items_table_name")))
    return Services(
        settings=settings,
        jobs=jobs,
        job_items=job_items,
        entry_job_items=EntryJobItemsService(EntryJobItemsRepository(settings.required("items_table_name"))),
        events=ExportJobEventsService(jobs),
        export_items=ExportItemsService(jobs, items_repository, accounting_settings),
        accounting_entries=AccountingEntriesService(items_repository),
        accounting_settings=accounting_settings,
        health=HealthService(settings),
        lifecycle=JobLifecycleService(
            jobs_repository, items_repository, StepFunctionsRepository(settings.state_machine_arn)
        ),
        executions=JobExecutionsService(jobs),
        admin_jobs=AdminJobsService(jobs),
        idempotency=IdempotencyService(settings.idempotency_table_name, settings.idempotency_expires_after_seconds),
    )


@cache
def get_services() -> Services:
    return build_services(get_settings())
