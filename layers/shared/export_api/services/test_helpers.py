"""Test helpers (docs/admin-api.openapi.yaml, "Test helpers"; docs/decisions.md, "Test helpers"): what an
integrator cannot otherwise provoke in a test. Off unless the TestHelpers template parameter enables
them: then every operation answers 404, as if it did not exist, and nothing reads their records.

- A test clock per company. The company's open job is judged by it: advancing it by N seconds moves the
  job's deadline anchors N seconds back, and if a deadline has passed the job's execution takes its expiry
  path at once (its waiting task is failed with `JobDeadlineMoved`, which the state machine catches as it
  catches its own timeout: CheckDeadline, on the same lifecycle).
- Fault injection: the next N requests of a company to an operation (or to all) answer 429, 500, 503 or
  504 in the contract's error shape, or are delayed (http/faults.py applies them).
- A job in one call: sample accounting entries of chosen kinds, ingested and put in a new job.
"""

import secrets
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID, uuid4

from export_api.errors import BadRequest, Conflict, ExportAlreadyInProgress, NotFound
from export_api.models.caller import Caller, Scope
from export_api.models.jobs import CreateExportJob, ExportJob
from export_api.models.test_helpers import (
    MAX_FAULTS_PER_COMPANY,
    ClockAdvanced,
    CompanyClock,
    CreateFault,
    CreateSampleJob,
    Fault,
    TestHelpersState,
)
from export_api.observability import get_logger
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import TaskTokenGone
from export_api.repositories.test_helpers import TestHelpersRepository

if TYPE_CHECKING:
    from export_api.services.accounting_entries import AccountingEntriesService
    from export_api.services.jobs import ExportJobsService

# The error a waiting task is failed with when its job's deadline moved: the state machine's waits catch
# it as they catch States.Timeout (statemachine/export_job.asl.json), and CheckDeadline judges the job.
DEADLINE_MOVED = "JobDeadlineMoved"
# What a disabled helper answers: the 404 of a path that does not exist (http/errors.py).
_DISABLED = "No such resource: check the path and the API version."
# Reads of a job that keeps changing while its deadlines are moved, and of a fault taken by racing requests.
_ATTEMPTS = 5
# Accounting entries per ingest call (services/accounting_entries.py, MAX_ENTRIES_PER_INGEST).
_INGEST_CHUNK = 100


class TaskFailures(Protocol):
    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        """Fail a waiting task; raises TaskTokenGone when it no longer waits."""


def _now() -> datetime:
    return datetime.now(UTC)


