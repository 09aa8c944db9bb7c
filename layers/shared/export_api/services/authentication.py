"""Resolves an Authorization header to a Principal (bearer JWT or basic API key), and manages keys."""

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from uuid import UUID

from export_api.auth.api_keys import NewApiKey, generate_api_key, hash_secret, secret_matches
from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.auth.tokens import KNOWN_SCOPES, TokenCodec
from export_api.repositories.credentials import ApiKeyRecord, CredentialsRepository
from export_api.settings import Settings, get_settings

_MAX_HEADER_LENGTH = 8192


class AuthenticationService:
    def __init__(self, tokens: TokenCodec, keys: CredentialsRepository) -> None:
        self.tokens = tokens
        self.keys = keys

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization or len(authorization) > _MAX_HEADER_LENGTH:
            raise AuthenticationFailed("missing or oversized Authorization header")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            return self.tokens.verify(credential)
        if scheme.lower() == "basic" and credential:
            return self._api_key(credential)
        raise AuthenticationFailed("unsupported Authorization scheme")

    def _api_key(self, credential: str) -> Principal:
        try:
            key_id, separator, secret = base64.b64decode(credential, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationFailed("malformed basic credential") from None
        if not separator or not key_id or not secret or len(key_id) > 100:
            raise AuthenticationFailed("malformed basic credential")
        record = self.keys.get(key_id)
        matched = secret_matches(secret, record.secret_hash if record else None)
        if record is None or not matched or record.revoked_at is not None:
            raise AuthenticationFailed("unknown, wrong or revoked API key")
        return Principal(principal_id=f"key:{record.key_id}", company_ids=record.company_ids, scopes=record.scopes)

    def issue_api_key(self, company_ids: Sequence[str], scopes: Sequence[str], description: str = "") -> NewApiKey:
        unknown = set(scopes) - KNOWN_SCOPES
        if unknown:
            raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
        key = generate_api_key()
        self.keys.put(
            ApiKeyRecord(
                key_id=key.key_id,
                secret_hash=hash_secret(key.secret),
                company_ids=tuple(str(UUID(c)) for c in company_ids),
                scopes=tuple(scopes),
                created_at=datetime.now(UTC),
                description=description,
            )
        )
        return key

    def revoke_api_key(self, key_id: str) -> bool:
        return self.keys.revoke(key_id, datetime.now(UTC))


def build_authentication(settings: Settings) -> AuthenticationService:
    return AuthenticationService(
        TokenCodec(settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience),
        CredentialsRepository(settings.credentials_table_name),
    )


@cache
def get_authentication() -> AuthenticationService:
    return build_authentication(get_settings())
