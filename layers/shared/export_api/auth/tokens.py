"""Bearer tokens: HS256 JWTs carrying the caller's companies (`companies`) and scopes (`scope`)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.models.caller import Scope

ALGORITHM = "HS256"
KNOWN_SCOPES = frozenset(s.value for s in Scope)


class TokenCodec:
    def __init__(self, secret: str, issuer: str, audience: str) -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience

    def verify(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.PyJWTError as error:
            # The reason (expired, bad signature, wrong audience) is safe to log; the token is not.
            raise AuthenticationFailed(f"invalid bearer token: {type(error).__name__}") from None
        companies = claims.get("companies", [])
        scope = claims.get("scope", "")
        if not isinstance(companies, list) or not isinstance(scope, str):
            raise AuthenticationFailed("invalid bearer token: malformed companies or scope claim")
        try:
            company_ids = tuple(str(UUID(str(c))) for c in companies)
        except ValueError:
            raise AuthenticationFailed("invalid bearer token: a company id is not a uuid") from None
        scopes = tuple(s for s in scope.split() if s in KNOWN_SCOPES)
        return Principal(principal_id=f"token:{claims['sub']}", company_ids=company_ids, scopes=scopes)

    def mint(
        self,
        subject: str,
        company_ids: Sequence[str],
        scopes: Sequence[str],
        ttl: timedelta = timedelta(hours=1),
        now: datetime | None = None,
    ) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "exp": issued + ttl,
            "companies": [str(UUID(c)) for c in company_ids],
            "scope": " ".join(scopes),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)
