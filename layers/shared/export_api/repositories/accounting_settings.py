"""A company's accounting settings, one record in the items table: `pk = SETTINGS#<companyId>`, `sk = accounting`."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from export_api.models.accounting_settings import AccountingSettings
from export_api.repositories import aws

SETTINGS_FORMAT = 1


class AccountingSettingsRecord(BaseModel):
    """The settings as stored: keys, the body's format, and the body as JSON text."""

    model_config = ConfigDict(frozen=True)

    pk: str
    sk: str = "accounting"
    format: int = SETTINGS_FORMAT
    settings: str

    @staticmethod
    def key(company_id: UUID) -> dict[str, str]:
        return {"pk": f"SETTINGS#{company_id}", "sk": "accounting"}

    @classmethod
    def of(cls, settings: AccountingSettings) -> "AccountingSettingsRecord":
        return cls(pk=cls.key(settings.company_id)["pk"], settings=settings.model_dump_json())

    def to_domain(self) -> AccountingSettings:
        if self.format != SETTINGS_FORMAT:
            raise ValueError(f"Accounting settings record {self.pk} has unknown format {self.format}.")
        return AccountingSettings.model_validate_json(self.settings)


class AccountingSettingsRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    def get(self, company_id: UUID) -> AccountingSettings | None:
        record = self._table.get_item(Key=AccountingSettingsRecord.key(company_id), ConsistentRead=True).get("Item")
        return settings_of(record) if record else None

    def put(self, settings: AccountingSettings) -> None:
        """Replace the company's settings whole (last write wins, as for a PUT)."""
        self._table.put_item(Item=AccountingSettingsRecord.of(settings).model_dump())


def settings_of(record: dict[str, Any]) -> AccountingSettings:
    """The settings a stored record holds (as the repositories read it: numbers are Decimals)."""
    return AccountingSettingsRecord.model_validate({**record, "format": int(record["format"])}).to_domain()
