"""Jobs table: one record per export job, and one record per company.

Keys: `pk = JOB#<jobId>` for a job, `pk = COMPANY#<companyId>` for the company: its counters, and
`openJobId`, the company's one unfinished job (pending or in progress), absent when it has none.
Lists read GSIs: `byCompany` (companyId, sortKey) and `byCompanyStatus` (companyStatus, sortKey),
where `sortKey = <createdAt>#<jobId>` is unique and orders jobs by creation; the admin list of every
company's jobs reads `byStatus` (status, sortKey; keys only) and then the jobs by key.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from botocore.exceptions import ClientError

from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJob, ItemCounts
from export_api.repositories import aws
from export_api.repositories.paging import Page, PageRequest, query_page
from export_api.repositories.transactions import (
    Absent,
    Condition,
    Counters,
    Equals,
    OneOf,
    Pending,
    Put,
    TransactionConflict,
    Update,
    sum_deltas,
    transact,
)

BY_COMPANY_INDEX = "byCompany"
BY_COMPANY_STATUS_INDEX = "byCompanyStatus"
BY_STATUS_INDEX = "byStatus"


def job_key(job_id: UUID) -> dict[str, str]:
    return {"pk": f"JOB#{job_id}"}


def company_key(company_id: UUID) -> dict[str, str]:
    return {"pk": f"COMPANY#{company_id}"}


# On the company record: the id of its unfinished job (JobsRepository.create, .transition).
OPEN_JOB = "openJobId"
# On the job record: the rest of an item batch whose first transaction committed (Transactions.write).
PENDING_ITEM_CHANGES = "pendingItemChanges"


class CompanyHasOpenJob(Exception):
    """The company already has an unfinished job: a new one was not created."""


def timestamp_text(moment: datetime) -> str:
    """How the jobs table stores a time: ISO-8601 in UTC. `createdAt` in `sortKey` and item records'
    `jobCreatedAt`, and `lastUpdatedAt`, whose stored text conditions the expiry (JobsRepository.transition)."""
    return moment.astimezone(UTC).isoformat()


def job_counter(status: ExportJobStatus) -> str:
    return f"jobCount_{status.value}"


def item_counter(status: ExportJobItemStatus) -> str:
    return f"itemCount_{status.value}"


def sort_key(job: ExportJob) -> str:
    return f"{timestamp_text(job.created_at)}#{job.id}"


def job_record(job: ExportJob) -> dict[str, Any]:
    record = job.model_dump(mode="json", by_alias=True, exclude_none=True)
    record.update(job_key(job.id))
    record["sortKey"] = sort_key(job)
    record["companyStatus"] = f"{job.company_id}#{job.status.value}"
    if job.last_updated_at is not None:
        record["lastUpdatedAt"] = timestamp_text(job.last_updated_at)
    for status in ExportJobItemStatus:
        record[item_counter(status)] = job.item_counts.of(status)
    return record


def job_from_record(record: dict[str, Any]) -> ExportJob:
    counts = ItemCounts(**{s.value: int(record.get(item_counter(s), 0)) for s in ExportJobItemStatus})
    return ExportJob.model_validate({**record, "itemCounts": counts})


class JobsRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    def create(self, job: ExportJob) -> None:
        """Write a new job, count it on its company and make it the company's unfinished job, together.

        Raises CompanyHasOpenJob, writing nothing, when the company already has an unfinished job: of
        concurrent creates for one company, one wins.
        """
        claim = Update(
            self.table_name,
            company_key(job.company_id),
            set={OPEN_JOB: str(job.id)},
            add={job_counter(job.status): 1},
            conditions={OPEN_JOB: Absent()},
        )
        try:
            transact([Put(self.table_name, job_record(job), {"pk": Absent()}), claim])
        except TransactionConflict as conflict:
            if conflict.failed == [1]:
                raise CompanyHasOpenJob(str(job.company_id)) from conflict
            raise

    def open_job_id(self, company_id: UUID) -> UUID | None:
        """The company's unfinished job, if it has one."""
        record = self._table.get_item(
            Key=company_key(company_id), ConsistentRead=True, ProjectionExpression=OPEN_JOB
        ).get("Item")
        return UUID(str(record[OPEN_JOB])) if record and OPEN_JOB in record else None

    def get(self, job_id: UUID) -> ExportJob | None:
        response = self._table.get_item(Key=job_key(job_id), ConsistentRead=True)
        record = response.get("Item")
        return job_from_record(record) if record else None

    def transition(
        self,
        job: ExportJob,
        to_status: ExportJobStatus,
        now: datetime,
        changes: dict[str, Any],
        untouched: bool = False,
    ) -> None:
        """Move a job from its current status to `to_status`, only if nobody moved it first.

        Raises TransactionConflict when the job's status is no longer `job.status`, or when the workflow's
        waiting task is no longer the one read with `job`: a token stored meanwhile is then read again, so
        whoever resumes the workflow after this write has the right one. With `untouched`, also when the
        job's `lastUpdatedAt` moved since it was read (an action came first: it is not expired).
        A closing transition frees the company for its next job in the same write (conditioned on the
        company's unfinished job being this one).
        """
        fields = {
            "status": to_status.value,
            "companyStatus": f"{job.company_id}#{to_status.value}",
            "lastUpdatedAt": timestamp_text(now),
            **{name: value for name, value in changes.items() if value is not None},
        }
        conditions: dict[str, Condition] = {
            "status": Equals(job.status.value),
            "workflowTaskToken": Absent() if job.workflow_task_token is None else Equals(job.workflow_task_token),
        }
        if untouched:
            conditions["lastUpdatedAt"] = Equals(timestamp_text(job.last_updated_at or job.created_at))
        closing = job.status.is_open and not to_status.is_open
        company = Update(
            self.table_name,
            company_key(job.company_id),
            add=sum_deltas([{job_counter(job.status): -1}, {job_counter(to_status): 1}]) or {job_counter(to_status): 0},
            remove=(OPEN_JOB,) if closing else (),
            conditions={OPEN_JOB: Equals(str(job.id))} if closing else {},
        )
        transact([Update(self.table_name, job_key(job.id), set=fields, conditions=conditions), company])

    def item_counters(
        self,
        job_id: UUID,
        moves: Sequence[tuple[ExportJobItemStatus, ExportJobItemStatus]],
        while_status: Collection[ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> Counters:
        """The job's part in a batch of item writes: its counters move with the items, each `(old, new)`
        status in `moves` one item's, and only while the job is in `while_status`.

        For a client's update that condition is the rule that a closed job takes no item update
        (docs/decisions.md, "Item updates"): a job that closes concurrently cancels the whole batch.
        With `companies` the job must be one of theirs, so the write doubles as the ownership check.
        `touched_at` (a client's update) becomes the job's `lastUpdatedAt`: its expiry counts from there.
        """
        conditions: dict[str, Condition] = {"status": OneOf(tuple(sorted(s.value for s in set(while_status))))}
        if companies is not None:
            conditions["companyId"] = OneOf(tuple(sorted(str(c) for c in companies)))
        anchor = Update(
            self.table_name,
            job_key(job_id),
            set={"lastUpdatedAt": timestamp_text(touched_at)} if touched_at is not None else {},
            # An update must change something: adding 0 keeps the write (and its conditions) when nothing moves.
            add={item_counter(ExportJobItemStatus.PENDING): 0},
            conditions=conditions,
        )
        deltas = [sum_deltas([{item_counter(old): -1}, {item_counter(new): 1}]) for old, new in moves]
        return Counters(anchor=anchor, deltas=deltas, journal=PENDING_ITEM_CHANGES)

    def pending_item_changes(self, job: ExportJob) -> Pending | None:
        """The rest of an item batch recorded on the job as it was read, if its writer has not applied it."""
        if not job.pending_item_changes:
            return None
        return Pending(self.table_name, job_key(job.id), PENDING_ITEM_CHANGES, job.pending_item_changes)

    def list(
        self, company_id: UUID, statuses: Iterable[ExportJobStatus] | None, request: PageRequest
    ) -> Page[ExportJob]:
        if statuses:
            page = query_page(
                self._table,
                index=BY_COMPANY_STATUS_INDEX,
                hash_attr="companyStatus",
                hash_values=[f"{company_id}#{s.value}" for s in sorted(set(statuses))],
                range_attr="sortKey",
                request=request,
            )
        else:
            page = query_page(
                self._table,
                index=BY_COMPANY_INDEX,
                hash_attr="companyId",
                hash_values=[str(company_id)],
                range_attr="sortKey",
                request=request,
            )
        return Page(
            items=[job_from_record(r) for r in page.items],
            positions=page.positions,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )

    def list_all(self, statuses: Iterable[ExportJobStatus] | None, request: PageRequest) -> Page[ExportJob]:
        """Every company's jobs (admin), one partition per status merged by creation.

        The index holds keys only, so item counter updates (every item PUT) never write to it; the
        page's jobs are then read by key, at most one BatchGetItem of `limit` keys.
        """
        page = query_page(
            self._table,
            index=BY_STATUS_INDEX,
            hash_attr="status",
            hash_values=[s.value for s in sorted(set(statuses or []) or ExportJobStatus)],
            range_attr="sortKey",
            request=request,
        )
        records = self._batch_get([{"pk": str(r["pk"])} for r in page.items])
        return Page(
            items=[job_from_record(records[str(r["pk"])]) for r in page.items if str(r["pk"]) in records],
            positions=page.positions,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )

    def _batch_get(self, keys: Sequence[dict[str, str]]) -> dict[str, dict[str, Any]]:
        """Records by pk; `keys` are at most a page (100, BatchGetItem's limit)."""
        found: dict[str, dict[str, Any]] = {}
        pending = list(keys)
        while pending:
            records, pending = self._table.batch_get(pending, ConsistentRead=True)
            for record in records:
                found[str(record["pk"])] = record
        return found

    def count(self, company_id: UUID, statuses: Iterable[ExportJobStatus] | None) -> int:
        response = self._table.get_item(Key=company_key(company_id))
        record = response.get("Item", {})
        return sum(int(record.get(job_counter(s), 0)) for s in (set(statuses or []) or ExportJobStatus))

    # The job's lifecycle workflow: the waiting task's token, finalization -----------------------------

    def store_task_token(self, job_id: UUID, token: str, while_status: ExportJobStatus) -> bool:
        """Keep the token of the task waiting for the job to leave `while_status`, if it has not already.

        False when the job is no longer in `while_status`: the event came first, and the caller resumes
        the task itself. The condition is what makes the wait race-free (docs/workflow.md, "Waiting for an
        event: the callback pattern, with no race").
        """
        try:
            self._table.update_item(
                Key=job_key(job_id),
                UpdateExpression="SET workflowTaskToken = :token, workflowAwaiting = :status",
                ConditionExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":token": token, ":status": while_status.value},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def task_token(self, job_id: UUID) -> tuple[str, ExportJobStatus] | None:
        """The stored task token and the status its task waits for the job to leave."""
        record = self._table.get_item(
            Key=job_key(job_id),
            ConsistentRead=True,
            ProjectionExpression="workflowTaskToken, workflowAwaiting",
        ).get("Item")
        if not record or "workflowTaskToken" not in record:
            return None
        return str(record["workflowTaskToken"]), ExportJobStatus(str(record["workflowAwaiting"]))

    def move_deadlines_back(self, job: ExportJob, seconds: int) -> bool:
        """Move the open job's deadline anchors (`lastUpdatedAt`, `startedAt`) `seconds` back: what a test
        clock advanced by `seconds` does to it (services/test_helpers.py). Conditioned on the job being as
        read (status and `lastUpdatedAt`), like the expiry itself; False when it was not (read it again)."""
        anchor = job.last_updated_at or job.created_at
        fields = {"lastUpdatedAt": timestamp_text(anchor - timedelta(seconds=seconds))}
        if job.started_at is not None:
            fields["startedAt"] = (job.started_at - timedelta(seconds=seconds)).isoformat()
        names = {"#status": "status", **{f"#{name}": name for name in fields}}
        try:
            self._table.update_item(
                Key=job_key(job.id),
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
                ConditionExpression="#status = :status AND #lastUpdatedAt = :read",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    **{f":{name}": value for name, value in fields.items()},
                    ":status": job.status.value,
                    ":read": timestamp_text(anchor),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_finalized(self, job_id: UUID, now: datetime) -> datetime:
        """Record when the workflow finished with a closed job (the first time counts); no task waits any more."""
        response = self._table.update_item(
            Key=job_key(job_id),
            UpdateExpression=(
                "SET finalizedAt = if_not_exists(finalizedAt, :now) REMOVE workflowTaskToken, workflowAwaiting"
            ),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":now": now.isoformat()},
            ReturnValues="UPDATED_NEW",
        )
        return datetime.fromisoformat(str(response["Attributes"]["finalizedAt"]))
