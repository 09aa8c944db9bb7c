"""`UsagePlan` of the admin API: the tier whose API Gateway usage plan meters a company's requests."""

from typing import TYPE_CHECKING, Annotated, Self
from uuid import UUID

from pydantic import Field

from export_api.models.base import RequestModel

if TYPE_CHECKING:
    # The service (and the credentials repository it brings) is imported by the first usage-plan request,
    # not by the admin function's init, which imports these models with its routes.
    from export_api.services.usage_plans import CompanyUsagePlan


class UsagePlanModel(RequestModel):
    tier: Annotated[str, Field(pattern=r"^[a-z]{1,32}$", description="A tier of the deployment's usage plans.")]


class UsagePlanResponse(UsagePlanModel):
    company_id: UUID

    @classmethod
    def of(cls, plan: "CompanyUsagePlan") -> Self:
        return cls(company_id=UUID(plan.company_id), tier=plan.tier)
