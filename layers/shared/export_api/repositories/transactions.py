"""DynamoDB transactions built from typed parts: all-or-nothing writes whose conditions encode the domain rules.

Each repository contributes parts about its own records (keys, conditions, puts and updates, counter
deltas); a service assembles them into one `Batch`, and this module alone turns parts into
TransactWriteItems. A batch larger than one transaction is made all-or-nothing by a redo journal kept
on the record its counters move on (`Transactions.write`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import uuid4

from botocore.exceptions import ClientError

from export_api.repositories import aws

# TransactWriteItems takes at most 100 actions.
MAX_TRANSACTION_ACTIONS = 100
# Writes per transaction of a batch: its last action moves the counters.
BATCH_CHUNK = MAX_TRANSACTION_ACTIONS - 1


class TransactionConflict(Exception):
    """A condition in the transaction did not hold; `failed` holds the indexes of those actions."""

    def __init__(self, failed: list[int]) -> None:
        super().__init__(f"condition failed on actions {failed}")
        self.failed = failed


# Conditions on one attribute (a dotted path names an attribute of a map) --------------------------------


@dataclass(frozen=True)
class Equals:
    value: Any


@dataclass(frozen=True)
class OneOf:
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Exists:
    pass


@dataclass(frozen=True)
class Absent:
    pass


Condition = Equals | OneOf | Exists | Absent


# Actions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    """Write a whole record, if every condition holds."""

    table: str
    item: Mapping[str, Any]
    conditions: Mapping[str, Condition] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    """Assign (`set`), add to counters (`add`) and remove attributes of one record, if every condition holds."""

    table: str
    key: Mapping[str, str]
    set: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, int] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    conditions: Mapping[str, Condition] = field(default_factory=dict)


Action = Put | Update


@dataclass(frozen=True)
class Counters:
    """The record whose counters move with a batch's writes: its update (the batch's conditions on it, and
    what else it assigns), the deltas each write moves, and the attribute that holds a batch's rest."""

    anchor: Update
    deltas: Sequence[Mapping[str, int]]
    journal: str


@dataclass(frozen=True)
class Batch:
    """Writes and the counters they move, applied all or nothing (`writes[i]` moves `counters.deltas[i]`)."""

    counters: Counters
    writes: Sequence[Action]


@dataclass(frozen=True)
class Pending:
    """A batch's rest recorded on its counters' record, as read from it."""

    table: str
    key: Mapping[str, str]
    attribute: str
    journal: Mapping[str, Any]


