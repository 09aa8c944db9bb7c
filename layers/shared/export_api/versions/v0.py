"""v0: deprecated; `ExportItem` assumed equal to `ExportItemV1` (notes.md §9.6)."""

from export_api.models.accounting_entries import ExportItemFields
from export_api.versions.base import VersionAdapter, export_item_without_bookkeeping


class ExportItem(ExportItemFields):
    pass


ADAPTER = VersionAdapter(
    name="v0",
    operation_suffix="",
    deprecated=True,
    export_item_schema=ExportItem,
    export_item=export_item_without_bookkeeping,
    creates_jobs=True,
    has_job_status_filter=True,
    event_status_code=200,
)
