"""v3: its own job shapes (`ExportJobV3`, ...), 18 item failure reasons, no deprecated `status` filter."""

from export_api.versions.base import VersionAdapter

ADAPTER = VersionAdapter(
    name="v3",
    operation_suffix="V3",
    deprecated=False,
    export_items_module="export_api.versions.items.v3",
    job_schema="ExportJobV3",
    has_job_status_filter=False,
    create_status_code=201,
    event_status_code=202,
    needs_contra_accounts=True,
)
