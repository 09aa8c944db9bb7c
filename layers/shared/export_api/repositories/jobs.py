"""Jobs table: one record per export job, and one record per company.

Keys: `pk = JOB#<jobId>` for a job, `pk = COMPANY#<companyId>` for the company: its counters, and
`openJobId`, the company's one unfinished job (pending or in progress), absent when it has none.
Lists read GSIs: `byCompany` (companyId, sortKey) and `byCompanyStatus` (companyStatus, sortKey),
where `sortKey = <createdAt>#<jobId>` is unique and orders jobs by creation; the admin list of every
company's jobs reads `byStatus` (status, sortKey; keys only) and then the jobs by key.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from botocore.exceptions import ClientError

from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJob, ItemCounts
from export_api.repositories import aws
from export_api.repositories.paging import Page, PageRequest, query_page
from export_api.repositories.transactions import TransactionConflict, add_assignment, counter_update, transact

BY_COMPANY_INDEX = "byCompany"
BY_COMPANY_STATUS_INDEX = "byCompanyStatus"
BY_STATUS_INDEX = "byStatus"


def job_key(job_id: UUID) -> dict[str, str]:
    return {"pk": f"JOB#{job_id}"}


def company_key(company_id: UUID) -> dict[str, str]:
    return {"pk": f"COMPANY#{company_id}"}


# On the company record: the id of its unfinished job (JobsRepository.create, .transition).
OPEN_JOB = "openJobId"


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


def _to_record(job: ExportJob) -> dict[str, Any]:
    record = job.model_dump(mode="json", by_alias=True, exclude_none=True)
    record.update(job_key(job.id))
    record["sortKey"] = sort_key(job)
    record["companyStatus"] = f"{job.company_id}#{job.status.value}"
    if job.last_updated_at is not None:
        record["lastUpdatedAt"] = timestamp_text(job.last_updated_at)
    for status in ExportJobItemStatus:
        record[item_counter(status)] = job.item_counts.of(status)
    return record


def _from_record(record: dict[str, Any]) -> ExportJob:
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
        lock = counter_update(self.table_name, company_key(job.company_id), {job_counter(job.status): 1})
        update = lock["Update"]
        add_assignment(update, "#open = :job")
        update["ConditionExpression"] = "attribute_not_exists(#open)"
        update["ExpressionAttributeNames"]["#open"] = OPEN_JOB
        update["ExpressionAttributeValues"][":job"] = str(job.id)
        try:
            transact(
                [
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": _to_record(job),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    lock,
                ]
            )
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
        return _from_record(record) if record else None

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
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(fields.values())}
        values[":from"] = job.status.value
        condition = "#f0 = :from AND attribute_not_exists(workflowTaskToken)"
        if job.workflow_task_token is not None:
            condition = "#f0 = :from AND workflowTaskToken = :token"
            values[":token"] = job.workflow_task_token
        if untouched:
            names["#touched"] = "lastUpdatedAt"
            values[":touched"] = timestamp_text(job.last_updated_at or job.created_at)
            condition += " AND #touched = :touched"
        company = counter_update(
            self.table_name,
            company_key(job.company_id),
            {job_counter(job.status): -1, job_counter(to_status): 1},
        )
        if job.status.is_open and not to_status.is_open:
            company_update = company["Update"]
            company_update["UpdateExpression"] += " REMOVE #open"
            company_update["ConditionExpression"] = "#open = :job"
            company_update["ExpressionAttributeNames"]["#open"] = OPEN_JOB
            company_update["ExpressionAttributeValues"][":job"] = str(job.id)
        transact(
            [
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": job_key(job.id),
                        "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                },
                company,
            ]
        )

    def item_counts_update(
        self,
        job_id: UUID,
        deltas: dict[ExportJobItemStatus, int],
        while_status: tuple[ExportJobStatus, ExportJobStatus],
        companies: Collection[UUID] | None = None,
        touched_at: datetime | None = None,
    ) -> dict[str, Any]:
        """A transaction action moving the job's item counters, valid only while the job is in `while_status`.

        For client updates the condition is the rule "no item updates after a job closes" (notes.md §2):
        a job that closes concurrently cancels the whole item transaction. `touched_at` (a client's
        update) becomes the job's `lastUpdatedAt`: its expiry counts from there.
        """
        moves = {item_counter(s): d for s, d in deltas.items() if d}
        action = counter_update(
            self.table_name, job_key(job_id), moves or {item_counter(ExportJobItemStatus.PENDING): 0}
        )
        update = action["Update"]
        if touched_at is not None:
            add_assignment(update, "#touched = :touched")
            update["ExpressionAttributeNames"]["#touched"] = "lastUpdatedAt"
            update["ExpressionAttributeValues"][":touched"] = timestamp_text(touched_at)
        update["ConditionExpression"] = "#status IN (:s0, :s1)"
        update["ExpressionAttributeNames"]["#status"] = "status"
        update["ExpressionAttributeValues"][":s0"] = while_status[0].value
        update["ExpressionAttributeValues"][":s1"] = while_status[1].value
        if companies is not None:
            # The job must be one of these companies': the write doubles as the ownership check (no job read).
            owners = sorted(str(c) for c in companies)
            update["ConditionExpression"] += f" AND #company IN ({', '.join(f':k{i}' for i in range(len(owners)))})"
            update["ExpressionAttributeNames"]["#company"] = "companyId"
            update["ExpressionAttributeValues"].update({f":k{i}": c for i, c in enumerate(owners)})
        return action

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
            items=[_from_record(r) for r in page.items],
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
            items=[_from_record(records[str(r["pk"])]) for r in page.items if str(r["pk"]) in records],
            positions=page.positions,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )

    def _batch_get(self, keys: Sequence[dict[str, str]]) -> dict[str, dict[str, Any]]:
        """Records by pk; `keys` are at most a page (100, BatchGetItem's limit)."""
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {self.table_name: {"Keys": list(keys), "ConsistentRead": True}} if keys else {}
        while request:
            response = aws.dynamodb().batch_get_item(RequestItems=request)
            for record in response["Responses"].get(self.table_name, []):
                found[str(record["pk"])] = record
            request = dict(response.get("UnprocessedKeys") or {})
        return found

    def count(self, company_id: UUID, statuses: Iterable[ExportJobStatus] | None) -> int:
        response = self._table.get_item(Key=company_key(company_id))
        record = response.get("Item", {})
        return sum(int(record.get(job_counter(s), 0)) for s in (set(statuses or []) or ExportJobStatus))

    # The job's lifecycle workflow: the waiting task's token, finalization -----------------------------

    def store_task_token(self, job_id: UUID, token: str, while_status: ExportJobStatus) -> bool:
        """Keep the token of the task waiting for the job to leave `while_status`, if it has not already.

        False when the job is no longer in `while_status`: the event came first, and the caller resumes
        the task itself. The condition is what makes the wait race-free (design.md, lifecycle workflow).
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
