"""moto, in-process, for the benchmarks; one speed-up of the emulator that does not change what it answers.

moto backs up a whole table before a TransactWriteItems, once per *action*: a 100-action transaction on a
table of 200,000 items deep-copies it 100 times. The backup is taken before anything is written, so one
copy per table is the same backup; `single_table_backup()` makes moto take that one. Requests, answers
and capacity are unchanged; only the emulator's wall time is.
"""

import copy
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
