"""Pages over DynamoDB key ranges (notes.md §5): what a page request asks for, once its parameters are
validated and its cursors decoded (export_api/http/pages.py), and the page that answers it.

Plain dataclasses, no contract model: the repositories and services that page import this, and a function
with no list route (job events) builds none of the pagination contract's models.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from export_api.models.pagination import RequestPagination

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """A validated page request: at most one of after/before/offset, positions already decoded."""

    limit: int
    ascending: bool
    offset: int = 0
    after: str | None = None
    before: str | None = None
    #: The request's parameters as the response's `currentRequestPagination` echoes them (None: a page
    #: asked for by the service itself, which echoes nothing).
    echo: "RequestPagination | None" = None
    fingerprint: str = ""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the sort-key position of each, in presentation order."""

    items: list[T]
    positions: list[str]
    has_next_page: bool
    has_previous_page: bool


def page_of(items: Sequence[T], position: Callable[[T], str], request: PageRequest) -> Page[T]:
    """A page of a short list already in memory (its producer bounds it), paged exactly as a key range is:
    the same cursors, offset and order as a DynamoDB Query page (repositories/paging.py)."""
    backwards = request.before is not None
    forward = request.ascending != backwards
    bound = request.before if backwards else request.after
    ordered = sorted(items, key=position, reverse=not forward)
    if bound is not None:
        ordered = [item for item in ordered if (position(item) > bound if forward else position(item) < bound)]
    window = ordered[request.offset : request.offset + request.limit]
    more = len(ordered) > request.offset + request.limit
    if backwards:
        window.reverse()
        return Page(window, [position(i) for i in window], has_next_page=True, has_previous_page=more)
    return Page(
        window,
        [position(i) for i in window],
        has_next_page=more,
        has_previous_page=request.after is not None or request.offset > 0,
    )
