"""v1: deprecated; export items without `bookkeeping`."""

from export_api.models.accounting_entries import ExportItemFields
from export_api.versions.base import VersionAdapter, export_item_without_bookkeeping


class ExportItemV1(ExportItemFields):
    pass


ADAPTER = VersionAdapter(
    name="v1",
    operation_suffix="V1",
    deprecated=True,
    export_item_schema=ExportItemV1,
    export_item=export_item_without_bookkeeping,
    creates_jobs=True,
    has_job_status_filter=True,
    event_status_code=200,
)
