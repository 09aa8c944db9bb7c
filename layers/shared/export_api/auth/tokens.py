"""Bearer tokens: ES256 JWTs with a `kid`, carrying the caller's companies (`companies`) and scopes
(`scope`).

The authorizers hold only public keys: a key set (JWKS) read from Secrets Manager at run time, with
more than one key while a rotation overlaps (README, "Rotating keys"). The private key is used only
where tokens are minted (the credentials CLI, export_api_local/tokens.py). A token must name a key of
the set, carry `iat`, `exp`, `iss`, `aud` and `sub`, and live at most `JWT_MAX_LIFETIME_SECONDS`
(`exp - iat`), whoever signed it.
"""

import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt

from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.models.caller import Scope

ALGORITHM = "ES256"
KNOWN_SCOPES = frozenset(s.value for s in Scope)
LEEWAY_SECONDS = 30
# An unknown `kid` re-reads the key set at most this often: a key published moments ago is found,
# and a flood of made-up kids cannot turn every request into a Secrets Manager call.
_REFRESH_INTERVAL_SECONDS = 60.0

JsonKeySet = Mapping[str, Any]
# Reads the JWKS; `force` bypasses the cache.
KeySetSource = Callable[[bool], JsonKeySet]


class TokenVerifier:
    def __init__(
        self, key_set: KeySetSource, issuer: str, audience: str, max_lifetime: timedelta = timedelta(hours=24)
    ) -> None:
        self._key_set = key_set
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime
        self._refreshed_at = float("-inf")

    def _public_key(self, kid: str) -> Any:
        for force in (False, True):
            if force:
                if time.monotonic() - self._refreshed_at < _REFRESH_INTERVAL_SECONDS:
                    break
                self._refreshed_at = time.monotonic()
            for key in self._key_set(force).get("keys", []):
                if isinstance(key, Mapping) and key.get("kid") == kid:
                    return jwt.PyJWK.from_dict(dict(key), algorithm=ALGORITHM).key
        raise AuthenticationFailed("invalid bearer token: unknown key id")

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise AuthenticationFailed(f"invalid bearer token: {type(error).__name__}") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str) or not kid:
            raise AuthenticationFailed(f"invalid bearer token: {ALGORITHM} with a kid is required")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_key(kid),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as error:
            # The reason (expired, bad signature, wrong audience) is safe to log; the token is not.
            raise AuthenticationFailed(f"invalid bearer token: {type(error).__name__}") from None
        issued_at, expires_at = claims["iat"], claims["exp"]
        if not isinstance(issued_at, int | float) or not isinstance(expires_at, int | float):
            raise AuthenticationFailed("invalid bearer token: iat and exp must be numbers")
        if expires_at - issued_at > self.max_lifetime.total_seconds():
            raise AuthenticationFailed(f"invalid bearer token: lives longer than {self.max_lifetime}")
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        companies = claims.get("companies", [])
        scope = claims.get("scope", "")
        subject = claims["sub"]
        if not isinstance(companies, list) or not isinstance(scope, str) or not isinstance(subject, str):
            raise AuthenticationFailed("invalid bearer token: malformed sub, companies or scope claim")
        try:
            company_ids = tuple(sorted(str(UUID(str(c))) for c in companies))
        except ValueError:
            raise AuthenticationFailed("invalid bearer token: a company id is not a uuid") from None
        scopes = tuple(s for s in scope.split() if s in KNOWN_SCOPES)
        return Principal(principal_id=f"token:{subject}", company_ids=company_ids, scopes=scopes)
