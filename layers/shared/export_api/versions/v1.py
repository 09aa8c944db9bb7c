"""v1: deprecated; export items without `bookkeeping`."""

from export_api.versions.base import VersionAdapter
from export_api.versions.jobs import ExportJob, ExportJobItem, UpdateExportJobItem

ADAPTER = VersionAdapter(
    name="v1",
    operation_suffix="V1",
    deprecated=True,
    export_items_module="export_api.versions.items.v1",
    job=ExportJob.of,
    job_item=ExportJobItem.of,
    item_update=UpdateExportJobItem,
    has_job_status_filter=True,
    create_status_code=200,
    event_status_code=200,
)
