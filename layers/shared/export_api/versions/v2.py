"""v2: export items gain `bookkeeping`; a created job answers 201 and an event 202."""

from export_api.versions.base import VersionAdapter

ADAPTER = VersionAdapter(
    name="v2",
    operation_suffix="V2",
    deprecated=False,
    export_items_module="export_api.versions.items.v2",
    job_schema="ExportJob",
    has_job_status_filter=True,
    create_status_code=201,
    event_status_code=202,
)
