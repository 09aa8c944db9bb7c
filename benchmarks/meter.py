"""Counts the AWS requests an operation makes, with botocore event hooks on the boto3 session.

- `before-call.<service>.<Operation>` counts every API call (a retry of the same call is not a new
  one), for every service: DynamoDB and Step Functions (`sfn`) alike;
- `provide-client-params.dynamodb.*` asks DynamoDB for `ReturnConsumedCapacity=TOTAL`, so the units
  moto reports are kept next to the ones computed here (see capacity.py for why both);
- for writes, the written items are looked up in moto's in-process backend before and after the call,
  so capacity follows the items' real sizes and the global secondary indexes they are in.

The hooks are on the default boto3 session; clients made before `Meter.install()` do not carry them,
so installing resets the application's cached clients.

Only calls made on behalf of the measured block count: a context variable marks it, which follows the
request into FastAPI's worker thread but not into threads of their own (moto running a state machine
in the background), unless `measure(every_thread=True)` asks for everything the process does.
"""

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import boto3
from export_api.repositories import aws

from benchmarks.capacity import Wire, index_write_units, item_size, read_units, write_units

WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")

_MEASURED: ContextVar[bool] = ContextVar("benchmark_measured", default=False)
_IGNORED: ContextVar[bool] = ContextVar("benchmark_ignored", default=False)

#: (table name, key in wire format) -> the item in wire format, or None.
ItemLookup = Callable[[str, Wire], Wire | None]
#: table name -> (key attribute names, {index name: index key attribute names}).
TableKeys = Callable[[str], tuple[tuple[str, ...], dict[str, tuple[str, ...]]]]


@dataclass
class Call:
    service: str
    operation: str
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0
    reported_units: float = 0.0
    items_read: int = 0


@dataclass
class Figures:
    """What one measured operation cost."""

    calls: list[Call] = field(default_factory=list)

    def requests(self, service: str = "dynamodb") -> int:
        return sum(1 for c in self.calls if c.service == service)

    @property
    def by_operation(self) -> dict[str, int]:
        return dict(Counter(f"{c.service}:{c.operation}" for c in self.calls))

    @property
    def read_units(self) -> float:
        return sum(c.read_units for c in self.calls)

    @property
    def write_units(self) -> float:
        """Base-table and index writes together: what the request is billed."""
        return sum(c.write_units + c.index_write_units for c in self.calls)

    @property
    def index_write_units(self) -> float:
        return sum(c.index_write_units for c in self.calls)

    @property
    def reported_units(self) -> float:
        return sum(c.reported_units for c in self.calls)

    @property
    def items_read(self) -> int:
        return sum(c.items_read for c in self.calls)

    @property
    def scans(self) -> int:
        return sum(1 for c in self.calls if c.operation == "Scan")

    def as_dict(self) -> dict[str, Any]:
        return {
            "dynamodb_requests": self.requests(),
            "other_requests": {k: v for k, v in self.by_operation.items() if not k.startswith("dynamodb:")},
            "requests_by_operation": self.by_operation,
            "read_units": round(self.read_units, 2),
            "write_units": round(self.write_units, 2),
            "index_write_units": round(self.index_write_units, 2),
            "items_read": self.items_read,
            "scans": self.scans,
            "moto_reported_units": round(self.reported_units, 2),
        }


def _body(params: dict[str, Any]) -> dict[str, Any]:
    raw = params.get("body") or b"{}"
    decoded: dict[str, Any] = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    return decoded


def written_keys(operation: str, body: dict[str, Any], keys_of: TableKeys) -> list[tuple[str, Wire, bool]]:
    """(table, key, transactional) of every item a write request touches."""

    def key(table: str, item: Wire) -> Wire:
        return {name: item[name] for name in keys_of(table)[0] if name in item}

    if operation == "PutItem":
        return [(body["TableName"], key(body["TableName"], body["Item"]), False)]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(body["TableName"], body["Key"], False)]
    if operation == "BatchWriteItem":
        found: list[tuple[str, Wire, bool]] = []
        for table, requests in body["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    found.append((table, key(table, request["PutRequest"]["Item"]), False))
                else:
                    found.append((table, request["DeleteRequest"]["Key"], False))
        return found
    found = []
    for action in body["TransactItems"]:
        ((kind, detail),) = action.items()
        target = detail["Item"] if kind == "Put" else detail["Key"]
        found.append((detail["TableName"], key(detail["TableName"], target), True))
    return found


def _response_reads(
    operation: str, request: dict[str, Any], response: dict[str, Any], lookup: ItemLookup | None = None
) -> tuple[float, int]:
    """Read units and items read by a read request, from the items in its response. DynamoDB bills a
    projected read by the whole item: a BatchGetItem asking for keys only is sized by the stored items."""
    if operation == "GetItem":
        return read_units(item_size(response.get("Item")), bool(request.get("ConsistentRead"))), int("Item" in response)
    if operation in ("Query", "Scan"):
        items = response.get("Items", [])
        consistent = bool(request.get("ConsistentRead")) and "IndexName" not in request
        return read_units(sum(item_size(i) for i in items), consistent), len(items)
    if operation == "BatchGetItem":
        units = 0.0
        count = 0
        for table, asked in request["RequestItems"].items():
            consistent = bool(asked.get("ConsistentRead"))
            returned = response.get("Responses", {}).get(table, [])
            count += len(returned)
            if "ProjectionExpression" in asked and lookup is not None:
                returned = [lookup(table, item) or item for item in returned]
            sizes = [item_size(i) for i in returned]
            # Keys not found still cost the minimum unit each.
            sizes += [0] * max(0, len(asked["Keys"]) - len(returned))
            units += sum(read_units(size, consistent) for size in sizes)
        return units, count
    if operation == "TransactGetItems":
        responses = response.get("Responses", [])
        return sum(2 * read_units(item_size(r.get("Item")), True) for r in responses), len(responses)
    return 0.0, 0


def _reported(parsed: dict[str, Any]) -> float:
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(float(e.get("CapacityUnits", 0)) for e in entries))


