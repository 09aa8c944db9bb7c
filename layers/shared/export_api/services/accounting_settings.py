"""Company accounting settings (admin) and the contra account rule v3 applies to them."""

from typing import TYPE_CHECKING
from uuid import UUID

from export_api.errors import CONTRA_ACCOUNTS_MESSAGE, MissingContraAccounts
from export_api.models.accounting_settings import AccountingSettings
from export_api.models.caller import Caller, Scope
from export_api.repositories.accounting_settings import AccountingSettingsRepository

if TYPE_CHECKING:
    from export_api.services.usage_plans import UsagePlansService


class AccountingSettingsService:
    def __init__(self, settings: AccountingSettingsRepository, usage_plans: "UsagePlansService | None" = None) -> None:
        self.settings = settings
        # Setting a company's accounts up sets up its usage plan too, where usage plans are configured.
        self.usage_plans = usage_plans

    def replace(self, caller: Caller, settings: AccountingSettings) -> AccountingSettings:
        caller.require(Scope.ADMIN)
        if self.usage_plans is not None:
            self.usage_plans.ensure(str(settings.company_id))
        self.settings.put(settings)
        return settings

    def get(self, caller: Caller, company_id: UUID) -> AccountingSettings:
        caller.require(Scope.ADMIN)
        return self.of(company_id)

    def of(self, company_id: UUID) -> AccountingSettings:
        """The company's settings; a company that never set any has no accounts."""
        return _as_set(company_id, self.settings.get(company_id))

    def require_contra_accounts(self, company_id: UUID) -> AccountingSettings:
        """The company's settings, if every one of its Pleo accounts is mapped to a contra account
        (and it has at least one); else MissingContraAccounts (400), naming what to map. v3 calls this
        before creating a job, and on the settings it reads with a page of export items
        (`with_contra_accounts`)."""
        return self.with_contra_accounts(company_id, self.settings.get(company_id))

    def with_contra_accounts(self, company_id: UUID, stored: AccountingSettings | None) -> AccountingSettings:
        """`require_contra_accounts` on settings already read (`stored`; None: the company never set any)."""
        settings = _as_set(company_id, stored)
        if settings.all_mapped:
            return settings
        unmapped = settings.unmapped_accounts()
        detail = (
            "the company has no Pleo accounts in its accounting settings"
            if not settings.accounts
            else "these Pleo accounts have no contra account: "
            + ", ".join(f"{a.name} ({a.id})" for a in unmapped[:5])
            + (f" and {len(unmapped) - 5} more" if len(unmapped) > 5 else "")
        )
        raise MissingContraAccounts(f"{CONTRA_ACCOUNTS_MESSAGE.removesuffix('.')}: {detail}.")


def _as_set(company_id: UUID, stored: AccountingSettings | None) -> AccountingSettings:
    """The settings as stored; a company that never set any has no accounts."""
    return stored or AccountingSettings(company_id=company_id)