def sum_deltas(deltas: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """The deltas added up, without those that cancel out."""
    total: dict[str, int] = {}
    for part in deltas:
        for name, delta in part.items():
            total[name] = total.get(name, 0) + int(delta)
    return {name: delta for name, delta in total.items() if delta}


# From parts to TransactWriteItems -----------------------------------------------------------------


class _Expression:
    """Placeholders for the names and values of one action's expressions (names are never reserved words)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, path: str) -> str:
        placeholders = []
        for part in path.split("."):
            placeholder = next((p for p, n in self.names.items() if n == part), f"#n{len(self.names)}")
            self.names[placeholder] = part
            placeholders.append(placeholder)
        return ".".join(placeholders)

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def condition(self, conditions: Mapping[str, Condition]) -> str:
        clauses = []
        for path, condition in conditions.items():
            name = self.name(path)
            if isinstance(condition, Equals):
                clauses.append(f"{name} = {self.value(condition.value)}")
            elif isinstance(condition, OneOf):
                if not condition.values:
                    raise ValueError(f"OneOf on {path} lists no value")
                clauses.append(f"{name} IN ({', '.join(self.value(v) for v in condition.values)})")
            elif isinstance(condition, Exists):
                clauses.append(f"attribute_exists({name})")
            else:
                clauses.append(f"attribute_not_exists({name})")
        return " AND ".join(clauses)

    def finish(self, action: dict[str, Any], conditions: Mapping[str, Condition]) -> dict[str, Any]:
        if conditions:
            action["ConditionExpression"] = self.condition(conditions)
        # DynamoDB refuses an empty map of names or values.
        if self.names:
            action["ExpressionAttributeNames"] = self.names
        if self.values:
            action["ExpressionAttributeValues"] = self.values
        return action


def transact_item(action: Action) -> dict[str, Any]:
    """One action in TransactWriteItems' form."""
    expression = _Expression()
    if isinstance(action, Put):
        return {"Put": expression.finish({"TableName": action.table, "Item": dict(action.item)}, action.conditions)}
    clauses = []
    if action.set:
        clauses.append(
            "SET " + ", ".join(f"{expression.name(n)} = {expression.value(v)}" for n, v in action.set.items())
        )
    if action.add:
        clauses.append("ADD " + ", ".join(f"{expression.name(n)} {expression.value(d)}" for n, d in action.add.items()))
    if action.remove:
        clauses.append("REMOVE " + ", ".join(expression.name(n) for n in action.remove))
    if not clauses:
        raise ValueError(f"An update of {action.key} in {action.table} changes nothing")
    update = {"TableName": action.table, "Key": dict(action.key), "UpdateExpression": " ".join(clauses)}
    return {"Update": expression.finish(update, action.conditions)}


def _with_deltas(anchor: Update, deltas: Sequence[Mapping[str, int]]) -> Update:
    # When nothing moves, the anchor's own (zero) addition keeps its update an update.
    return replace(anchor, add=sum_deltas([anchor.add, *deltas]) or dict(anchor.add))


class Transactions:
    """Sends transactions; the only writer of TransactWriteItems."""

    def send(self, items: list[dict[str, Any]]) -> None:
        """One TransactWriteItems; TransactionConflict when DynamoDB cancels it."""
        try:
            aws.transact_write(items)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            failed = [i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
            if not failed:
                # Cancelled for another reason (a concurrent transaction on the same record, throttling):
                # a conflict on every action, so that the caller re-reads and retries.
                failed = list(range(len(items)))
            raise TransactionConflict(failed) from error

    def transact(self, actions: Sequence[Action]) -> None:
        self.send([transact_item(a) for a in actions])

    def write(self, batch: Batch) -> None:
        """Apply a batch all or nothing; nothing is written for a batch without writes.

        Up to BATCH_CHUNK writes take one transaction with the counters' update. A larger batch is
        committed by its first transaction, which applies the first BATCH_CHUNK writes and records the rest
        on the counters' record (a redo journal); the rest is then applied by this call or, if it died,
        by whoever finishes the pending batch next (`finish`). The first transaction is refused while
        another batch's rest is pending, so no writer acts on half a batch, and counters always move with
        the writes they count.
        """
        counters = batch.counters
        if len(counters.deltas) != len(batch.writes):
            raise ValueError(f"{len(batch.writes)} writes with {len(counters.deltas)} counter deltas")
        if not batch.writes:
            return
        rest = [
            {"action": transact_item(w), "counters": dict(d)}
            for w, d in zip(batch.writes[BATCH_CHUNK:], counters.deltas[BATCH_CHUNK:], strict=True)
        ]
        journal = {"journalId": uuid4().hex, "writes": rest} if rest else None
        anchor = _with_deltas(counters.anchor, counters.deltas[:BATCH_CHUNK])
        anchor = replace(
            anchor,
            conditions={**anchor.conditions, counters.journal: Absent()},
            set={**anchor.set, counters.journal: journal} if journal else anchor.set,
        )
        self.transact([*batch.writes[:BATCH_CHUNK], anchor])
        if journal is not None:
            anchor = counters.anchor
            self.finish(Pending(anchor.table, anchor.key, counters.journal, journal))

    def finish(self, pending: Pending) -> None:
        """Apply a batch's rest, a transaction per BATCH_CHUNK writes, each advancing the journal it is
        conditioned on: of two finishers of one journal, each part is applied once."""
        journal: Mapping[str, Any] | None = pending.journal
        while journal:
            writes = list(journal["writes"])
            first, rest = writes[:BATCH_CHUNK], writes[BATCH_CHUNK:]
            following = {"journalId": uuid4().hex, "writes": rest} if rest else None
            anchor = Update(
                pending.table,
                pending.key,
                set={pending.attribute: following} if following else {},
                add=sum_deltas([w["counters"] for w in first]),
                remove=() if following else (pending.attribute,),
                conditions={f"{pending.attribute}.journalId": Equals(journal["journalId"])},
            )
            try:
                self.send([*(dict(w["action"]) for w in first), transact_item(anchor)])
            except TransactionConflict:
                # Someone else applied this part first (the journal moved on), or a write's condition does
                # not hold, which no writer can cause while the journal is pending.
                stored = self.stored(pending)
                if stored and stored.get("journalId") == journal["journalId"]:
                    raise
                return
            journal = following

    def stored(self, pending: Pending) -> dict[str, Any] | None:
        """The journal as stored now (a consistent read), None when no batch is pending."""
        record = aws.table(pending.table).get_item(
            Key=dict(pending.key),
            ConsistentRead=True,
            ProjectionExpression="#j",
            ExpressionAttributeNames={"#j": pending.attribute},
        )
        journal = record.get("Item", {}).get(pending.attribute)
        return dict(journal) if journal else None


def transact(actions: Sequence[Action]) -> None:
    """One transaction of these actions (for records whose writes need no batch)."""
    Transactions().transact(actions)
