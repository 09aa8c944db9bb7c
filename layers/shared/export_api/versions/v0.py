"""v0: deprecated; `ExportItem` assumed equal to `ExportItemV1` (notes.md §9.6)."""

from export_api.models.accounting_entries import ExportItemFields
from export_api.versions.base import VersionAdapter, export_item_without_bookkeeping
from export_api.versions.jobs import ExportJob, ExportJobItem, UpdateExportJobItem


class ExportItem(ExportItemFields):
    pass


ADAPTER = VersionAdapter(
    name="v0",
    operation_suffix="",
    deprecated=True,
    export_item_schema=ExportItem,
    export_item=export_item_without_bookkeeping,
    job=ExportJob.of,
    job_item=ExportJobItem.of,
    item_update=UpdateExportJobItem,
    has_job_status_filter=True,
    create_status_code=200,
    event_status_code=200,
)
