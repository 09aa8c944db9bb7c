"""v0: deprecated; its export item is versions/items/v0.py."""

from export_api.versions.base import VersionAdapter
from export_api.versions.items import v0 as items

ADAPTER = VersionAdapter(
    name="v0",
    operation_suffix="",
    deprecated=True,
    export_items=items.PROJECTION,
    creates_jobs=True,
    has_job_status_filter=True,
    event_status_code=200,
)
