"""Credentials table: one record per API key, `pk = KEY#<keyId>`, the key id being the SHA-256 digest
of the key (auth/api_keys.py); the key itself is never stored. And one record per company that has a
usage plan, `pk = USAGE#<companyId>`: the API Gateway key its requests are metered by (never shown to
the company; only the authorizer hands it to API Gateway)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from export_api.repositories import aws


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    company_ids: tuple[str, ...]
    scopes: tuple[str, ...]
    created_at: datetime
    description: str = ""
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class UsageKeyRecord:
    company_id: str
    key_id: str
    key_value: str
    tier: str
    created_at: datetime


class CredentialsRepository:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def _table(self) -> Any:
        return aws.table(self.table_name)

    def put(self, record: ApiKeyRecord) -> None:
        self._table.put_item(
            Item={
                "pk": f"KEY#{record.key_id}",
                "keyId": record.key_id,
                # Empty sets are not allowed in DynamoDB; lists are.
                "companyIds": list(record.company_ids),
                "scopes": list(record.scopes),
                "createdAt": record.created_at.isoformat(),
                "description": record.description,
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get(self, key_id: str) -> ApiKeyRecord | None:
        item = self._table.get_item(Key={"pk": f"KEY#{key_id}"}).get("Item")
        if not item:
            return None
        return ApiKeyRecord(
            key_id=str(item["keyId"]),
            company_ids=tuple(str(c) for c in item.get("companyIds", [])),
            scopes=tuple(str(s) for s in item.get("scopes", [])),
            created_at=datetime.fromisoformat(str(item["createdAt"])),
            description=str(item.get("description", "")),
            revoked_at=datetime.fromisoformat(str(item["revokedAt"])) if item.get("revokedAt") else None,
        )

    def revoke(self, key_id: str, at: datetime) -> bool:
        """Mark a key revoked; False if there is no such key."""
        try:
            self._table.update_item(
                Key={"pk": f"KEY#{key_id}"},
                UpdateExpression="SET revokedAt = if_not_exists(revokedAt, :at)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":at": at.isoformat()},
            )
        except aws.dynamodb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def usage_key(self, company_id: str) -> UsageKeyRecord | None:
        item = self._table.get_item(Key={"pk": f"USAGE#{company_id}"}, ConsistentRead=True).get("Item")
        if not item:
            return None
        return UsageKeyRecord(
            company_id=company_id,
            key_id=str(item["keyId"]),
            key_value=str(item["keyValue"]),
            tier=str(item["tier"]),
            created_at=datetime.fromisoformat(str(item["createdAt"])),
        )

    def put_usage_key(self, record: UsageKeyRecord) -> bool:
        """Store a company's first usage key; False if it has one already (a concurrent setup won)."""
        try:
            self._table.put_item(
                Item={
                    "pk": f"USAGE#{record.company_id}",
                    "keyId": record.key_id,
                    "keyValue": record.key_value,
                    "tier": record.tier,
                    "createdAt": record.created_at.isoformat(),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except aws.dynamodb().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def set_usage_tier(self, company_id: str, tier: str, previous: str) -> bool:
        """Record the company's new tier; False if its tier is no longer `previous` (a concurrent change)."""
        try:
            self._table.update_item(
                Key={"pk": f"USAGE#{company_id}"},
                UpdateExpression="SET tier = :tier",
                ConditionExpression="tier = :previous",
                ExpressionAttributeValues={":tier": tier, ":previous": previous},
            )
        except aws.dynamodb().exceptions.ConditionalCheckFailedException:
            return False
        return True
