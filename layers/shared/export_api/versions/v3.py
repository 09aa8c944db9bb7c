"""v3: as v2, without the deprecated `status` filter on the job list."""

from export_api.versions.base import VersionAdapter
from export_api.versions.items import v3 as items

ADAPTER = VersionAdapter(
    name="v3",
    operation_suffix="V3",
    deprecated=False,
    export_items=items.PROJECTION,
    creates_jobs=False,
    has_job_status_filter=False,
    event_status_code=202,
)
