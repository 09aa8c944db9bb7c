"""v2: export items gain `bookkeeping`; a created job answers 201 and an event 202."""

from export_api.versions.base import VersionAdapter
from export_api.versions.jobs import ExportJob, ExportJobItem, UpdateExportJobItem

ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    export_items_module="export_api.versions.items.v2",
    job=ExportJob.of,
    job_item=ExportJobItem.of,
    item_update=UpdateExportJobItem,
    has_job_status_filter=True,
    create_status_code=201,
    event_status_code=202,
)
