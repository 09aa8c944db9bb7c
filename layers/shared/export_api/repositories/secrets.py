"""Secrets Manager, read at run time through Powertools parameters and cached per function instance
(`SECRETS_MAX_AGE_SECONDS`): a rotated secret is picked up without a deploy, and the value is never in
the function's environment (where `lambda:GetFunctionConfiguration` would show it)."""

from typing import Any

from export_api.repositories import aws


def read_secret(secret_id: str, max_age: int, force: bool = False) -> str:
    value = aws.secrets_provider().get(secret_id, max_age=max_age, force_fetch=force)
    return value.decode() if isinstance(value, bytes) else str(value)


def read_json_secret(secret_id: str, max_age: int, force: bool = False) -> Any:
    return aws.secrets_provider().get(secret_id, max_age=max_age, transform="json", force_fetch=force)
