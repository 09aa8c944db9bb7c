"""`AccountingSettings` of the admin API: a company's Pleo accounts and their contra accounts."""

from collections import Counter
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from export_api.admin_api.fields import Code, Text, ThreeLetterCurrency
from export_api.models.accounting_settings import AccountingSettings, ContraAccount, PleoAccount
from export_api.models.base import RequestModel, Uuid

MAX_PLEO_ACCOUNTS = 100


class ContraAccountModel(RequestModel):
    """The published `ContraAccount`: the ERP account corresponding to one Pleo account."""

    id: Uuid
    name: Text
    code: Code | None = None
    identifier: Code | None = None


class PleoAccountModel(RequestModel):
    id: Uuid
    name: Text
    currency: ThreeLetterCurrency
    contra_account: ContraAccountModel | None = None


class AccountingSettingsModel(RequestModel):
    accounts: Annotated[list[PleoAccountModel], Field(max_length=MAX_PLEO_ACCOUNTS)]

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        repeated = sorted(str(k) for k, n in Counter(a.id for a in self.accounts).items() if n > 1)
        if repeated:
            raise ValueError(f"accounts lists the Pleo account {repeated[0]} more than once")
        return self

    def to_domain(self, company_id: UUID) -> AccountingSettings:
        return AccountingSettings(
            company_id=company_id,
            accounts=tuple(
                PleoAccount(
                    id=a.id,
                    name=a.name,
                    currency=a.currency,
                    contra_account=ContraAccount(**a.contra_account.model_dump()) if a.contra_account else None,
                )
                for a in self.accounts
            ),
        )


class AccountingSettingsResponse(AccountingSettingsModel):
    """The settings as stored, with the reading v3 applies to them."""

    company_id: UUID
    all_contra_accounts_mapped: bool

    @classmethod
    def of(cls, settings: AccountingSettings) -> Self:
        return cls(
            company_id=settings.company_id,
            all_contra_accounts_mapped=settings.all_mapped,
            accounts=[
                PleoAccountModel(
                    id=a.id,
                    name=a.name,
                    currency=a.currency,
                    contra_account=ContraAccountModel(**a.contra_account.model_dump()) if a.contra_account else None,
                )
                for a in settings.accounts
            ],
        )
