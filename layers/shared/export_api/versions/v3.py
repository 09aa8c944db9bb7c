"""v3: as v2, without the deprecated `status` filter on the job list."""

from export_api.models.accounting_entries import AccountingEntry
from export_api.versions.base import VersionAdapter, full_export_item
from export_api.versions.jobs import ExportJobItemV3, ExportJobV3, UpdateExportJobItemV3


class ExportItemV3(AccountingEntry):
    pass


ADAPTER = VersionAdapter(
    name="v3",
    operation_suffix="V3",
    deprecated=False,
    export_item_schema=ExportItemV3,
    export_item=full_export_item,
    job=ExportJobV3.of,
    job_item=ExportJobItemV3.of,
    item_update=UpdateExportJobItemV3,
    has_job_status_filter=False,
    create_status_code=201,
    event_status_code=202,
)
