"""v2: export items gain `bookkeeping`; events answer 202; no job creation in the docs."""

from export_api.versions.base import VersionAdapter
from export_api.versions.items import v2 as items

ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    export_items=items.PROJECTION,
    creates_jobs=False,
    has_job_status_filter=True,
    event_status_code=202,
)
