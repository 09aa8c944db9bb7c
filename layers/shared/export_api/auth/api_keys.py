"""API keys for HTTP basic auth: the key id is the user name, the secret the password.

Secrets are 256 random bits, so a SHA-256 digest is a sufficient one-way hash (no dictionary to
attack); only the digest is stored, and digests are compared in constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_ID_PREFIX = "key_"


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret: str


def generate_api_key() -> NewApiKey:
    return NewApiKey(key_id=KEY_ID_PREFIX + secrets.token_hex(10), secret=secrets.token_urlsafe(32))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Compared against when the key id is unknown, so a miss costs the same as a wrong secret.
_UNKNOWN_KEY_HASH = hash_secret(secrets.token_urlsafe(32))


def secret_matches(secret: str, stored_hash: str | None) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash or _UNKNOWN_KEY_HASH) and stored_hash is not None
