"""DynamoDB's capacity rules applied to the items a request read or wrote.

moto reports a fixed ConsumedCapacity per call (a Query of 10,000 items "costs" what a Query of one
does), so the units here are computed from item sizes the way DynamoDB bills them:
- reads: GetItem and BatchGetItem round each item up to 4 KB; Query rounds the sum of the items it
  read up to 4 KB; eventually consistent reads (and every GSI read) cost half; transactions double.
- writes: each item written rounds up to 1 KB (the larger of its old and new image), doubled in a
  transaction; a global secondary index whose key the item carries costs one more write (two when the
  index key changes: the old entry is deleted, the new one put).
Item sizes follow DynamoDB's sizing rules on the wire format (attribute names count).
"""

import base64
import math
from collections.abc import Mapping
from typing import Any

Wire = Mapping[str, Any]

READ_UNIT = 4096
WRITE_UNIT = 1024


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0")
    return (max(len(digits), 1) + 1) // 2 + 1


def value_size(value: Wire) -> int:
    """Bytes of one attribute value in DynamoDB's wire format ({"S": ...}, {"N": ...}, ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(base64.b64decode(inner)) if isinstance(inner, str) else len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in inner)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) if isinstance(b, str) else len(b) for b in inner)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(element) + 1 for name, element in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Wire | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(total_bytes: int, consistent: bool) -> float:
    """Units for reading `total_bytes` as one unit of billing (one item, or one Query's items)."""
    units = max(1, math.ceil(total_bytes / READ_UNIT))
    return units if consistent else units / 2


def write_units(before: Wire | None, after: Wire | None) -> int:
    return max(1, math.ceil(max(item_size(before), item_size(after)) / WRITE_UNIT))


def index_write_units(before: Wire | None, after: Wire | None, index_key: tuple[str, ...]) -> int:
    """Writes a base-table change causes in one global secondary index (projection ALL)."""
    if before == after:
        return 0

    def entry(item: Wire | None) -> tuple[Any, ...] | None:
        if not item or any(name not in item for name in index_key):
            return None
        return tuple(str(item[name]) for name in index_key)

    old, new = entry(before), entry(after)
    units = 0
    if old is not None and new is not None and old == new:
        return write_units(before, after)
    if old is not None:
        units += max(1, math.ceil(item_size(before) / WRITE_UNIT))
    if new is not None:
        units += max(1, math.ceil(item_size(after) / WRITE_UNIT))
    return units
