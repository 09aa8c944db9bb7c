"""v0: deprecated; its export item is versions/items/v0.py."""

from export_api.versions.base import VersionAdapter

ADAPTER = VersionAdapter(
    name="v0",
    operation_suffix="",
    deprecated=True,
    export_items_module="export_api.versions.items.v0",
    job_schema="ExportJob",
    has_job_status_filter=True,
    create_status_code=200,
    event_status_code=200,
)
