"""The contract's pagination of every list: its query parameters (`before`, `after`, `offset`, `limit`,
`sorting_keys`, `sorting_order`) validated into a page request, its cursors, and the answer
`CursorPaginatedResponse<X>` with the contract's `PageInfo`.

A cursor is `BASE32(payload)~BASE32(signature)`: the contract's alphabet `^[A-Z2-7=~]+$`. The payload holds
the sort-key position of an item and a fingerprint of the query it came from, so a cursor is opaque,
cannot be forged (HMAC) and is refused when replayed against a different query.

The repositories page by sort-key positions (export_api/repositories/paging.py): this module turns a
request's cursors into those positions and a page's positions back into cursors.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from export_api.errors import BadRequest
from export_api.http.params import get_caller
from export_api.http.responses import ContractJSONResponse
from export_api.models.base import ContractModel
from export_api.models.caller import Caller
from export_api.models.enums import PageOrder
from export_api.repositories.paging import Page, PageRequest
from export_api.repositories.secrets import read_secret
from export_api.settings import Settings

T = TypeVar("T")

CURSOR_PATTERN = re.compile(r"^[A-Z2-7=~]+$")
_MAX_CURSOR_LENGTH = 1024
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


class RequestPagination(ContractModel):
    """`RequestPagination`: the request's pagination and filters, echoed back.

    Empty defaults, not `default_factory=dict`: pydantic copies a mutable default for each instance, and
    a builtin factory makes it read the builtin's text signature with Python's tokenizer, whose first use
    compiles its regular expressions (a few ms of a cold start)."""

    parameters: dict[str, list[str]] = Field(default={})
    after: str | None = None
    before: str | None = None
    limit: int | None = None
    offset: int | None = None
    sorting_keys: list[str] = Field(default=[])
    sorting_order: list[PageOrder] = Field(default=[])


class PageInfo(ContractModel):
    """`PageInfo`."""

    current_request_pagination: RequestPagination
    has_next_page: bool
    has_previous_page: bool
    end_cursor: str | None = None
    start_cursor: str | None = None
    total: int | None = None


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


@dataclass(frozen=True, kw_only=True)
class ListPageRequest(PageRequest):
    """A list route's page request: the positions the repositories read from, the parameters the answer's
    `currentRequestPagination` echoes, and the fingerprint of the query its cursors are bound to."""

    echo: RequestPagination
    fingerprint: str


@dataclass(frozen=True)
class PageParams:
    """A list request's pagination parameters, as given (cursors still encoded)."""

    before: str | None
    after: str | None
    offset: int | None
    limit: int | None
    sorting_keys: list[str]
    sorting_order: list[PageOrder]
    # The caller's companies: cursors are bound to them.
    companies: tuple[str, ...] = ()

    def request(self, query: ListQuery, settings: Settings) -> ListPageRequest:
        """Validate the parameters against the list's query and the settings' limits (400 on misuse) and
        decode the cursors."""
        given = [
            name
            for name, value in (("before", self.before), ("after", self.after), ("offset", self.offset))
            if value is not None
        ]
        if len(given) > 1:
            raise BadRequest(f"Parameters {' and '.join(given)} cannot be used together; pass at most one of them.")
        limit = settings.default_page_limit if self.limit is None else self.limit
        if limit > settings.max_page_limit:
            raise BadRequest(f"Parameter limit must be between 0 and {settings.max_page_limit}, got {limit}.")
        if self.offset is not None and self.offset > settings.max_page_offset:
            raise BadRequest(
                f"Parameter offset must be at most {settings.max_page_offset}: page deeper with cursors (pass the "
                "endCursor of a page as after=...)."
            )
        if self.sorting_order and len(self.sorting_order) != len(self.sorting_keys):
            raise BadRequest("Parameter sorting_order must have exactly one order per key in sorting_keys.")
        allowed = ", ".join(query.allowed_sorting_keys)
        for key in self.sorting_keys:
            if key not in query.allowed_sorting_keys:
                raise BadRequest(f"Cannot sort by '{key}': sorting_keys must be one of: {allowed}.")
        if len(self.sorting_keys) > 1:
            raise BadRequest(f"Sort by one key at most; this list can be sorted by: {allowed}.")
        sorting_key = self.sorting_keys[0] if self.sorting_keys else query.allowed_sorting_keys[0]
        order = self.sorting_order[0] if self.sorting_order else PageOrder.ASC
        fingerprint = query.fingerprint(sorting_key, order, self.companies)
        codec = cursor_codec(settings)
        return ListPageRequest(
            limit=limit,
            ascending=order.ascending,
            offset=self.offset or 0,
            after=codec.decode(self.after, fingerprint, "after") if self.after is not None else None,
            before=codec.decode(self.before, fingerprint, "before") if self.before is not None else None,
            echo=RequestPagination(
                parameters=query.filters,
                after=self.after,
                before=self.before,
                limit=limit,
                offset=self.offset,
                sorting_keys=self.sorting_keys,
                sorting_order=self.sorting_order,
            ),
            fingerprint=fingerprint,
        )


