"""A list request's pagination (notes.md §5): its parameters validated into a `PageRequest`, its cursors
decoded, and the page answered as `CursorPaginatedResponse<X>` with the contract's `PageInfo`.

A cursor is `BASE32(payload)~BASE32(signature)`: the contract's alphabet `^[A-Z2-7=~]+$`. The payload holds
the sort-key position of an item and a fingerprint of the query it came from, so a cursor is opaque,
cannot be forged (HMAC) and is refused when replayed against a different query.

Only functions with list routes import this (and build the pagination contract's models).
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from export_api.errors import BadRequest
from export_api.http.responses import ContractJSONResponse
from export_api.models.enums import PageOrder
from export_api.models.pagination import PageInfo, RequestPagination
from export_api.pagination import Page, PageRequest
from export_api.repositories.secrets import read_secret
from export_api.settings import Settings

T = TypeVar("T")

CURSOR_PATTERN = re.compile(r"^[A-Z2-7=~]+$")
_MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True)
class ListQuery:
    """What a list request asks for, before pagination: the filters and the sort it names."""

    resource: str
    filters: dict[str, list[str]]
    allowed_sorting_keys: tuple[str, ...]

    def fingerprint(self, sorting_key: str, order: PageOrder, companies: tuple[str, ...] = ()) -> str:
        # `companies`: the caller's, so a cursor is bound to the company it was issued for.
        canonical = json.dumps(
            [
                self.resource,
                sorted((k, sorted(v)) for k, v in self.filters.items()),
                sorting_key,
                order.value,
                sorted(companies),
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def encode(self, position: str, fingerprint: str) -> str:
        payload = json.dumps({"p": position, "q": fingerprint}, separators=(",", ":")).encode()
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()[:15]
        return f"{base64.b32encode(payload).decode()}~{base64.b32encode(signature).decode()}"

    def decode(self, cursor: str, fingerprint: str, name: str) -> str:
        invalid = BadRequest(
            f"Parameter {name} is not a cursor issued by this API: pass the startCursor or endCursor of a "
            "previous page unchanged."
        )
        if len(cursor) > _MAX_CURSOR_LENGTH or not CURSOR_PATTERN.match(cursor) or cursor.count("~") != 1:
            raise invalid
        encoded_payload, encoded_signature = cursor.split("~")
        try:
            payload = base64.b32decode(encoded_payload)
            signature = base64.b32decode(encoded_signature)
        except (binascii.Error, ValueError):
            raise invalid from None
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:15]
        if not hmac.compare_digest(signature, expected):
            raise invalid
        decoded = json.loads(payload)
        if decoded.get("q") != fingerprint:
            raise BadRequest(
                f"Parameter {name} belongs to a different query (other filters or sorting): "
                "repeat the query the cursor came from, or drop the cursor to start over."
            )
        return str(decoded["p"])


def cursor_codec(settings: Settings) -> CursorCodec:
    """The codec with the cursor key from Secrets Manager (cached; CURSOR_SECRET_ARN)."""
    return CursorCodec(read_secret(settings.required("cursor_secret_arn"), settings.secrets_max_age_seconds))


def build_page_request(
    query: ListQuery,
    settings: Settings,
    *,
    before: str | None,
    after: str | None,
    offset: int | None,
    limit: int | None,
    sorting_keys: list[str],
    sorting_order: list[PageOrder],
    companies: tuple[str, ...] = (),
) -> PageRequest:
    """Validate the pagination parameters of a list request (400 on misuse, notes.md §5)."""
    given = [name for name, value in (("before", before), ("after", after), ("offset", offset)) if value is not None]
    if len(given) > 1:
        raise BadRequest(f"Parameters {' and '.join(given)} cannot be used together; pass at most one of them.")
    if limit is None:
        limit = settings.default_page_limit
    if limit > settings.max_page_limit:
        raise BadRequest(f"Parameter limit must be between 0 and {settings.max_page_limit}, got {limit}.")
    if offset is not None and offset > settings.max_page_offset:
        raise BadRequest(
            f"Parameter offset must be at most {settings.max_page_offset}: page deeper with cursors (pass the "
            "endCursor of a page as after=...)."
        )
    if sorting_order and len(sorting_order) != len(sorting_keys):
        raise BadRequest("Parameter sorting_order must have exactly one order per key in sorting_keys.")
    allowed = ", ".join(query.allowed_sorting_keys)
    for key in sorting_keys:
        if key not in query.allowed_sorting_keys:
            raise BadRequest(f"Cannot sort by '{key}': sorting_keys must be one of: {allowed}.")
    if len(sorting_keys) > 1:
        raise BadRequest(f"Sort by one key at most; this list can be sorted by: {allowed}.")
    sorting_key = sorting_keys[0] if sorting_keys else query.allowed_sorting_keys[0]
    order = sorting_order[0] if sorting_order else PageOrder.ASC
    fingerprint = query.fingerprint(sorting_key, order, companies)
    codec = cursor_codec(settings)
    return PageRequest(
        limit=limit,
        ascending=order.ascending,
        offset=offset or 0,
        after=codec.decode(after, fingerprint, "after") if after is not None else None,
        before=codec.decode(before, fingerprint, "before") if before is not None else None,
        echo=RequestPagination(
            parameters=query.filters,
            after=after,
            before=before,
            limit=limit,
            offset=offset,
            sorting_keys=sorting_keys,
            sorting_order=sorting_order,
        ),
        fingerprint=fingerprint,
    )


def page_info(page: Page[T], request: PageRequest, settings: Settings, total: int | None) -> PageInfo:
    codec = cursor_codec(settings)
    # limit=0 asks for the total only: no page follows it, or a `while hasNextPage` loop would never end
    # (it has no cursor to move on with).
    counting_only = request.limit == 0
    return PageInfo(
        current_request_pagination=request.echo or RequestPagination(),
        has_next_page=page.has_next_page and not counting_only,
        has_previous_page=page.has_previous_page and not counting_only,
        start_cursor=codec.encode(page.positions[0], request.fingerprint) if page.positions else None,
        end_cursor=codec.encode(page.positions[-1], request.fingerprint) if page.positions else None,
        total=total,
    )


def paginated(
    data: Sequence[dict[str, Any]], page: Page[Any], request: PageRequest, settings: Settings, total: int | None
) -> ContractJSONResponse:
    """`CursorPaginatedResponse<X>`: the page's data and its `PageInfo`."""
    info = page_info(page, request, settings, total)
    # Absent cursors, offset and total are left out: the published PageInfo allows no null (notes.md §0).
    pagination = info.model_dump(mode="json", by_alias=True, exclude_none=True)
    return ContractJSONResponse({"data": list(data), "pagination": pagination})
