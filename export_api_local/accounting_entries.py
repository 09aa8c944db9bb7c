"""The demo's, the tests' and the benchmarks' accounting entries: the layer's sample entries
(export_api.admin_api.sample_entries), which the deployed test helpers make too."""

from export_api.admin_api.sample_entries import (
    KINDS,
    KINDS_BY_NAME,
    RATES,
    TEAMS,
    USERS,
    WALLET_CURRENCY,
    Entry,
    accounting_entry,
    accounting_settings,
    pleo_account_id,
)

__all__ = [
    "KINDS",
    "KINDS_BY_NAME",
    "RATES",
    "TEAMS",
    "USERS",
    "WALLET_CURRENCY",
    "Entry",
    "accounting_entry",
    "accounting_settings",
    "pleo_account_id",
]
