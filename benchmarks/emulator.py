"""moto, in-process, for the benchmarks: two speed-ups of the emulator that do not change what it answers,
and one answer of DynamoDB's that moto does not give.

- moto backs up a whole table before a TransactWriteItems, once per *action*: a 100-action transaction on
  a table of 200,000 items deep-copies it 100 times. The backup is taken before anything is written, so
  one copy per table is the same backup; `single_table_backup()` makes moto take that one.
- moto's Query starts from every item of the table, sorted (200,000 items sorted per request), then keeps
  the partition's and sorts those. `partition_queries()` hands a base-table Query only its partition, and
  an index Query the items unsorted (it sorts its matches by the index keys itself).

Requests, answers and capacity are unchanged; only the emulator's wall time is.

- DynamoDB applies a TransactWriteItems once per client request token: a repeat within ten minutes answers
  as the first did, and writes nothing. botocore gives every call a token and sends it again when it
  retries, as it does when an answer comes later than the client's read timeout (5 s,
  export_api/repositories/aws.py) although the first request was applied. moto ignores the token and
  applies the repeat, whose conditions then fail on what the first wrote: a job event answered 422 where
  DynamoDB answers 202. `idempotent_transactions()` gives DynamoDB's answer (one transaction at a time,
  as moto's tables are not safe to change from two threads).
"""

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any


@contextmanager
def single_table_backup() -> Iterator[None]:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        copies: dict[int, Any] = {}

        def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
            if isinstance(value, Table):
                if id(value) not in copies:
                    copies[id(value)] = copy.deepcopy(value)
                return copies[id(value)]
            return copy.deepcopy(value, memo)

        setattr(models, "copy", SimpleNamespace(deepcopy=deepcopy))  # noqa: B010
        try:
            original(self, transact_items)
        finally:
            setattr(models, "copy", copy)  # noqa: B010

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]


@contextmanager
def partition_queries() -> Iterator[None]:
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is None and hash_key is not None:
            partition = self.items.get(hash_key, {})
            candidates = list(partition.values()) if self.range_key_attr else [partition]
        else:
            candidates = [
                item for group in self.items.values() for item in (group.values() if self.range_key_attr else [group])
            ]
        self.all_items = lambda: candidates
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


#: How long DynamoDB holds a client request token.
TOKEN_SECONDS = 600.0


@contextmanager
def idempotent_transactions() -> Iterator[None]:
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items
    lock = threading.Lock()
    # Token -> (when it was applied, the answer), oldest first.
    applied: dict[str, tuple[float, Any]] = {}

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        with lock:
            now = time.monotonic()
            while applied and next(iter(applied.values()))[0] < now - TOKEN_SECONDS:
                del applied[next(iter(applied))]
            if token in applied:
                return applied[token][1]
            answer = original(self)
            if token is not None:
                applied[token] = (now, answer)
            return answer

    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.transact_write_items = original  # type: ignore[method-assign]


@contextmanager
def faster_moto() -> Iterator[None]:
    with single_table_backup(), partition_queries():
        yield
