"""v3: its own job shapes (`ExportJobV3`, ...), 18 item failure reasons, no deprecated `status` filter."""

from typing import TYPE_CHECKING

from export_api.versions.base import VersionAdapter, export_job_v3_shapes

if TYPE_CHECKING:
    from export_api.versions.items.base import ExportItemProjection


def export_items() -> "ExportItemProjection":
    from export_api.versions.items.v3 import PROJECTION

    return PROJECTION


ADAPTER = VersionAdapter(
    name="v3",
    operation_suffix="V3",
    deprecated=False,
    load_export_items=export_items,
    load_job_shapes=export_job_v3_shapes,
    has_job_status_filter=False,
    create_status_code=201,
    event_status_code=202,
    needs_contra_accounts=True,
)
