"""The chart of accounts: which Beancount account books each account the Export API names.

A TOML file (see connector/examples/chart-of-accounts.toml):

    payable = "Liabilities:AccountsPayable"      # vendor payables: <payable>:<vendor code>
    [accounts]                                  # an account's code (or identifier) -> Beancount account
    "6100" = "Expenses:Meals"
    "5820" = "Assets:Pleo:DKK"

An expense, tax or contra account with no entry here makes the item fail with `account_unknown`.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Beancount's rules for account names: a root type, then components starting with a capital or a digit.
_ACCOUNT = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")
_COMPONENT_JUNK = re.compile(r"[^A-Za-z0-9-]+")


class ChartError(ValueError):
    pass


def check_account(name: str) -> str:
    if not _ACCOUNT.match(name):
        raise ChartError(
            f"{name!r} is not a Beancount account name: Assets|Liabilities|Equity|Income|Expenses, then "
            "':'-separated components starting with a capital letter or a digit (e.g. Expenses:Meals)"
        )
    return name


def component(text: str) -> str:
    """Any text as one account component (a vendor's code or name): 'Figma Inc.' -> 'Figma-Inc'."""
    cleaned = _COMPONENT_JUNK.sub("-", text).strip("-")
    if not cleaned:
        return "Unknown"
    return cleaned[0].upper() + cleaned[1:] if cleaned[0].isalpha() else cleaned


@dataclass(frozen=True)
class Chart:
    accounts: dict[str, str] = field(default_factory=dict)
    payable: str = "Liabilities:AccountsPayable"

    @classmethod
    def load(cls, path: Path) -> "Chart":
        try:
            raw: dict[str, Any] = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ChartError(f"cannot read the chart of accounts {path}: {error}") from error
        accounts = raw.get("accounts", {})
        if not isinstance(accounts, dict) or not all(isinstance(v, str) for v in accounts.values()):
            raise ChartError(f"{path}: [accounts] maps account codes to Beancount account names (strings)")
        return cls(
            {str(k): check_account(v) for k, v in accounts.items()}, check_account(raw.get("payable", cls.payable))
        )

    def lookup(self, *keys: str | None) -> str | None:
        """The Beancount account of the first key the chart knows (code, then identifier, then id)."""
        for key in keys:
            if key and key in self.accounts:
                return self.accounts[key]
        return None

    def vendor_payable(self, vendor_key: str) -> str:
        return f"{self.payable}:{component(vendor_key)}"

    def opened(self) -> list[str]:
        return sorted({*self.accounts.values()})
