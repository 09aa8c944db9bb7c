"""v2: export items gain `bookkeeping`; a created job answers 201 and an event 202."""

from export_api.models.accounting_entries import AccountingEntry
from export_api.versions.base import VersionAdapter, full_export_item
from export_api.versions.jobs import ExportJob, ExportJobItem, UpdateExportJobItem


class ExportItemV2(AccountingEntry):
    pass


ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    export_item_schema=ExportItemV2,
    export_item=full_export_item,
    job=ExportJob.of,
    job_item=ExportJobItem.of,
    item_update=UpdateExportJobItem,
    has_job_status_filter=True,
    create_status_code=201,
    event_status_code=202,
)
