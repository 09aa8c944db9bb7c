import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from export_api.models import jobs as domain

if TYPE_CHECKING:
    from export_api.models.jobs import ExportJobItemUpdate
    from export_api.versions.items.base import ExportItemProjection
    from export_api.versions.jobs import JobShapes


@dataclass(frozen=True)
class VersionAdapter:
    """What one API version looks like over the shared core."""

    name: str
    #: Appended to the contract's operationIds (`getExportJobsList` + `V2`).
    operation_suffix: str
    deprecated: bool
    #: The module of this version's export item (`PROJECTION`: its contract model and how an accounting
    #: entry becomes one). Imported on first use: export items are served by ExportItemsFunction alone, and
    #: their models are most of a version's, which the other functions' cold starts need not build; that
    #: function's init builds the current version's (`LATEST`), an earlier version's are built by its first request.
    export_items_module: str
    #: The published name of this version's job schema (`ExportJob` or `ExportJobV3`): its job, job item and
    #: PUT body shapes (versions/jobs.py), imported on first use: ExportItemsFunction never shows a job, and
    #: ExportJobEventsFunction answers an event with no body.
    job_schema: str
    #: The deprecated single `status` filter on the job list (removed in v3).
    has_job_status_filter: bool
    #: v2/v3 answer a created job with 201; v0/v1 document only a `default` response.
    create_status_code: int
    #: v2/v3 answer events with 202; v0/v1 document only a `default` response.
    event_status_code: int
    #: The version refuses export items, and job creation, until every Pleo account has a contra account (v3).
    needs_contra_accounts: bool = False

    @cached_property
    def export_items(self) -> "ExportItemProjection":
        projection: ExportItemProjection = importlib.import_module(self.export_items_module).PROJECTION
        return projection

    def build_export_items(self) -> None:
        """Import this version's export item module (and so build its models) now, not at first use."""
        importlib.import_module(self.export_items_module)

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def operation_id(self, base: str) -> str:
        return base + self.operation_suffix

    @cached_property
    def jobs(self) -> "JobShapes":
        from export_api.versions.jobs import JOB_SHAPES

        return JOB_SHAPES[self.job_schema]

    def job_body(self, job: domain.ExportJob) -> dict[str, Any]:
        return self.jobs.job_body(job)

    def job_item_body(self, item: domain.ExportJobItem) -> dict[str, Any]:
        return self.jobs.job_item_body(item)

    def item_update_body(self, update: "ExportJobItemUpdate") -> dict[str, Any]:
        return self.jobs.item_update_body(update)
