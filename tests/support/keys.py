"""The test session's token keys and secrets, made fresh for each session (nothing is checked in).

conftest puts them in moto's Secrets Manager under the names the settings point to; tests mint tokens
with `signer()` exactly as the credentials CLI does with a deployed stack's key.
"""

import json
import secrets
from typing import Any

from export_api.settings import get_settings

from export_api_local.tokens import TokenSigner, generate_key_pair

KID = "tests-1"
PRIVATE_JWK, PUBLIC_JWK = generate_key_pair(KID)
CURSOR_SECRET_NAME = "test-cursor-secret"
PUBLIC_KEYS_NAME = "test-jwt-public-keys"
CREDENTIALS_TABLE = "test-credentials"


def signer(admin: bool = False, private_jwk: dict[str, Any] | None = None) -> TokenSigner:
    settings = get_settings()
    audience = settings.jwt_admin_audience if admin else settings.jwt_audience
    return TokenSigner(private_jwk or PRIVATE_JWK, settings.jwt_issuer, audience)


def create_secrets(client: Any) -> None:
    """The secrets the functions read at run time, in moto's Secrets Manager."""
    client.create_secret(Name=CURSOR_SECRET_NAME, SecretString=secrets.token_urlsafe(36))
    client.create_secret(Name=PUBLIC_KEYS_NAME, SecretString=json.dumps({"keys": [PUBLIC_JWK]}))


def publish(client: Any, *public_jwks: dict[str, Any]) -> None:
    """Replace the published public keys (a rotation)."""
    client.put_secret_value(SecretId=PUBLIC_KEYS_NAME, SecretString=json.dumps({"keys": list(public_jwks)}))
