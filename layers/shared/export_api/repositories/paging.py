"""One page from one or more DynamoDB partitions, by key condition only: no Scan, no filter.

Cursors are sort-key positions, so a page is a Query with `range > position` (or `<`), reading
`limit + 1` items to know whether another page follows. Several partitions (a job list filtered by
several statuses) are read side by side and merged, each read bounded by the page size.
"""

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import ConditionBase, Key

from export_api.pagination import Page, PageRequest
from export_api.repositories.aws import Table

Record = dict[str, Any]


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
    condition: ConditionBase = Key(hash_attr).eq(hash_value)
    if position is not None:
        bound = Key(range_attr).gt(position) if scan_forward else Key(range_attr).lt(position)
        condition = condition & bound
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": scan_forward}
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
    window = records[request.offset : request.offset + request.limit]
    more = len(records) > request.offset + request.limit
    if backwards:
        window.reverse()
        return Page(
            items=window,
            positions=[str(r[range_attr]) for r in window],
            has_next_page=True,
            has_previous_page=more,
        )
    return Page(
        items=window,
        positions=[str(r[range_attr]) for r in window],
        has_next_page=more,
        has_previous_page=request.after is not None or request.offset > 0,
    )
