"""moto's DynamoDB, made fit for a long-running local server.

Two costs of moto grow with every TransactWriteItems, which this service uses for most writes:
- To roll a failed transaction back, moto deep-copies every table the transaction touches, so each
  transaction costs O(table size): with a few hundred accounting entries, seconds per job.
- moto records every model instance it makes (for its dashboard only), so it keeps every one of
  those copies: memory and garbage-collection time grow with transactions x table size.

`install()` keeps moto's transaction logic and its rollback, but makes the backup cheap: the table
and its item containers are copied, and only the items the transaction names (its keys) are
deep-copied, as only those can change. It also stops the instance records of items and tables.
`uninstall()` restores moto. The emulator installs it; the tests check rollback both ways.
"""

import copy
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_transaction = threading.local()
_originals: dict[str, Any] = {}

Key = tuple[DynamoType, DynamoType | None]


class _Untracked(list[Any]):
    """An `instances_tracked` list that keeps nothing."""

    def append(self, _: Any) -> None:
        return None


def _keys_by_table(backend: DynamoDBBackend, transact_items: Sequence[Mapping[str, Any]]) -> dict[str, list[Key]]:
    """The items each table may change in the transaction (Put: its Item's key; others: Key)."""
    keys: dict[str, list[Key]] = {}
    for entry in transact_items:
        for operation in entry.values():
            table = backend.tables.get(str(operation.get("TableName")))
            attributes = operation.get("Key") or operation.get("Item") or {}
            if table is None or table.hash_key_attr not in attributes:
                continue
            range_value = attributes.get(table.range_key_attr) if table.range_key_attr else None
            key = (DynamoType(attributes[table.hash_key_attr]), DynamoType(range_value) if range_value else None)
            keys.setdefault(table.name, []).append(key)
    return keys


def _backup(table: Table, keys: Sequence[Key]) -> Table:
    """A copy of `table` to roll back to: untouched partitions shared, the named ones copied, and the
    named items in them deep-copied (only those can change), so a backup costs O(keys), not O(table)."""
    clone = copy.copy(table)
    items: Any = copy.copy(table.items)
    copied: set[DynamoType] = set()
    for hash_value, range_value in keys:
        current = items.get(hash_value)
        if range_value is None:
            if isinstance(current, Item):
                items[hash_value] = copy.deepcopy(current)
            continue
        if not isinstance(current, dict):
            continue
        if hash_value not in copied:
            current = items[hash_value] = dict(current)
            copied.add(hash_value)
        if range_value in current:
            current[range_value] = copy.deepcopy(current[range_value])
    clone.items = items
    return clone


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    keys: dict[str, list[Key]] | None = getattr(_transaction, "keys", None)
    if keys is not None:
        # moto takes the backup once per transact item, before any of them is written: one is enough.
        backups: dict[str, Table] = _transaction.backups
        if self.name not in backups:
            backups[self.name] = _backup(self, keys.get(self.name, []))
        return backups[self.name]
    # Any other deep copy (a backup, say) is the whole table, as before.
    clone: Table = object.__new__(type(self))
    memo[id(self)] = clone
    clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return clone


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    _transaction.keys = _keys_by_table(self, transact_items)
    _transaction.backups = {}
    try:
        _originals["transact_write_items"](self, transact_items)
    finally:
        _transaction.keys = None
        _transaction.backups = {}


def install() -> None:
    """Idempotent."""
    if _originals:
        return
    _originals["transact_write_items"] = DynamoDBBackend.transact_write_items
    _originals["tracked"] = {model: getattr(model, "instances_tracked", None) for model in (Item, Table)}
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    for model in (Item, Table):
        setattr(model, "instances_tracked", _Untracked())  # noqa: B010 (moto declares it on its metaclass only)


def uninstall() -> None:
    if not _originals:
        return
    DynamoDBBackend.transact_write_items = _originals["transact_write_items"]  # type: ignore[method-assign]
    del Table.__deepcopy__  # type: ignore[attr-defined]
    for model, tracked in _originals["tracked"].items():
        setattr(model, "instances_tracked", tracked)  # noqa: B010
    _originals.clear()
