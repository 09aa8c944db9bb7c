"""API Gateway's API keys and usage plans: a company's key, and which plan meters it."""

from typing import Any

from export_api.repositories import aws


class UsagePlansRepository:
    @property
    def _client(self) -> Any:
        return aws.client("apigateway")

    def create_key(self, name: str, value: str, description: str) -> str:
        """A new enabled API key with this value; its id."""
        response = self._client.create_api_key(name=name, value=value, enabled=True, description=description)
        return str(response["id"])

    def delete_key(self, key_id: str) -> None:
        self._client.delete_api_key(apiKey=key_id)

    def attach(self, plan_id: str, key_id: str) -> None:
        """Meter the key by the plan (attaching it again changes nothing)."""
        try:
            self._client.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
        except self._client.exceptions.ConflictException:
            return

    def plans_of(self, key_id: str) -> list[str]:
        """The ids of the plans that meter the key."""
        pages = self._client.get_paginator("get_usage_plans").paginate(keyId=key_id)
        return [str(plan["id"]) for page in pages for plan in page.get("items", [])]

    def detach(self, plan_id: str, key_id: str) -> None:
        self._client.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
