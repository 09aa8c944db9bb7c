"""v1: deprecated; export items without `bookkeeping`."""

from export_api.versions.base import VersionAdapter
from export_api.versions.items import v1 as items

ADAPTER = VersionAdapter(
    name="v1",
    operation_suffix="V1",
    deprecated=True,
    export_items=items.PROJECTION,
    creates_jobs=True,
    has_job_status_filter=True,
    event_status_code=200,
)
