"""Typed parts into TransactWriteItems (repositories/transactions.py): conditions, counter deltas, and a
batch larger than one transaction chunked with a redo journal of its rest."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from export_api.models.enums import ExportJobItemStatus, ExportJobStatus
from export_api.models.jobs import ExportJobItem
from export_api.repositories.items import ItemsRepository
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.transactions import (
    Absent,
    Batch,
    Counters,
    Equals,
    Exists,
    OneOf,
    Pending,
    Put,
    TransactionConflict,
    Transactions,
    Update,
    transact_item,
)

from tests.support.fakes import holds

JOB = "6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
COMPANY = UUID("5c8a2f3e-1d4b-4e6f-9a7b-8c9d0e1f2a3b")
ANCHOR = Update("jobs", {"pk": "JOB#1"}, set={"lastUpdatedAt": "now"}, conditions={"status": OneOf(("pending",))})


class Recorded(Transactions):
    """Transactions that records what it would send; `refuse` makes the n-th send (1-based) fail a condition."""

    def __init__(self, refuse: int = 0, stored: dict[str, Any] | None = None) -> None:
        self.sent: list[list[dict[str, Any]]] = []
        self.refuse = refuse
        self.journal = stored

    def send(self, items: list[dict[str, Any]]) -> None:
        self.sent.append(items)
        if len(self.sent) == self.refuse:
            raise TransactionConflict([len(items) - 1])

    def stored(self, pending: Pending) -> dict[str, Any] | None:  # noqa: ARG002
        return self.journal


def _put(n: int) -> Put:
    return Put("items", {"pk": "ITEMS#1", "sk": str(n)}, {"status": Equals("pending")})


def _batch(size: int) -> Batch:
    deltas = [{"itemCount_pending": -1, "itemCount_successful": 1}] * size
    return Batch(Counters(ANCHOR, deltas, "pendingItemChanges"), [_put(n) for n in range(size)])


def test_each_condition_becomes_its_expression_with_placeholders() -> None:
    action = Put(
        "items",
        {"pk": "A", "status": "failed"},
        {
            "status": Equals("pending"),
            "companyId": OneOf(("c1", "c2")),
            "pk": Exists(),
            "journal.journalId": Absent(),
        },
    )
    put = transact_item(action)["Put"]
    assert put["TableName"] == "items"
    assert put["Item"] == {"pk": "A", "status": "failed"}
    assert put["ConditionExpression"] == (
        "#n0 = :v0 AND #n1 IN (:v1, :v2) AND attribute_exists(#n2) AND attribute_not_exists(#n3.#n4)"
    )
    assert put["ExpressionAttributeNames"] == {
        "#n0": "status",
        "#n1": "companyId",
        "#n2": "pk",
        "#n3": "journal",
        "#n4": "journalId",
    }
    assert put["ExpressionAttributeValues"] == {":v0": "pending", ":v1": "c1", ":v2": "c2"}


def test_an_update_sets_adds_and_removes_and_a_plain_put_has_no_expression() -> None:
    update = transact_item(
        Update(
            "jobs",
            {"pk": "JOB#1"},
            set={"status": "failed"},
            add={"itemCount_pending": -2},
            remove=("openJobId",),
            conditions={"status": Equals("pending")},
        )
    )["Update"]
    assert update["Key"] == {"pk": "JOB#1"}
    assert update["UpdateExpression"] == "SET #n0 = :v0 ADD #n1 :v1 REMOVE #n2"
    # A name used twice has one placeholder.
    assert update["ConditionExpression"] == "#n0 = :v2"
    assert update["ExpressionAttributeValues"] == {":v0": "failed", ":v1": -2, ":v2": "pending"}
    assert transact_item(Put("items", {"pk": "A"})) == {"Put": {"TableName": "items", "Item": {"pk": "A"}}}
    with pytest.raises(ValueError, match="changes nothing"):
        transact_item(Update("jobs", {"pk": "JOB#1"}))
    with pytest.raises(ValueError, match="no value"):
        transact_item(Put("items", {"pk": "A"}, {"companyId": OneOf(())}))


def test_a_batch_of_one_transaction_adds_up_its_counter_deltas_on_the_anchor() -> None:
    transactions = Recorded()
    deltas = [
        {"itemCount_pending": -1, "itemCount_successful": 1},
        {"itemCount_pending": -1, "itemCount_failed": 1},
        {"itemCount_successful": -1, "itemCount_failed": 1},
    ]
    transactions.write(Batch(Counters(ANCHOR, deltas, "pendingItemChanges"), [_put(n) for n in range(3)]))
    (items,) = transactions.sent
    assert [transact_item(_put(n)) for n in range(3)] == items[:3]
    anchor = items[3]["Update"]
    names, values = anchor["ExpressionAttributeNames"], anchor["ExpressionAttributeValues"]
    # The successful item that failed cancels out: no delta is sent for it.
    added = {
        names[n]: values[v] for n, v in (c.split() for c in anchor["UpdateExpression"].split(" ADD ")[1].split(", "))
    }
    assert added == {"itemCount_pending": -2, "itemCount_failed": 2}
    # The batch is refused while another batch's rest is pending on the anchor.
    assert "attribute_not_exists(" in anchor["ConditionExpression"]
    assert "pendingItemChanges" in names.values()


def test_a_batch_without_writes_sends_nothing() -> None:
    transactions = Recorded()
    transactions.write(_batch(0))
    assert transactions.sent == []
    with pytest.raises(ValueError, match="2 writes with 1 counter deltas"):
        transactions.write(Batch(Counters(ANCHOR, [{}], "pendingItemChanges"), [_put(1), _put(2)]))


def test_a_batch_larger_than_a_transaction_is_committed_by_its_first_and_journals_the_rest() -> None:
    transactions = Recorded()
    transactions.write(_batch(150))
    first, second = transactions.sent
    assert len(first) == 100
    assert len(second) == 52
    journal = first[-1]["Update"]["ExpressionAttributeValues"][":v1"]
    assert first[-1]["Update"]["UpdateExpression"].startswith("SET #n0 = :v0, #n1 = :v1 ADD ")
    assert len(journal["writes"]) == 51
    assert journal["writes"][0] == {
        "action": transact_item(_put(99)),
        "counters": {"itemCount_pending": -1, "itemCount_successful": 1},
    }
    # The rest: its writes as journaled, and the anchor moving their counters and dropping the journal,
    # only while the journal is the one it was read as.
    assert second[:51] == [w["action"] for w in journal["writes"]]
    anchor = second[-1]["Update"]
    assert anchor["UpdateExpression"] == "ADD #n0 :v0, #n1 :v1 REMOVE #n2"
    assert anchor["ExpressionAttributeValues"] == {":v0": -51, ":v1": 51, ":v2": journal["journalId"]}
    assert anchor["ConditionExpression"] == "#n2.#n3 = :v2"


def test_a_refused_first_transaction_writes_nothing_more() -> None:
    transactions = Recorded(refuse=1)
    with pytest.raises(TransactionConflict):
        transactions.write(_batch(150))
    assert len(transactions.sent) == 1


def test_a_journal_another_finisher_applied_first_is_left_alone() -> None:
    journal = {"journalId": "j1", "writes": [{"action": transact_item(_put(1)), "counters": {"x": 1}}]}
    pending = Pending("jobs", {"pk": "JOB#1"}, "pendingItemChanges", journal)
    moved_on = Recorded(refuse=1, stored=None)
    moved_on.finish(pending)
    assert len(moved_on.sent) == 1
    # Still the same journal: a write's condition failed, which nothing explains; the finisher says so.
    stuck = Recorded(refuse=1, stored=dict(journal))
    with pytest.raises(TransactionConflict):
        stuck.finish(pending)


def test_the_repositories_contribute_their_keys_conditions_and_counter_deltas() -> None:
    jobs = JobsRepository("jobs")
    items = ItemsRepository("items", jobs)
    old = ExportJobItem(
        accounting_entry_id=UUID(JOB),
        export_job_id=UUID(JOB),
        status=ExportJobItemStatus.IN_PROGRESS,
        company_id=COMPANY,
        job_created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    new = old.model_copy(update={"status": ExportJobItemStatus.SUCCESSFUL})
    counters = jobs.item_counters(
        UUID(JOB),
        [(old.status, new.status), (old.status, old.status)],
        (ExportJobStatus.IN_PROGRESS, ExportJobStatus.PENDING),
        companies=[COMPANY],
        touched_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert counters.deltas == [{"itemCount_in_progress": -1, "itemCount_successful": 1}, {}]
    assert counters.anchor.key == {"pk": f"JOB#{JOB}"}
    assert counters.anchor.conditions == {
        "status": OneOf(("in_progress", "pending")),
        "companyId": OneOf((str(COMPANY),)),
    }
    assert counters.anchor.set == {"lastUpdatedAt": "2026-01-02T00:00:00+00:00"}
    (put,) = items.replacements([(old, new)])
    assert put.conditions == {"status": Equals("in_progress")}
    assert put.item["status"] == "successful"
    assert put.item["jobStatus"] == f"{JOB}#successful"
    (abandon,) = items.abandonments([old])
    assert abandon.key == {"pk": f"ITEMS#{JOB}", "sk": JOB}
    assert abandon.set == {"status": "abandoned", "jobStatus": f"{JOB}#abandoned"}
    assert abandon.conditions == {"status": Equals("in_progress")}
    # The fakes decide the conditions as DynamoDB does.
    assert holds(put.item, Equals("successful"), "status")
    assert not holds(None, Equals("successful"), "status")
    assert holds(None, Absent(), "pendingItemChanges")
    assert not holds({"pendingItemChanges": {"journalId": "j"}}, Absent(), "pendingItemChanges")
    assert holds({"pendingItemChanges": {"journalId": "j"}}, Equals("j"), "pendingItemChanges.journalId")
