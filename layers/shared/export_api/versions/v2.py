"""v2: export items gain `bookkeeping`; a created job answers 201 and an event 202."""

from typing import TYPE_CHECKING

from export_api.versions.base import VersionAdapter, export_job_shapes

if TYPE_CHECKING:
    from export_api.versions.items.base import ExportItemProjection


def export_items() -> "ExportItemProjection":
    from export_api.versions.items.v2 import PROJECTION

    return PROJECTION


ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    load_export_items=export_items,
    load_job_shapes=export_job_shapes,
    has_job_status_filter=True,
    create_status_code=201,
    event_status_code=202,
)