class _PageQuery(BaseModel):
    """The pagination parameters of every list, validated as FastAPI validates query parameters."""

    before: Annotated[str | None, Field(pattern=CURSOR_PATTERN.pattern)] = None
    after: Annotated[str | None, Field(pattern=CURSOR_PATTERN.pattern)] = None
    offset: Annotated[int | None, Field(ge=0, le=_INT64_MAX)] = None
    limit: Annotated[int | None, Field(ge=0, le=_INT32_MAX)] = None
    sorting_keys: list[str] = []
    sorting_order: list[PageOrder] = []


_REPEATABLE = frozenset({"sorting_keys", "sorting_order"})

#: The same parameters in a route's own OpenAPI description (`openapi_extra` of every paged route): they
#: are read by `page_params`, not declared, so FastAPI would not list them.
PAGE_QUERY: dict[str, Any] = {
    "parameters": [
        {"name": "before", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "after", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        {
            "name": "sorting_keys",
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {
            "name": "sorting_order",
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
    ]
}


async def page_params(request: Request, caller: Annotated[Caller, Depends(get_caller)]) -> PageParams:
    """A dependency: `read_page_params(request, caller)`."""
    return read_page_params(request, caller)


def read_page_params(request: Request, caller: Caller) -> PageParams:
    """`before`, `after`, `offset`, `limit`, `sorting_keys`, `sorting_order`.

    Read from the query with one model built once, not declared as a route's parameters: FastAPI builds
    a validator per declared parameter per route, which across a function's list routes was a large part
    of its cold start (docs/cold-start.md). Errors are reported exactly as for declared parameters.
    """
    query = request.query_params
    given = {
        name: query.getlist(name) if name in _REPEATABLE else query[name]
        for name in _PageQuery.model_fields
        if name in query
    }
    try:
        page = _PageQuery.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    companies = tuple(sorted(str(c) for c in caller.company_ids))
    return PageParams(
        page.before, page.after, page.offset, page.limit, page.sorting_keys, page.sorting_order, companies
    )


def page_info(page: Page[T], request: ListPageRequest, settings: Settings, total: int | None) -> PageInfo:
    codec = cursor_codec(settings)
    # limit=0 asks for the total only: no page follows it, or a `while hasNextPage` loop would never end
    # (it has no cursor to move on with).
    counting_only = request.limit == 0
    return PageInfo(
        current_request_pagination=request.echo,
        has_next_page=page.has_next_page and not counting_only,
        has_previous_page=page.has_previous_page and not counting_only,
        start_cursor=codec.encode(page.positions[0], request.fingerprint) if page.positions else None,
        end_cursor=codec.encode(page.positions[-1], request.fingerprint) if page.positions else None,
        total=total,
    )


def paginated(
    data: Sequence[dict[str, Any]], page: Page[Any], request: ListPageRequest, settings: Settings, total: int | None
) -> ContractJSONResponse:
    """`CursorPaginatedResponse<X>`: the page's data and its `PageInfo`."""
    info = page_info(page, request, settings, total)
    # Absent cursors, offset and total are left out: the published PageInfo allows no null (docs/decisions.md).
    pagination = info.model_dump(mode="json", by_alias=True, exclude_none=True)
    return ContractJSONResponse({"data": list(data), "pagination": pagination})
