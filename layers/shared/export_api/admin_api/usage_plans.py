"""`UsagePlan` of the admin API: the tier whose API Gateway usage plan meters a company's requests."""

from typing import Annotated, Self
from uuid import UUID

from pydantic import Field

from export_api.models.base import RequestModel
from export_api.services.usage_plans import CompanyUsagePlan


class UsagePlanModel(RequestModel):
    tier: Annotated[str, Field(pattern=r"^[a-z]{1,32}$", description="A tier of the deployment's usage plans.")]


class UsagePlanResponse(UsagePlanModel):
    company_id: UUID

    @classmethod
    def of(cls, plan: CompanyUsagePlan) -> Self:
        return cls(company_id=UUID(plan.company_id), tier=plan.tier)
