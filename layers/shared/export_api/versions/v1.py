"""v1: deprecated; export items without `bookkeeping`."""

from typing import TYPE_CHECKING

from export_api.versions.base import VersionAdapter, export_job_shapes

if TYPE_CHECKING:
    from export_api.versions.items.base import ExportItemProjection


def export_items() -> "ExportItemProjection":
    from export_api.versions.items.v1 import PROJECTION

    return PROJECTION


ADAPTER = VersionAdapter(
    name="v1",
    operation_suffix="V1",
    deprecated=True,
    load_export_items=export_items,
    load_job_shapes=export_job_shapes,
    has_job_status_filter=True,
    create_status_code=200,
    event_status_code=200,
)
