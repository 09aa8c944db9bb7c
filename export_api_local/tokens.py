"""Minting bearer tokens and making their keys: the credentials CLI's side of `export_api.auth.tokens`,
which holds only what the authorizers verify with. Deployed functions never sign a token."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from export_api.auth.tokens import ALGORITHM


class TokenSigner:
    """Mints tokens with one private key (a JWK with its `kid`): for the credentials CLI and tests."""

    def __init__(self, private_jwk: Mapping[str, Any], issuer: str, audience: str) -> None:
        kid = private_jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise ValueError("the signing key has no kid")
        self.kid = kid
        self._key = jwt.PyJWK.from_dict(dict(private_jwk), algorithm=ALGORITHM).key
        self.issuer = issuer
        self.audience = audience

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
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


def generate_key_pair(kid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new P-256 key pair as JWKs (private, public), both named `kid`."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    private = ec.generate_private_key(ec.SECP256R1())
    private_jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private))
    public_jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    for jwk in (private_jwk, public_jwk):
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return private_jwk, public_jwk
