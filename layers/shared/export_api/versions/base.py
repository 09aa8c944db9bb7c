import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from export_api.models import jobs as domain
from export_api.models.base import ContractModel
from export_api.versions.jobs import UpdateExportJobItemV3, wire

if TYPE_CHECKING:
    from export_api.versions.items.base import ExportItemProjection


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
    #: function's init builds the current version's, a deprecated version's are built by its first request.
    export_items_module: str
    #: How a job and a job item of the domain look in this version (`ExportJob` or `ExportJobV3`, ...).
    job: Callable[[domain.ExportJob], ContractModel]
    job_item: Callable[[domain.ExportJobItem], ContractModel]
    #: The element of this version's PUT body (`UpdateExportJobItem` or `UpdateExportJobItemV3`).
    item_update: type[UpdateExportJobItemV3]
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

    def job_body(self, job: domain.ExportJob) -> dict[str, Any]:
        return wire(self.job(job))

    def job_item_body(self, item: domain.ExportJobItem) -> dict[str, Any]:
        return wire(self.job_item(item))

    def item_update_body(self, update: domain.ExportJobItemUpdate) -> dict[str, Any]:
        """`ExportJobItemUpdate` / `ExportJobItemUpdateV3`: partial success of a PUT."""
        return {
            "data": [self.job_item_body(item) for item in update.data],
            "errors": [wire(error) for error in update.errors],
        }
