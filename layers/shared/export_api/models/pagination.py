from pydantic import Field

from export_api.models.base import ContractModel
from export_api.models.enums import PageOrder


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
