"""v2: export items gain `bookkeeping`; events answer 202; no job creation in the docs."""

from export_api.models.accounting_entries import AccountingEntry
from export_api.versions.base import VersionAdapter, full_export_item


class ExportItemV2(AccountingEntry):
    pass


ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    export_item_schema=ExportItemV2,
    export_item=full_export_item,
    creates_jobs=False,
    has_job_status_filter=True,
    event_status_code=202,
)
