"""The services of one process, each built from settings on first use.

A function's routes use a few of them: building (and importing) only those keeps every other
function's code out of its cold start (webhook delivery alone brings httpx; the admin services, the
subscriptions API and the workflow's steps bring their own models). Imports are therefore made where a
service is first built.
"""

from collections.abc import Callable
from functools import cache, cached_property
from typing import TYPE_CHECKING

from export_api.settings import MissingConfiguration, Settings, get_settings

if TYPE_CHECKING:
    from export_api.repositories.items import ItemsRepository
    from export_api.repositories.jobs import JobsRepository
    from export_api.repositories.webhook_queue import WebhookQueue
    from export_api.repositories.webhooks import WebhooksRepository
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
    from export_api.services.subscriptions import SubscriptionsService
    from export_api.services.test_helpers import FaultInjector, TestHelpersService
    from export_api.services.usage_plans import UsagePlansService
    from export_api.services.webhook_delivery import WebhookDeliveryService
    from export_api.services.webhook_events import WebhookEventPublisher
    from export_api.services.workflow import JobWorkflow


def build_workflow(settings: Settings, jobs: "JobsRepository") -> "JobWorkflow":
    """A Step Functions execution per job: the ExportJobLifecycle state machine of STATE_MACHINE_ARN (it
    also announces the job's transitions to webhook subscribers, in its Publish states)."""
    if not settings.state_machine_arn:
        raise MissingConfiguration(
            "STATE_MACHINE_ARN is not set: export jobs are driven by the ExportJobLifecycle state machine "
            "(template.yaml; `make run` and the tests provision it in moto, see docs/workflow.md)"
        )
    from export_api.repositories.stepfunctions import StepFunctionsRepository
    from export_api.services.workflow import StepFunctionsJobWorkflow

    return StepFunctionsJobWorkflow(
        StepFunctionsRepository(settings.state_machine_arn), jobs, settings.job_stuck_timeout_seconds
    )


