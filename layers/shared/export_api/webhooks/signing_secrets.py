"""Subscriptions' signing secrets, in the Standard Webhooks form (`whsec_<base64>`).

Apart from signing.py: making a secret needs only the standard library, so the functions that create and
rotate subscriptions do not import `standardwebhooks`, which only the webhook delivery's layer ships.
"""

import base64
import secrets

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh `whsec_<base64>` secret of 256 random bits."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()
