"""A company's accounting settings: its Pleo accounts and the contra account each is mapped to.

A contra account is "the account in the ERP/accounting system corresponding to each account of the
customer in Pleo" (published `ContraAccount`, example "Pleo GBP Account"): the balance-sheet account
that the other side of every booking of that Pleo account goes to. v3 carries it on every export item
and refuses to serve export items (or create jobs) until every Pleo account has one
(`MISSING_CONTRA_ACCOUNTS`; the reading is in docs/decisions.md).
"""

from uuid import UUID

from pydantic import BaseModel, ConfigDict


class ContraAccount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    name: str
    code: str | None = None
    identifier: str | None = None


class PleoAccount(BaseModel):
    """One of the company's accounts in Pleo (a wallet, one per currency)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    name: str
    currency: str
    contra_account: ContraAccount | None = None


class AccountingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    company_id: UUID
    accounts: tuple[PleoAccount, ...] = ()

    def unmapped_accounts(self) -> list[PleoAccount]:
        return [a for a in self.accounts if a.contra_account is None]

    @property
    def all_mapped(self) -> bool:
        """Every Pleo account has a contra account, and there is at least one: every Pleo company has an
        account (its wallet), so settings without any were never made, not complete."""
        return bool(self.accounts) and not self.unmapped_accounts()

    def contra_account(self, pleo_account_id: UUID) -> ContraAccount | None:
        for account in self.accounts:
            if account.id == pleo_account_id:
                return account.contra_account
        return None
