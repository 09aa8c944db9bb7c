"""v1: deprecated; export items without `bookkeeping`."""

from export_api.versions.base import VersionAdapter

ADAPTER = VersionAdapter(
    name="v1",
    operation_suffix="V1",
    deprecated=True,
    export_items_module="export_api.versions.items.v1",
    job_schema="ExportJob",
    has_job_status_filter=True,
    create_status_code=200,
    event_status_code=200,
)