class TestHelpersService:
    __test__ = False  # not a pytest test class, whatever its name

    def __init__(
        self,
        enabled: bool,
        repository: TestHelpersRepository,
        jobs: JobsRepository,
        tasks: Callable[[], TaskFailures],
        export_jobs: Callable[[], "ExportJobsService"],
        accounting_entries: Callable[[], "AccountingEntriesService"],
    ) -> None:
        self.enabled = enabled
        self.repository = repository
        self.jobs = jobs
        # Built by the operations that use them: a fault list needs no Step Functions client.
        self._tasks = tasks
        self._export_jobs = export_jobs
        self._accounting_entries = accounting_entries

    def _authorize(self, caller: Caller, action: str, company_id: UUID, **details: object) -> None:
        """Disabled, as if absent (404, whoever asks); enabled, for admins only; every call logged with the
        admin who made it."""
        if not self.enabled:
            raise NotFound(_DISABLED)
        caller.require(Scope.ADMIN)
        get_logger().info(
            "Test helper called",
            extra={"test_helper": action, "admin": caller.principal_id, "company_id": str(company_id), **details},
        )

    # The test clock -----------------------------------------------------------------------------------

    def state(self, caller: Caller, company_id: UUID) -> TestHelpersState:
        self._authorize(caller, "state", company_id)
        advanced, faults = self.repository.read(company_id)
        return TestHelpersState(clock=self._clock(company_id, advanced), faults=faults)

    def advance_clock(self, caller: Caller, company_id: UUID, seconds: int) -> ClockAdvanced:
        self._authorize(caller, "advance_clock", company_id, seconds=seconds)
        advanced = self.repository.advance_clock(company_id, seconds)
        job = self._move_open_job(company_id, seconds)
        return ClockAdvanced(**dict(self._clock(company_id, advanced)), open_job_id=job.id if job else None)

    def _clock(self, company_id: UUID, advanced: int) -> CompanyClock:
        return CompanyClock(company_id=company_id, advanced_seconds=advanced, now=_now() + timedelta(seconds=advanced))

    def _move_open_job(self, company_id: UUID, seconds: int) -> ExportJob | None:
        """Judge the company's open job (it has one at most) by the advanced clock: its deadlines come
        `seconds` closer, and its execution's wait is ended so that CheckDeadline judges it now (expires it,
        or waits again for what is left)."""
        for _ in range(_ATTEMPTS):
            job_id = self.jobs.open_job_id(company_id)
            job = self.jobs.get(job_id) if job_id is not None else None
            if job is None or not job.status.is_open:
                return None
            if self.jobs.move_deadlines_back(job, seconds):
                break
        else:
            raise Conflict("The company's open job kept changing while its clock was advanced; advance it again.")
        # Read again: the token the wait stored (it may have been stored since the job was read).
        moved = self.jobs.get(job.id)
        if moved is not None and moved.workflow_task_token and moved.workflow_awaiting is moved.status:
            # TaskTokenGone: the wait ended meanwhile (an event, its own timeout), and what follows reads the
            # moved deadline.
            with suppress(TaskTokenGone):
                self._tasks().send_task_failure(
                    moved.workflow_task_token,
                    DEADLINE_MOVED,
                    f"The company's test clock was advanced by {seconds} seconds.",
                )
        return job

    # Fault injection ----------------------------------------------------------------------------------

    def add_fault(self, caller: Caller, company_id: UUID, request: CreateFault) -> Fault:
        self._authorize(caller, "add_fault", company_id, **request.model_dump(mode="json", exclude_none=True))
        _, pending = self.repository.read(company_id)
        if len(pending) >= MAX_FAULTS_PER_COMPANY:
            raise BadRequest(f"A company may have at most {MAX_FAULTS_PER_COMPANY} pending faults; clear some first.")
        fault = Fault(
            id=f"flt_{secrets.token_hex(8)}",
            company_id=company_id,
            operation=request.operation,
            remaining=request.count,
            created_at=_now(),
            created_by=caller.principal_id,
            status=request.status,
            delay_milliseconds=request.delay_milliseconds,
            retry_after_seconds=request.retry_after_seconds,
        )
        self.repository.add_fault(fault)
        return fault

    def faults(self, caller: Caller, company_id: UUID) -> list[Fault]:
        self._authorize(caller, "list_faults", company_id)
        return self.repository.read(company_id)[1]

    def clear_faults(self, caller: Caller, company_id: UUID, fault_id: str | None = None) -> None:
        self._authorize(caller, "clear_faults", company_id, fault_id=fault_id)
        if not self.repository.clear_faults(company_id, fault_id):
            raise NotFound(f"Company {company_id} has no pending fault {fault_id}.")

    # A job in one call --------------------------------------------------------------------------------

    def create_job(self, caller: Caller, company_id: UUID, request: CreateSampleJob) -> ExportJob:
        from export_api.admin_api.accounting_entries import ENTRIES
        from export_api.admin_api.sample_entries import KINDS_BY_NAME, accounting_entry

        self._authorize(caller, "create_job", company_id, entries={g.type: g.count for g in request.entries})
        unknown = sorted({g.type for g in request.entries} - set(KINDS_BY_NAME))
        if unknown:
            raise BadRequest(f"Unknown entry types {', '.join(unknown)}: use {', '.join(KINDS_BY_NAME)}.")
        # Refused before any entry is stored when the company is busy (the job's creation decides races).
        if self.jobs.open_job_id(company_id) is not None:
            raise ExportAlreadyInProgress()
        kinds = [g.type for g in request.entries for _ in range(g.count)]
        raw = [accounting_entry(str(uuid4()), index, str(company_id), kind) for index, kind in enumerate(kinds)]
        entries = [e.to_domain(company_id) for e in ENTRIES.validate_python(raw)]
        for start in range(0, len(entries), _INGEST_CHUNK):
            self._accounting_entries().ingest(caller, company_id, entries[start : start + _INGEST_CHUNK])
        # The job is the company's, created as the company would create it.
        company = Caller(
            principal_id=caller.principal_id,
            company_ids=frozenset({company_id}),
            scopes=frozenset({Scope.EXPORT_JOBS_WRITE.value}),
        )
        creation = CreateExportJob(
            accounting_entry_ids=[e.accounting_entry_id for e in entries],
            company_id=company_id,
            employee_id=request.employee_id,
        )
        return self._export_jobs().create(company, creation)


class FaultInjector:
    """The Export API's side of fault injection: the next fault a company's request to an operation takes."""

    def __init__(self, repository: TestHelpersRepository) -> None:
        self.repository = repository

    def take(self, company_id: UUID, operation_id: str) -> Fault | None:
        """The oldest pending fault of the company for the operation, one of its requests taken; None if
        there is none. Of concurrent requests, each takes a different one (a conditional write each)."""
        for _ in range(_ATTEMPTS):
            _, pending = self.repository.read(company_id)
            fault = next((f for f in pending if f.applies_to(operation_id)), None)
            if fault is None:
                return None
            if self.repository.consume(fault):
                get_logger().info(
                    "Injected fault applied",
                    extra={"fault_id": fault.id, "company_id": str(company_id), "operation": operation_id},
                )
                return fault
        return None
