from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from export_api.errors import Forbidden, RequiredParameterMissing


class Scope(StrEnum):
    """Pleo's Export API scopes (docs/decisions.md, "Scopes"), plus the project's own admin scope."""

    EXPORT_JOBS_READ = "export-jobs:read"
    EXPORT_JOBS_WRITE = "export-jobs:write"
    EXPORT_ITEMS_READ = "export-items:read"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """Who is calling, as resolved by the authorizer: the companies it may act for and its scopes."""

    principal_id: str
    company_ids: frozenset[UUID]
    scopes: frozenset[str]

    def require(self, scope: Scope) -> None:
        if scope.value not in self.scopes:
            raise Forbidden(f"The {scope.value} scope is required for this operation.")

    def can_access(self, company_id: UUID) -> bool:
        return company_id in self.company_ids or Scope.ADMIN.value in self.scopes

    def company(self, requested: UUID | None, parameter: str = "company_id") -> UUID:
        """The company a request acts for: the one named, which must be the caller's, or its only one."""
        if requested is not None:
            if not self.can_access(requested):
                raise Forbidden(f"The credential does not give access to company {requested}.")
            return requested
        if len(self.company_ids) == 1:
            return next(iter(self.company_ids))
        raise RequiredParameterMissing(
            f"Parameter {parameter} is required: the credential covers more than one company."
        )
