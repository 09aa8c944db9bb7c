"""The bearer tokens' keys in Secrets Manager: the private key that signs (`JwtSigningKey`, one P-256
JWK with its kid) and the public key set the authorizers verify with (`JwtPublicKeys`, a JWKS).

Rotation with overlap: `rotate` publishes the new public key next to the current ones, then makes the
new private key the signing key. Tokens signed with the previous key keep verifying until the operator
`retire`s it, once the longest token lifetime (24 h by default) has passed since the rotation.
"""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from export_api.settings import Settings

from export_api_local.tokens import TokenSigner, generate_key_pair


class SigningKeyMissing(Exception):
    pass


def new_kid() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@dataclass
class SigningKeys:
    client: Any  # a boto3 Secrets Manager client
    signing_key_id: str
    public_keys_id: str

    def _read(self, secret_id: str) -> Any:
        return json.loads(self.client.get_secret_value(SecretId=secret_id)["SecretString"])

    def _write(self, secret_id: str, value: Any) -> None:
        self.client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))

    def public_keys(self) -> list[dict[str, Any]]:
        keys = self._read(self.public_keys_id).get("keys", [])
        return [k for k in keys if isinstance(k, dict)]

    def current_kid(self) -> str | None:
        kid = self._read(self.signing_key_id).get("kid")
        return str(kid) if kid else None

    def rotate(self, kid: str | None = None) -> str:
        """A new signing key; the public keys keep the previous ones. Returns the new kid."""
        kid = kid or new_kid()
        private_jwk, public_jwk = generate_key_pair(kid)
        keys = [k for k in self.public_keys() if k.get("kid") != kid]
        # Published first: a token signed with the new key must find its public key.
        self._write(self.public_keys_id, {"keys": [*keys, public_jwk]})
        self._write(self.signing_key_id, private_jwk)
        return kid

    def retire(self, kid: str) -> bool:
        """Remove a public key (tokens signed with it stop working). Never the current signing key."""
        if kid == self.current_kid():
            raise ValueError(f"{kid} is the current signing key: rotate first, retire it after the overlap")
        keys = self.public_keys()
        remaining = [k for k in keys if k.get("kid") != kid]
        if len(remaining) == len(keys):
            return False
        self._write(self.public_keys_id, {"keys": remaining})
        return True

    def signer(self, settings: Settings, admin: bool = False) -> TokenSigner:
        private_jwk = self._read(self.signing_key_id)
        if not private_jwk.get("kid"):
            raise SigningKeyMissing(
                f"{self.signing_key_id} holds no signing key yet: run `credentials rotate-signing-key` first"
            )
        audience = settings.jwt_admin_audience if admin else settings.jwt_audience
        return TokenSigner(private_jwk, settings.jwt_issuer, audience)


def configured_signing_keys(client: Any = None) -> SigningKeys:
    """The key secrets named by JWT_SIGNING_KEY_ARN and JWT_PUBLIC_KEYS_ARN (a deployed stack's outputs),
    else `make run`'s local ones, through AWS_ENDPOINT_URL and the usual AWS credentials."""
    import boto3

    from export_api_local.emulator import secret_name

    return SigningKeys(
        client or boto3.client("secretsmanager"),
        os.environ.get("JWT_SIGNING_KEY_ARN") or secret_name("JwtSigningKey"),
        os.environ.get("JWT_PUBLIC_KEYS_ARN") or secret_name("JwtPublicKeys"),
    )
