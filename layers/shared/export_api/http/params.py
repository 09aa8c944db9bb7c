"""Query parameters shared by every list: the contract's pagination parameters (notes.md §5)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from export_api.http.caller import get_caller
from export_api.http.pages import CURSOR_PATTERN, ListQuery, build_page_request
from export_api.models.caller import Caller
from export_api.models.enums import PageOrder
from export_api.pagination import PageRequest
from export_api.settings import Settings

_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class PageParams:
    before: str | None
    after: str | None
    offset: int | None
    limit: int | None
    sorting_keys: list[str]
    sorting_order: list[PageOrder]
    # The caller's companies: cursors are bound to them.
    companies: tuple[str, ...] = ()

    def request(self, query: ListQuery, settings: Settings) -> PageRequest:
        return build_page_request(
            query,
            settings,
            before=self.before,
            after=self.after,
            offset=self.offset,
            limit=self.limit,
            sorting_keys=self.sorting_keys,
            sorting_order=self.sorting_order,
            companies=self.companies,
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
    """`before`, `after`, `offset`, `limit`, `sorting_keys`, `sorting_order` (notes.md §5).

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
