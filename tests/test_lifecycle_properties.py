"""Properties of the lifecycle table (export_api/services/lifecycle.py) against the published lifecycle."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from export_api.errors import InvalidExportJobStatusChange
from export_api.models.enums import ExportJobEventType, ExportJobFailureReasonType, ExportJobStatus
from export_api.models.jobs import CreateExportJobEvent
from export_api.services.lifecycle import next_status, transition_changes
from hypothesis import given, settings
from hypothesis import strategies as st

Status = ExportJobStatus
Event = ExportJobEventType

# The published lifecycle, written out independently of the implementation.
EXPECTED = {
    (Status.PENDING, Event.STARTED): Status.IN_PROGRESS,
    (Status.PENDING, Event.FAILED): Status.FAILED,
    (Status.IN_PROGRESS, Event.COMPLETED): Status.COMPLETED,
    (Status.IN_PROGRESS, Event.COMPLETED_WITH_ERRORS): Status.COMPLETED_WITH_ERRORS,
    (Status.IN_PROGRESS, Event.FAILED): Status.FAILED,
}
TERMINAL = {Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED}
BOUNDED = settings(max_examples=50, deadline=None)


def run(events: list[Event]) -> tuple[Status, list[Status]]:
    """Apply events from a new job, skipping refused ones; the final status and every status visited."""
    status = Status.PENDING
    visited = [status]
    for event in events:
        try:
            status = next_status(status, event)
        except InvalidExportJobStatusChange:
            continue
        visited.append(status)
    return status, visited


@given(st.sampled_from(Status), st.sampled_from(Event))
@BOUNDED
def test_each_cell_is_the_table_of_the_notes(status: Status, event: Event) -> None:
    if (status, event) in EXPECTED:
        assert next_status(status, event) is EXPECTED[(status, event)]
    else:
        with pytest.raises(InvalidExportJobStatusChange) as refused:
            next_status(status, event)
        assert refused.value.status_code == 422
        assert refused.value.error_type == "INVALID_EXPORT_JOB_STATUS_CHANGE"
        assert refused.value.message.startswith("Export Job status change failed")


@given(st.lists(st.sampled_from(Event), max_size=12))
@BOUNDED
def test_any_sequence_of_events_follows_the_lifecycle(events: list[Event]) -> None:
    status, visited = run(events)
    # At most three statuses: pending, then maybe in_progress, then maybe one terminal status.
    assert len(visited) <= 3
    assert visited == sorted(set(visited), key=visited.index), "no status is visited twice"
    # Once terminal, nothing moves the job again.
    for index, seen in enumerate(visited):
        if seen in TERMINAL:
            assert index == len(visited) - 1
    # A job completes only after it started.
    if status in (Status.COMPLETED, Status.COMPLETED_WITH_ERRORS):
        assert visited[:2] == [Status.PENDING, Status.IN_PROGRESS]
    if Event.STARTED not in events:
        assert status in (Status.PENDING, Status.FAILED)


@given(st.sampled_from(sorted(TERMINAL)), st.lists(st.sampled_from(Event), min_size=1, max_size=6))
@BOUNDED
def test_terminal_statuses_refuse_every_event(status: Status, events: list[Event]) -> None:
    for event in events:
        with pytest.raises(InvalidExportJobStatusChange):
            next_status(status, event)


@given(
    st.sampled_from(sorted(EXPECTED, key=str)),
    st.one_of(st.none(), st.text(max_size=50)),
    st.one_of(st.none(), st.sampled_from(ExportJobFailureReasonType)),
    st.datetimes(timezones=st.just(UTC), min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1)),
)
@BOUNDED
def test_what_a_transition_records(
    cell: tuple[Status, Event],
    reason: str | None,
    reason_type: ExportJobFailureReasonType | None,
    now: datetime,
) -> None:
    status, event = cell
    to_status = EXPECTED[cell]
    request = CreateExportJobEvent(
        event=event, job_id=UUID(int=1), failure_reason=reason, failure_reason_type=reason_type
    )
    changes = transition_changes(request, to_status, now)
    assert changes["failureReason"] == reason
    assert changes["failureReasonType"] == (reason_type.value if reason_type else None)
    assert ("startedAt" in changes) == (to_status is Status.IN_PROGRESS)
    assert ("completedAt" in changes) == (to_status in TERMINAL)
    for field in ("startedAt", "completedAt"):
        if field in changes:
            assert datetime.fromisoformat(changes[field]) == now
    assert status is not to_status