class Meter:
    """Collects `Call`s while installed; `measure()` returns the calls made inside a block."""

    def __init__(self, lookup: ItemLookup | None = None, keys_of: TableKeys | None = None) -> None:
        self.lookup = lookup
        self.keys_of = keys_of
        self.calls: list[Call] = []
        self._pending: dict[int, tuple[Call, dict[str, Any], list[tuple[str, Wire, bool, Wire | None]]]] = {}
        self._installed = False
        self._every_thread = 0
        self._lock = threading.Lock()

    # botocore handlers ---------------------------------------------------------------------------

    def _ask_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any], event_name: str, **_: Any) -> None:
        if _IGNORED.get() or not (_MEASURED.get() or self._every_thread):
            return
        service = event_name.split(".")[1]
        call = Call(service=service, operation=model.name)
        with self._lock:
            self.calls.append(call)
        if service != "dynamodb":
            return
        request = _body(params)
        written: list[tuple[str, Wire, bool, Wire | None]] = []
        if model.name in WRITE_OPERATIONS and self.lookup is not None and self.keys_of is not None:
            for table, key, transactional in written_keys(model.name, request, self.keys_of):
                written.append((table, key, transactional, self.lookup(table, key)))
        with self._lock:
            self._pending[id(context)] = (call, request, written)

    def _after(self, http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        with self._lock:
            pending = self._pending.pop(id(context), None)
        if pending is None:
            return
        call, request, written = pending
        call.reported_units = _reported(parsed)
        if http_response.status_code < 300:
            response = json.loads(http_response.content or b"{}")
            call.read_units, call.items_read = _response_reads(call.operation, request, response, self.lookup)
        if self.lookup is None or self.keys_of is None:
            return
        for table, key, transactional, before in written:
            after = self.lookup(table, key)
            call.write_units += write_units(before, after) * (2 if transactional else 1)
            for index_key in self.keys_of(table)[1].values():
                call.index_write_units += index_write_units(before, after, index_key)

    # installing ----------------------------------------------------------------------------------

    def _events(self) -> Any:
        return session_events()

    def install(self) -> None:
        events = self._events()
        events.register("provide-client-params.dynamodb", self._ask_capacity, unique_id="bench-capacity")
        events.register("before-call", self._before, unique_id="bench-before")
        events.register("after-call", self._after, unique_id="bench-after")
        self._installed = True
        aws.reset_clients()

    def uninstall(self) -> None:
        if not self._installed:
            return
        events = self._events()
        events.unregister("provide-client-params.dynamodb", unique_id="bench-capacity")
        events.unregister("before-call", unique_id="bench-before")
        events.unregister("after-call", unique_id="bench-after")
        self._installed = False
        aws.reset_clients()

    @contextmanager
    def ignored(self) -> Iterator[None]:
        """Calls in this block are the benchmark's own (polling), never counted."""
        token = _IGNORED.set(True)
        try:
            yield
        finally:
            _IGNORED.reset(token)

    @contextmanager
    def measure(self, every_thread: bool = False) -> Iterator[Figures]:
        figures = Figures()
        with self._lock:
            start = len(self.calls)
            self._every_thread += every_thread
        token = _MEASURED.set(True)
        try:
            yield figures
        finally:
            _MEASURED.reset(token)
            with self._lock:
                self._every_thread -= every_thread
                figures.calls.extend(self.calls[start:])


def session_events() -> Any:
    """The event system of boto3's default session, which every client of the process is made from: where
    the benchmarks' botocore hooks go (a client copies the session's handlers when it is made)."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    return boto3.DEFAULT_SESSION.events


def moto_lookups(region: str) -> tuple[ItemLookup, TableKeys]:
    """Item lookups and key schemas from moto's in-process DynamoDB backend."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]

    def keys_of(table_name: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
        table = backend.get_table(table_name)
        key = tuple(k for k in (table.hash_key_attr, table.range_key_attr) if k)
        indexes = {index.name: tuple(k["AttributeName"] for k in index.schema) for index in table.global_indexes}
        return key, indexes

    def lookup(table_name: str, key: Wire) -> Wire | None:
        table = backend.get_table(table_name)
        hash_value = key.get(table.hash_key_attr)
        range_value = key.get(table.range_key_attr) if table.range_key_attr else None
        if hash_value is None or (table.range_key_attr and range_value is None):
            return None
        item = table.get_item(DynamoType(hash_value), DynamoType(range_value) if range_value else None)
        if item is None:
            return None
        attributes: Wire = item.to_json()["Attributes"]
        return attributes

    return lookup, keys_of
