"""What one API version looks like over the shared core: a frozen record per version (v0.py ... v3.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from export_api.versions.items.base import ExportItemProjection
    from export_api.versions.jobs import JobShapes


@dataclass(frozen=True)
class VersionAdapter:
    """What one API version looks like over the shared core."""

    name: str
    #: Appended to the contract's operationIds (`getExportJobsList` + `V2`).
    operation_suffix: str
    deprecated: bool
    #: Imports this version's export item module and returns its projection (its contract model and how an
    #: accounting entry becomes one). Called on first use, not imported with the version: export items are
    #: served by ExportItemsFunction alone, and their models are most of a version's, which the other
    #: functions' cold starts need not build; that function's init builds the current version's (`LATEST`),
    #: an earlier version's are built by its first request.
    load_export_items: Callable[[], "ExportItemProjection"]
    #: Imports and returns this version's job, job item and PUT body shapes (versions/jobs.py). Called on
    #: first use: ExportItemsFunction never shows a job, and ExportJobEventsFunction answers an event with no
    #: body.
    load_job_shapes: Callable[[], "JobShapes"]
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
        return self.load_export_items()

    def build_export_items(self) -> None:
        """Import this version's export item module (and so build its models) now, not at first use."""
        self.load_export_items()

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def operation_id(self, base: str) -> str:
        return base + self.operation_suffix

    @cached_property
    def jobs(self) -> "JobShapes":
        return self.load_job_shapes()


def export_job_shapes() -> "JobShapes":
    """`ExportJob`, `ExportJobItem` and `UpdateExportJobItem`: the job shapes v0, v1 and v2 publish."""
    from export_api.versions.jobs import EXPORT_JOB_SHAPES

    return EXPORT_JOB_SHAPES


def export_job_v3_shapes() -> "JobShapes":
    """`ExportJobV3`, `ExportJobItemV3` and `UpdateExportJobItemV3`: v3's job shapes."""
    from export_api.versions.jobs import EXPORT_JOB_V3_SHAPES

    return EXPORT_JOB_V3_SHAPES
