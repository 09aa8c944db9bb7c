"""Resolves an Authorization header to a Principal (bearer JWT or basic API key), and manages keys.

Two audiences, two authenticators: the Export API's accepts its own tokens and API keys; the admin
routes' accepts only tokens minted for the admin audience. A token of one is never valid for the other.
"""

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from export_api.auth.api_keys import MAX_KEY_LENGTH, NewApiKey, generate_api_key, key_id_of
from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.auth.tokens import KNOWN_SCOPES, TokenVerifier
from export_api.models.caller import Scope
from export_api.repositories.credentials import ApiKeyRecord, CredentialsRepository
from export_api.repositories.secrets import read_json_secret
from export_api.settings import Settings, get_settings

_MAX_HEADER_LENGTH = 8192


class AuthenticationService:
    def __init__(self, tokens: TokenVerifier, keys: CredentialsRepository | None) -> None:
        self.tokens = tokens
        # None: API keys are not accepted here (the admin routes).
        self.keys = keys

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization or len(authorization) > _MAX_HEADER_LENGTH:
            raise AuthenticationFailed("missing or oversized Authorization header")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            principal = self.tokens.verify(credential)
            if self.keys is not None and Scope.ADMIN.value in principal.scopes:
                # The admin scope means something only in an admin-audience token (the admin routes).
                scopes = tuple(s for s in principal.scopes if s != Scope.ADMIN.value)
                return Principal(principal.principal_id, principal.company_ids, scopes)
            return principal
        if scheme.lower() == "basic" and credential:
            return self._api_key(credential)
        raise AuthenticationFailed("unsupported Authorization scheme")

    def usage_key(self, principal: Principal) -> str | None:
        """The API Gateway key the principal's requests are metered by: its first company (in id order)
        that has a usage plan. None on the admin routes, and for a principal of no set-up company."""
        if self.keys is None:
            return None
        for company_id in sorted(principal.company_ids):
            record = self.keys.usage_key(company_id)
            if record is not None:
                return record.key_value
        return None

    def _api_key(self, credential: str) -> Principal:
        if self.keys is None:
            raise AuthenticationFailed("API keys are not accepted on this route")
        try:
            key, separator, password = base64.b64decode(credential, validate=True).decode().partition(":")
        except ValueError:
            # binascii.Error (not base64), UnicodeDecodeError (not UTF-8 once decoded) and the ValueError of a
            # credential that is not ASCII to begin with: all the caller's, all a 401.
            raise AuthenticationFailed("malformed basic credential") from None
        if not separator or not key or len(key) > MAX_KEY_LENGTH:
            raise AuthenticationFailed("malformed basic credential: the API key is the user name")
        if password:
            raise AuthenticationFailed(
                "basic credential with a password: send the API key as the user name and an empty password"
            )
        record = self.keys.get(key_id_of(key))
        if record is None or record.revoked_at is not None:
            raise AuthenticationFailed("unknown or revoked API key")
        # An API key never acts as an admin, whatever its record says.
        scopes = tuple(s for s in record.scopes if s in KNOWN_SCOPES and s != Scope.ADMIN.value)
        return Principal(
            principal_id=f"key:{record.key_id}", company_ids=tuple(sorted(record.company_ids)), scopes=scopes
        )


class ApiKeys:
    """Issues and revokes API keys (the credentials CLI)."""

    def __init__(self, keys: CredentialsRepository) -> None:
        self.keys = keys

    def issue(self, company_ids: Sequence[str], scopes: Sequence[str], description: str = "") -> NewApiKey:
        unknown = set(scopes) - KNOWN_SCOPES
        if unknown:
            raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
        if Scope.ADMIN.value in scopes:
            raise ValueError("API keys cannot carry the admin scope: use an admin bearer token")
        key = generate_api_key()
        self.keys.put(
            ApiKeyRecord(
                key_id=key.key_id,
                company_ids=tuple(str(UUID(c)) for c in company_ids),
                scopes=tuple(scopes),
                created_at=datetime.now(UTC),
                description=description,
            )
        )
        return key

    def revoke(self, key_id: str) -> bool:
        return self.keys.revoke(key_id, datetime.now(UTC))


def _key_set_source(settings: Settings) -> Any:
    secret_id = settings.required("jwt_public_keys_arn")

    def read(force: bool) -> Any:
        value = read_json_secret(secret_id, settings.secrets_max_age_seconds, force=force)
        return value if isinstance(value, dict) else {}

    return read


def build_authentication(settings: Settings, admin: bool = False) -> AuthenticationService:
    verifier = TokenVerifier(
        _key_set_source(settings),
        settings.jwt_issuer,
        settings.jwt_admin_audience if admin else settings.jwt_audience,
        timedelta(seconds=settings.jwt_max_lifetime_seconds),
    )
    keys = None if admin else CredentialsRepository(settings.required("credentials_table_name"))
    return AuthenticationService(verifier, keys)


@cache
def get_authentication() -> AuthenticationService:
    return build_authentication(get_settings())


@cache
def get_admin_authentication() -> AuthenticationService:
    return build_authentication(get_settings(), admin=True)


def get_api_keys() -> ApiKeys:
    return ApiKeys(CredentialsRepository(get_settings().required("credentials_table_name")))
