"""The services' rules against in-memory repositories (tests/support/fakes.py): creating a job, moving it
through its lifecycle with events, reporting its items, abandoning a failed job's items."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from export_api.errors import (
    AccountingEntriesNotFound,
    BadRequest,
    ExportAlreadyInProgress,
    ExportJobItemsUpdateLimit,
    ExportJobStatusUnprocessable,
    ExportNotFound,
    Forbidden,
    InvalidExportJobStatusChange,
    MissingContraAccounts,
)
from export_api.models.caller import Caller, Scope
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import CreateExportJob, CreateExportJobEvent, ExportJob, UpdateExportJobItem
from export_api.services.events import ExportJobEventsService
from export_api.services.job_items import JobItemsService
from export_api.services.jobs import ExportJobsService
from export_api.services.workflow import JobWorkflow

from tests.support.fakes import FakeItems, FakeJobs, FakeTransactions, RecordingWorkflow

COMPANY = UUID("5c8a2f3e-1d4b-4e6f-9a7b-8c9d0e1f2a3b")
OTHER_COMPANY = UUID("7e6d5c4b-3a29-4f18-8e7d-6c5b4a392817")
WRITE = frozenset({Scope.EXPORT_JOBS_READ.value, Scope.EXPORT_JOBS_WRITE.value})


def caller(*companies: UUID, scopes: frozenset[str] = WRITE) -> Caller:
    return Caller(principal_id="test", company_ids=frozenset(companies or (COMPANY,)), scopes=scopes)


class World:
    """The job services over in-memory repositories, and a company with accounting entries."""

    def __init__(self, entries: int = 5) -> None:
        self.jobs = FakeJobs()
        self.items = FakeItems(self.jobs)
        self.workflow = RecordingWorkflow()
        self.entry_ids = sorted(uuid4() for _ in range(entries))
        self.items.entries[COMPANY] = set(self.entry_ids)
        self.transactions = FakeTransactions({self.jobs.table_name: self.jobs, self.items.table_name: self.items})
        self.job_items = JobItemsService(
            self.items.as_repository(), self.jobs.as_repository(), self.transactions.as_transactions()
        )
        self.service = ExportJobsService(
            self.jobs.as_repository(), self.items.as_repository(), self.job_items, self.the_workflow, 3_600
        )
        self.events = ExportJobEventsService(self.service)

    def the_workflow(self) -> JobWorkflow:
        return self.workflow

    def create(self, entry_ids: list[UUID] | None = None, who: Caller | None = None, **fields: Any) -> ExportJob:
        request = CreateExportJob(
            company_id=fields.pop("company_id", COMPANY), accounting_entry_ids=entry_ids or self.entry_ids, **fields
        )
        return self.service.create(who or caller(), request)

    def event(self, job: ExportJob, event: str, who: Caller | None = None, **fields: Any) -> ExportJob:
        return self.events.apply(who or caller(), CreateExportJobEvent(job_id=job.id, event=event, **fields))

    def update(self, job: ExportJob, *updates: UpdateExportJobItem, who: Caller | None = None) -> Any:
        return self.service.update_items(who or caller(), job.id, list(updates))

    def stored(self, job: ExportJob) -> ExportJob:
        found = self.jobs.get(job.id)
        assert found is not None
        return found


def report(entry_id: UUID, status: str, **fields: Any) -> UpdateExportJobItem:
    return UpdateExportJobItem(accounting_entry_id=entry_id, status=status, **fields)


def done(entry_id: UUID, external_id: str = "ERP-1") -> UpdateExportJobItem:
    return report(
        entry_id,
        "successful",
        exported_at=datetime(2026, 10, 2, 12, tzinfo=UTC),
        external_id=external_id,
        external_url=f"https://erp.example.com/{external_id}",
    )


# Creating a job ---------------------------------------------------------------------------------


def test_a_new_job_is_pending_with_a_pending_item_per_entry_and_its_workflow_told() -> None:
    world = World()
    job = world.create(is_interactive=False)
    assert job.status is ExportJobStatus.PENDING
    assert job.company_id == COMPANY
    assert job.number_of_items == 5
    assert job.item_counts.pending == 5
    assert job.expires_in == 3_600
    assert job.is_interactive is False
    assert job.vendor_based_bookkeeping is False
    assert world.jobs.open_job_id(COMPANY) == job.id
    assert {i.status for i in world.items.items[job.id].values()} == {ExportJobItemStatus.PENDING}
    assert sorted(world.items.items[job.id]) == world.entry_ids
    assert world.workflow.created == [job]


def test_the_company_defaults_to_the_callers_only_one_and_must_be_the_callers() -> None:
    world = World()
    with pytest.raises(Forbidden):
        world.create(company_id=OTHER_COMPANY)
    with pytest.raises(Forbidden):
        world.create(who=caller(scopes=frozenset({Scope.EXPORT_JOBS_READ.value})))
    assert world.jobs.jobs == {}
    assert world.items.items == {}


def test_an_entry_listed_twice_is_a_bad_request_naming_it() -> None:
    world = World()
    twice = world.entry_ids[1]
    with pytest.raises(BadRequest, match=str(twice)):
        world.create([world.entry_ids[0], twice, twice])
    assert world.jobs.jobs == {}


def test_unknown_entries_are_named_and_nothing_is_written() -> None:
    world = World()
    unknown = uuid4()
    with pytest.raises(AccountingEntriesNotFound, match=str(unknown)):
        world.create([world.entry_ids[0], unknown])
    assert world.jobs.jobs == {}
    assert world.items.items == {}
    assert world.workflow.created == []


def test_a_company_has_one_unfinished_job_at_a_time() -> None:
    world = World()
    first = world.create()
    with pytest.raises(ExportAlreadyInProgress):
        world.create()
    world.event(first, "failed")
    assert world.create().id != first.id


def test_losing_the_race_for_the_company_leaves_no_items_behind() -> None:
    world = World()
    world.create()
    # Another create for the company won after this one looked: its own job's items are removed.
    winner = world.jobs.open_jobs.pop(COMPANY)
    original_create = world.jobs.create

    def create_after_the_winner(job: ExportJob) -> None:
        world.jobs.open_jobs[COMPANY] = winner
        original_create(job)

    world.jobs.create = create_after_the_winner  # type: ignore[method-assign]
    with pytest.raises(ExportAlreadyInProgress):
        world.create()
    assert list(world.items.items) == [winner]
    assert len(world.workflow.created) == 1


def test_a_precondition_refusal_writes_nothing() -> None:
    world = World()

    def contra_accounts_unmapped(company: UUID) -> None:
        raise MissingContraAccounts()

    with pytest.raises(MissingContraAccounts):
        world.service.create(
            caller(),
            CreateExportJob(company_id=COMPANY, accounting_entry_ids=world.entry_ids),
            contra_accounts_unmapped,
        )
    assert world.jobs.jobs == {}


# Events --------------------------------------------------------------------------------------------

LIFECYCLES = [
    (["started", "completed"], ExportJobStatus.COMPLETED),
    (["started", "completed_with_errors"], ExportJobStatus.COMPLETED_WITH_ERRORS),
    (["started", "failed"], ExportJobStatus.FAILED),
    (["failed"], ExportJobStatus.FAILED),
]


@pytest.mark.parametrize(("events", "final"), LIFECYCLES)
def test_each_way_through_the_lifecycle(events: list[str], final: ExportJobStatus) -> None:
    world = World()
    job = world.create()
    for event in events:
        job = world.event(job, event)
    assert job.status is final
    assert world.stored(job).status is final
    assert job.completed_at is not None
    assert (job.started_at is not None) == ("started" in events)
    assert [j.status for j in world.workflow.applied][-1] is final
    assert world.jobs.open_job_id(COMPANY) is None


@pytest.mark.parametrize(
    ("events", "refused"),
    [
        ([], "completed"),
        ([], "completed_with_errors"),
        (["started"], "started"),
        (["failed"], "failed"),
        (["failed"], "started"),
        (["started", "completed"], "failed"),
        (["started", "completed"], "completed"),
    ],
)
def test_a_transition_the_lifecycle_does_not_have_is_refused_and_changes_nothing(
    events: list[str], refused: str
) -> None:
    world = World()
    job = world.create()
    for event in events:
        job = world.event(job, event)
    before = world.stored(job)
    with pytest.raises(InvalidExportJobStatusChange, match=refused):
        world.event(job, refused)
    assert world.stored(job) == before
    assert len(world.workflow.applied) == len(events)


def test_an_event_records_when_the_job_started_and_why_it_failed() -> None:
    world = World()
    job = world.event(world.create(), "started")
    assert job.started_at is not None
    assert job.completed_at is None
    failed = world.event(
        job, "failed", failure_reason="ERP offline", failure_reason_type="accounting_system_unreachable"
    )
    assert failed.failure_reason == "ERP offline"
    assert failed.failure_reason_type is not None
    assert failed.failure_reason_type.value == "accounting_system_unreachable"
    assert world.stored(job).failure_reason == "ERP offline"


def test_an_event_that_lost_a_race_is_judged_on_the_job_as_it_now_is() -> None:
    world = World()
    job = world.create()
    # Another event started the job after this one read it: `started` again is refused, `failed` holds.
    world.jobs.moved_meanwhile[job.id] = job.model_copy(update={"status": ExportJobStatus.IN_PROGRESS})
    with pytest.raises(InvalidExportJobStatusChange, match="in_progress"):
        world.event(job, "started")
    world.jobs.moved_meanwhile[job.id] = world.stored(job).model_copy(update={"status": ExportJobStatus.PENDING})
    world.jobs.jobs[job.id] = world.stored(job).model_copy(update={"status": ExportJobStatus.IN_PROGRESS})
    assert world.event(job, "failed").status is ExportJobStatus.FAILED


def test_another_companys_job_is_not_found_for_events_reads_and_reports() -> None:
    world = World()
    job = world.create()
    stranger = caller(OTHER_COMPANY)
    with pytest.raises(ExportNotFound):
        world.event(job, "started", who=stranger)
    with pytest.raises(ExportNotFound):
        world.service.read(stranger, job.id)
    with pytest.raises(ExportNotFound):
        world.update(job, done(world.entry_ids[0]), who=stranger)
    assert world.stored(job).status is ExportJobStatus.PENDING
    assert world.stored(job).item_counts.pending == 5


# Item reports ----------------------------------------------------------------------------------------


def test_a_report_replaces_the_items_result_and_moves_the_counters() -> None:
    world = World()
    job = world.event(world.create(), "started")
    first, second = world.entry_ids[:2]
    result = world.update(job, done(first, "ERP-1"), report(second, "in_progress"))
    assert [(i.accounting_entry_id, i.status) for i in result.data] == [
        (first, ExportJobItemStatus.SUCCESSFUL),
        (second, ExportJobItemStatus.IN_PROGRESS),
    ]
    assert result.errors == []
    counts = world.stored(job).item_counts
    assert (counts.pending, counts.in_progress, counts.successful) == (3, 1, 1)
    # A retry after a failure does not keep the earlier attempt's result fields.
    world.update(job, report(first, "failed", failure_reason="Account closed"))
    item = world.items.items[job.id][first]
    assert item.status is ExportJobItemStatus.FAILED
    assert item.external_id is None
    assert item.failure_reason == "Account closed"
    assert world.stored(job).item_counts.successful == 0


def test_a_report_counts_as_an_action_on_the_job() -> None:
    world = World()
    job = world.create()
    world.jobs.jobs[job.id] = job.model_copy(update={"last_updated_at": job.created_at - timedelta(hours=1)})
    world.update(job, report(world.entry_ids[0], "in_progress"))
    touched = world.stored(job).last_updated_at
    assert touched is not None
    assert touched > job.created_at


def test_entries_not_in_the_job_are_reported_back_and_the_rest_applied() -> None:
    world = World()
    job = world.create(world.entry_ids[:2])
    outside = world.entry_ids[4]
    result = world.update(job, done(world.entry_ids[0]), done(outside))
    assert [i.accounting_entry_id for i in result.data] == [world.entry_ids[0]]
    (error,) = result.errors
    assert error.accounting_entry_id == outside
    assert error.type == "ACCOUNTING_ENTRY_DOES_NOT_EXIST"


def test_only_unknown_entries_still_need_the_job_to_be_the_callers_and_open() -> None:
    world = World()
    job = world.create()
    assert world.update(job, done(uuid4())).data == []
    world.event(job, "failed")
    with pytest.raises(ExportJobStatusUnprocessable):
        world.update(job, done(uuid4()))


@pytest.mark.parametrize("events", [["failed"], ["started", "completed"], ["started", "completed_with_errors"]])
def test_a_closed_job_takes_no_report(events: list[str]) -> None:
    world = World()
    job = world.create()
    for event in events:
        job = world.event(job, event)
    before = dict(world.items.items[job.id])
    for who in (caller(), caller(scopes=WRITE | {Scope.ADMIN.value})):
        with pytest.raises(ExportJobStatusUnprocessable):
            world.update(job, done(world.entry_ids[0]), who=who)
    assert world.items.items[job.id] == before


def test_a_batch_names_each_entry_once_and_holds_at_most_100() -> None:
    world = World()
    job = world.create()
    with pytest.raises(BadRequest, match=str(world.entry_ids[0])):
        world.update(job, done(world.entry_ids[0]), report(world.entry_ids[0], "in_progress"))
    with pytest.raises(ExportJobItemsUpdateLimit, match="got 101"):
        world.update(job, *[done(uuid4()) for _ in range(101)])
    assert world.transactions.count == 0


# Finalizing a failed job -------------------------------------------------------------------------------


def test_failing_a_job_abandons_its_unfinished_items_and_keeps_the_finished() -> None:
    world = World(entries=250)
    job = world.event(world.create(), "started")
    finished = world.entry_ids[:3]
    world.update(job, done(finished[0]), report(finished[1], "failed"), report(world.entry_ids[3], "in_progress"))
    failed = world.event(job, "failed")
    world.job_items.finalize(failed)
    statuses = {e: i.status for e, i in world.items.items[job.id].items()}
    assert statuses[finished[0]] is ExportJobItemStatus.SUCCESSFUL
    assert statuses[finished[1]] is ExportJobItemStatus.FAILED
    assert statuses[world.entry_ids[3]] is ExportJobItemStatus.ABANDONED
    assert sum(s is ExportJobItemStatus.ABANDONED for s in statuses.values()) == 248
    counts = world.stored(job).item_counts
    assert (counts.pending, counts.in_progress, counts.abandoned, counts.successful, counts.failed) == (0, 0, 248, 1, 1)
    # 99 items a transaction.
    assert world.transactions.count == 1 + 3


@pytest.mark.parametrize("closing", ["completed", "completed_with_errors"])
def test_a_job_that_completed_keeps_its_unfinished_items(closing: str) -> None:
    world = World()
    job = world.event(world.event(world.create(), "started"), closing)
    world.job_items.finalize(job)
    assert {i.status for i in world.items.items[job.id].values()} == {ExportJobItemStatus.PENDING}


def test_abandoning_stops_after_its_batches_and_says_how_many_may_be_left() -> None:
    world = World(entries=250)
    failed = world.event(world.create(), "failed")
    left = world.job_items.abandon_unfinished(failed, failed.item_counts.unfinished, batches=2)
    assert left == 250 - 2 * 99
    assert world.stored(failed).item_counts.unfinished == left
    assert world.job_items.abandon_unfinished(world.stored(failed), left, batches=2) == 0
