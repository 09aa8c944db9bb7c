from dataclasses import dataclass

from export_api.versions.items.base import ExportItemProjection


@dataclass(frozen=True)
class VersionAdapter:
    """What one API version looks like over the shared core."""

    name: str
    #: Appended to the contract's operationIds (`getExportJobsList` + `V2`).
    operation_suffix: str
    deprecated: bool
    #: The export item of this version: its contract model and how an accounting entry becomes one.
    export_items: ExportItemProjection
    #: POST /export-jobs exists in v0/v1 only (notes.md §9.1).
    creates_jobs: bool
    #: The deprecated single `status` filter on the job list (removed in v3).
    has_job_status_filter: bool
    #: v2/v3 answer events with 202; v0/v1 document only a `default` response.
    event_status_code: int

    @property
    def prefix(self) -> str:
        return f"/{self.name}"

    def operation_id(self, base: str) -> str:
        return base + self.operation_suffix