class Services:
    """Every service of the process; each is built on first use and then kept."""

    def __init__(self, settings: Settings, workflow: "JobWorkflow | None" = None) -> None:
        self.settings = settings
        self._workflow = workflow

    # Repositories shared by several services ------------------------------------------------------

    @cached_property
    def jobs_repository(self) -> "JobsRepository":
        from export_api.repositories.jobs import JobsRepository

        return JobsRepository(self.settings.required("jobs_table_name"))

    @cached_property
    def items_repository(self) -> "ItemsRepository":
        from export_api.repositories.items import ItemsRepository

        return ItemsRepository(self.settings.required("items_table_name"), self.jobs_repository)

    @cached_property
    def webhooks_repository(self) -> "WebhooksRepository":
        from export_api.repositories.webhooks import WebhooksRepository

        return WebhooksRepository(self.settings.webhooks_table_name)

    @cached_property
    def webhook_queue(self) -> "WebhookQueue | None":
        if not self.settings.webhook_queue_url:
            return None
        from export_api.repositories.webhook_queue import WebhookQueue

        return WebhookQueue(self.settings.webhook_queue_url, self.settings.webhook_dead_letter_queue_url)

    # The Export API ------------------------------------------------------------------------------

    @cached_property
    def jobs(self) -> "ExportJobsService":
        from export_api.services.jobs import ExportJobsService

        return ExportJobsService(
            self.jobs_repository,
            self.items_repository,
            self.job_items,
            lambda: self.workflow,
            self.settings.job_expires_in_seconds,
        )

    @cached_property
    def workflow(self) -> "JobWorkflow":
        """What drives each job's lifecycle: its Step Functions execution."""
        return self._workflow or build_workflow(self.settings, self.jobs_repository)

    @cached_property
    def job_items(self) -> "JobItemsService":
        from export_api.services.job_items import JobItemsService

        return JobItemsService(self.items_repository, self.jobs_repository)

    @cached_property
    def entry_job_items(self) -> "EntryJobItemsService":
        """v3: job items found by accounting entry, across the company's jobs."""
        from export_api.repositories.entry_job_items import EntryJobItemsRepository
        from export_api.services.entry_job_items import EntryJobItemsService

        return EntryJobItemsService(EntryJobItemsRepository(self.settings.required("items_table_name")))

    @cached_property
    def events(self) -> "ExportJobEventsService":
        from export_api.services.events import ExportJobEventsService

        return ExportJobEventsService(self.jobs)

    @cached_property
    def export_items(self) -> "ExportItemsService":
        from export_api.services.export_items import ExportItemsService

        return ExportItemsService(self.jobs, self.items_repository, self.accounting_settings)

    @cached_property
    def accounting_entries(self) -> "AccountingEntriesService":
        from export_api.services.accounting_entries import AccountingEntriesService

        # Setting a company's entries up also sets up its usage plan, where usage plans are configured.
        return AccountingEntriesService(self.items_repository, self.usage_plans if self.settings.usage_plans else None)

    @cached_property
    def usage_plans(self) -> "UsagePlansService":
        """Each company's API Gateway usage key and tier (docs/rate-limits.md)."""
        from export_api.repositories.credentials import CredentialsRepository
        from export_api.repositories.usage_plans import UsagePlansRepository
        from export_api.services.usage_plans import UsagePlansService

        return UsagePlansService(
            CredentialsRepository(self.settings.required("credentials_table_name")),
            UsagePlansRepository(),
            self.settings.usage_plans,
        )

    @cached_property
    def accounting_settings(self) -> "AccountingSettingsService":
        """Pleo accounts and contra accounts; `require_contra_accounts` is v3's rule."""
        from export_api.repositories.accounting_settings import AccountingSettingsRepository
        from export_api.services.accounting_settings import AccountingSettingsService

        return AccountingSettingsService(
            AccountingSettingsRepository(self.settings.required("items_table_name")),
            self.usage_plans if self.settings.usage_plans else None,
        )

    @cached_property
    def idempotency(self) -> "IdempotencyService":
        """Idempotency-Key on POST and PUT: the first answer to a key, replayed."""
        from export_api.services.idempotency import IdempotencyService

        return IdempotencyService(self.settings.idempotency_table_name, self.settings.idempotency_expires_after_seconds)

    @cached_property
    def health(self) -> "HealthService":
        from export_api.services.health import HealthService

        return HealthService(self.settings)

    # The job's lifecycle execution (JobWorkflowFunction) and the operators' view ---------------------

    @cached_property
    def lifecycle(self) -> "JobLifecycleService":
        from export_api.repositories.stepfunctions import StepFunctionsRepository
        from export_api.services.job_lifecycle import JobLifecycleService

        return JobLifecycleService(
            self.jobs_repository,
            self.items_repository,
            StepFunctionsRepository(self.settings.state_machine_arn),
            publisher=self.webhook_events,
        )

    @cached_property
    def executions(self) -> "JobExecutionsService":
        from export_api.services.job_executions import JobExecutionsService

        return JobExecutionsService(self.jobs)

    @cached_property
    def admin_jobs(self) -> "AdminJobsService":
        """Operators' view of every company's jobs (admin API)."""
        from export_api.services.admin_jobs import AdminJobsService

        return AdminJobsService(self.jobs)

    # Test helpers (off unless TEST_HELPERS=enabled) --------------------------------------------------

    @cached_property
    def test_helpers(self) -> "TestHelpersService":
        """The admin API's test helpers; disabled, every one of them answers 404."""
        from export_api.repositories.stepfunctions import StepFunctionsRepository
        from export_api.repositories.test_helpers import TestHelpersRepository
        from export_api.services.test_helpers import TestHelpersService

        return TestHelpersService(
            self.settings.test_helpers_enabled,
            TestHelpersRepository(self.settings.required("jobs_table_name")),
            self.jobs_repository,
            lambda: StepFunctionsRepository(self.settings.required("state_machine_arn")),
            lambda: self.jobs,
            lambda: self.accounting_entries,
        )

    @cached_property
    def fault_injector(self) -> "FaultInjector":
        """The faults injected into the Export API's requests (only consulted when test helpers are on)."""
        from export_api.repositories.test_helpers import TestHelpersRepository
        from export_api.services.test_helpers import FaultInjector

        return FaultInjector(TestHelpersRepository(self.settings.required("jobs_table_name")))

    # Webhooks ------------------------------------------------------------------------------------

    @cached_property
    def subscriptions(self) -> "SubscriptionsService":
        from export_api.services.subscriptions import SubscriptionsService

        return SubscriptionsService(self.webhooks_repository, self.settings, self.webhook_queue)

    @cached_property
    def webhook_events(self) -> "WebhookEventPublisher | None":
        """The job events published to subscribers; None when no delivery queue is configured."""
        if self.webhook_queue is None:
            return None
        from export_api.services.webhook_events import WebhookEventPublisher

        return WebhookEventPublisher(self.webhooks_repository, self.webhook_queue)

    @cached_property
    def webhook_delivery(self) -> "WebhookDeliveryService | None":
        """The delivery of one queued message; None when no delivery queue is configured."""
        if self.webhook_queue is None:
            return None
        from export_api.services.webhook_delivery import WebhookDeliveryService

        return WebhookDeliveryService(self.webhooks_repository, self.webhook_queue, self.subscriptions, self.settings)


def build_services(settings: Settings, workflow: "JobWorkflow | None" = None) -> Services:
    return Services(settings, workflow)


def building(select: Callable[[Services], object]) -> Callable[[], object]:
    """A function's services step (export_api.bootstrap, `Function.services`): builds the services that
    `select` names (`lambda s: (s.jobs, s.workflow)`) on the process's container."""
    return lambda: select(get_services())


@cache
def get_services() -> Services:
    return build_services(get_settings())
