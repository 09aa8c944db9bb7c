"""API keys, sent over HTTP basic the way Pleo documents it: the key is the user name, the password
is empty (`curl -u "$KEY:"`, i.e. `Authorization: Basic base64("<key>:")`).

A key is one opaque string of 256 random bits. Only its SHA-256 digest is stored, and the digest is
the record's key: a lookup by digest reveals nothing a timing attack could use (finding a key from
its digest is a preimage search over 256 bits), so no constant-time comparison is needed. The digest
(hex) is also the key's public id, for revocation and logs.
"""

import hashlib
import secrets
from dataclasses import dataclass

# Makes a leaked key recognisable (secret scanners, logs): "Export API key".
KEY_PREFIX = "eak_"
# The prefix and 43 URL-safe base64 characters; anything much longer is not one of ours.
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class NewApiKey:
    """A key as handed to its owner once: `key` is never stored; `key_id` is its digest."""

    key: str
    key_id: str


def key_id_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_api_key() -> NewApiKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewApiKey(key=key, key_id=key_id_of(key))
