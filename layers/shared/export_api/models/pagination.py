from pydantic import Field

from export_api.models.base import ContractModel
from export_api.models.enums import PageOrder


class RequestPagination(ContractModel):
    """`RequestPagination`: the request's pagination and filters, echoed back."""

    parameters: dict[str, list[str]] = Field(default_factory=dict)
    after: str | None = None
    before: str | None = None
    limit: int | None = None
    offset: int | None = None
    sorting_keys: list[str] = Field(default_factory=list)
    sorting_order: list[PageOrder] = Field(default_factory=list)


class PageInfo(ContractModel):
    """`PageInfo`."""

    current_request_pagination: RequestPagination
    has_next_page: bool
    has_previous_page: bool
    end_cursor: str | None = None
    start_cursor: str | None = None
    total: int | None = None
