"""DynamoDB transactions: all-or-nothing writes whose conditions encode the domain rules."""

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from export_api.repositories import aws

# TransactWriteItems takes at most 100 actions.
MAX_TRANSACTION_ACTIONS = 100


class TransactionConflict(Exception):
    """A condition in the transaction did not hold; `failed` holds the indexes of those actions."""

    def __init__(self, failed: list[int]) -> None:
        super().__init__(f"condition failed on actions {failed}")
        self.failed = failed


def transact(actions: Sequence[dict[str, Any]]) -> None:
    try:
        aws.dynamodb().transact_write_items(TransactItems=list(actions))
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons", [])
        failed = [i for i, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"]
        if not failed:
            # Cancelled for another reason (TransactionConflict with a concurrent writer, throttling):
            # report it as a conflict on every action so the caller re-reads and retries.
            failed = list(range(len(actions)))
        raise TransactionConflict(failed) from error


def counter_update(table_name: str, key: dict[str, str], deltas: dict[str, int]) -> dict[str, Any]:
    """An `ADD` of several counters, as one transaction action."""
    names = {f"#c{i}": name for i, name in enumerate(deltas)}
    values = {f":d{i}": delta for i, delta in enumerate(deltas.values())}
    expression = "ADD " + ", ".join(f"#c{i} :d{i}" for i in range(len(deltas)))
    return {
        "Update": {
            "TableName": table_name,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def add_assignment(update: dict[str, Any], assignment: str) -> None:
    """Add `name = value` to an Update action's SET clause (an expression has at most one of each clause)."""
    expression = str(update["UpdateExpression"])
    at = expression.find(" SET ")
    later = [expression.find(c, at + 1) for c in (" ADD ", " REMOVE ", " DELETE ")] if at >= 0 else []
    if at >= 0 and all(i < 0 for i in later):
        update["UpdateExpression"] = f"{expression}, {assignment}"
    else:
        update["UpdateExpression"] = f"{expression} SET {assignment}"
