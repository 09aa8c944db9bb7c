"""Each company's usage plan: the API Gateway key its requests are metered by, on its tier's plan.

A company gets its key when it is set up (its first accounting entries or accounting settings, or an
explicit tier), on the default tier; an administrator may move it to another tier. The key's value is
never shown: the Export API's authorizer hands it to API Gateway (`usageIdentifierKey`).
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from export_api.errors import BadRequest, Conflict, NotFound
from export_api.models.caller import Caller, Scope
from export_api.repositories.credentials import CredentialsRepository, UsageKeyRecord
from export_api.repositories.usage_plans import UsagePlansRepository
from export_api.settings import MissingConfiguration

DEFAULT_TIER = "standard"


@dataclass(frozen=True)
class CompanyUsagePlan:
    company_id: str
    tier: str


class UsagePlansService:
    def __init__(
        self, credentials: CredentialsRepository, gateway: UsagePlansRepository, plans: Mapping[str, str]
    ) -> None:
        self.credentials = credentials
        self.gateway = gateway
        self.plans = dict(plans)

    def _plan(self, tier: str) -> str:
        if not self.plans:
            raise MissingConfiguration("USAGE_PLAN_IDS is not set")
        if tier not in self.plans:
            raise BadRequest(f"Unknown tier {tier!r}: one of {', '.join(sorted(self.plans))}.")
        return self.plans[tier]

    def get(self, caller: Caller, company_id: str) -> CompanyUsagePlan:
        caller.require(Scope.ADMIN)
        record = self.credentials.usage_key(company_id)
        if record is None:
            raise NotFound(
                f"Company {company_id} has no usage plan yet: it gets one with its first accounting entries "
                "or settings, or PUT one."
            )
        return CompanyUsagePlan(company_id, record.tier)

    def ensure(self, company_id: str) -> CompanyUsagePlan:
        """The company's plan, set up on the default tier the first time."""
        record = self.credentials.usage_key(company_id)
        if record is None:
            record = self._set_up(company_id, DEFAULT_TIER)
        return CompanyUsagePlan(company_id, record.tier)

    def assign(self, caller: Caller, company_id: str, tier: str) -> CompanyUsagePlan:
        """Put the company on `tier`'s plan (setting it up if need be). Repeating it repairs a change that
        was cut short: the key ends on this tier's plan and no other."""
        caller.require(Scope.ADMIN)
        plan_id = self._plan(tier)
        record = self.credentials.usage_key(company_id) or self._set_up(company_id, tier)
        if record.tier != tier and not self.credentials.set_usage_tier(company_id, tier, record.tier):
            raise Conflict("The company's tier is being changed by another request: retry.")
        # API Gateway meters a key by one plan per stage: out of the others first.
        current = self.gateway.plans_of(record.key_id)
        for other_plan in current:
            if other_plan != plan_id:
                self.gateway.detach(other_plan, record.key_id)
        if plan_id not in current:
            self.gateway.attach(plan_id, record.key_id)
        return CompanyUsagePlan(company_id, tier)

    def _set_up(self, company_id: str, tier: str) -> UsageKeyRecord:
        plan_id = self._plan(tier)
        value = secrets.token_urlsafe(32)
        key_id = self.gateway.create_key(
            f"company-{company_id}-{secrets.token_hex(4)}", value, f"Usage key of company {company_id}"
        )
        self.gateway.attach(plan_id, key_id)
        record = UsageKeyRecord(company_id, key_id, value, tier, datetime.now(UTC))
        if self.credentials.put_usage_key(record):
            return record
        # A concurrent setup stored its key first: that one is the company's.
        self.gateway.delete_key(key_id)
        winner = self.credentials.usage_key(company_id)
        assert winner is not None
        return winner
