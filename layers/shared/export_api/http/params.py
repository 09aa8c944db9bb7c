"""Query parameters shared by every list: the contract's pagination parameters (notes.md §5)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from export_api.http.caller import get_caller
from export_api.models.caller import Caller
from export_api.models.enums import PageOrder
from export_api.pagination import CURSOR_PATTERN, ListQuery, PageRequest, build_page_request
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


def page_params(
    caller: Annotated[Caller, Depends(get_caller)],
    before: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN.pattern, description="Cursor: the page before this one.")
    ] = None,
    after: Annotated[
        str | None, Query(pattern=CURSOR_PATTERN.pattern, description="Cursor: the page after this one.")
    ] = None,
    offset: Annotated[int | None, Query(ge=0, le=_INT64_MAX)] = None,
    limit: Annotated[int | None, Query(ge=0, le=_INT32_MAX)] = None,
    sorting_keys: Annotated[list[str] | None, Query()] = None,
    sorting_order: Annotated[list[PageOrder] | None, Query()] = None,
) -> PageParams:
    companies = tuple(sorted(str(c) for c in caller.company_ids))
    return PageParams(before, after, offset, limit, sorting_keys or [], sorting_order or [], companies)
