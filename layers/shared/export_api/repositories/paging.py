"""Pages over sort-key ranges: what a page request asks for once its cursors are decoded into sort-key
positions, the page that answers it, and the DynamoDB Query loop that reads one.

A page is read by key condition only, no Scan and no filter: a Query with `range > position` (or `<`),
reading `limit + 1` items to know whether another page follows. Several partitions (a job list filtered
by several statuses) are read side by side and merged, each read bounded by the page size. A short list
already in memory is paged the same way (`page_of`), with the same cursors, offset and order.

The HTTP layer turns a request's parameters and cursors into a `PageRequest` and a `Page` into the
contract's answer (export_api/http/pagination.py).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from export_api.repositories.aws import Table

T = TypeVar("T")
Record = dict[str, Any]


@dataclass(frozen=True)
class PageRequest:
    """A validated page request: at most one of after/before/offset, positions already decoded."""

    limit: int
    ascending: bool
    offset: int = 0
    after: str | None = None
    before: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the sort-key position of each, in presentation order."""

    items: list[T]
    positions: list[str]
    has_next_page: bool
    has_previous_page: bool


def _page(read: list[T], position: Callable[[T], str], request: PageRequest) -> Page[T]:
    """The page in `read`: the items past the request's position, in the order they were read (backwards
    from `before`), at most `offset + limit + 1` of them."""
    window = read[request.offset : request.offset + request.limit]
    more = len(read) > request.offset + request.limit
    if request.before is not None:
        window.reverse()
        return Page(window, [position(i) for i in window], has_next_page=True, has_previous_page=more)
    return Page(
        window,
        [position(i) for i in window],
        has_next_page=more,
        has_previous_page=request.after is not None or request.offset > 0,
    )


def page_of(items: Sequence[T], position: Callable[[T], str], request: PageRequest) -> Page[T]:
    """A page of a short list already in memory (its producer bounds it), paged exactly as a key range is."""
    backwards = request.before is not None
    forward = request.ascending != backwards
    bound = request.before if backwards else request.after
    ordered = sorted(items, key=position, reverse=not forward)
    if bound is not None:
        ordered = [item for item in ordered if (position(item) > bound if forward else position(item) < bound)]
    return _page(ordered, position, request)


def _read_partition(
    table: Table,
    index: str | None,
    hash_attr: str,
    hash_value: str,
    range_attr: str,
    position: str | None,
    scan_forward: bool,
    wanted: int,
) -> list[Record]:
    # Names by placeholder: an attribute may be a reserved word (`status`).
    condition = "#h = :h"
    names = {"#h": hash_attr}
    values = {":h": hash_value}
    if position is not None:
        condition += " AND #r > :r" if scan_forward else " AND #r < :r"
        names["#r"] = range_attr
        values[":r"] = position
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": scan_forward,
    }
    if index:
        kwargs["IndexName"] = index
    records: list[Record] = []
    # DynamoDB stops at 1 MB per call, so a page of large items may take more than one round trip.
    while len(records) < wanted:
        response = table.query(Limit=wanted - len(records), **kwargs)
        records.extend(response["Items"])
        if "LastEvaluatedKey" not in response:
            break
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return records


def query_page(
    table: Table,
    *,
    hash_attr: str,
    hash_values: Sequence[str],
    range_attr: str,
    request: PageRequest,
    index: str | None = None,
) -> Page[Record]:
    backwards = request.before is not None
    scan_forward = request.ascending != backwards
    position = request.before if backwards else request.after
    wanted = request.offset + request.limit + 1
    records: list[Record] = []
    for hash_value in hash_values:
        records.extend(_read_partition(table, index, hash_attr, hash_value, range_attr, position, scan_forward, wanted))
    if len(hash_values) > 1:
        records.sort(key=lambda record: str(record[range_attr]), reverse=not scan_forward)
    return _page(records, lambda record: str(record[range_attr]), request)
