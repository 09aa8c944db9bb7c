"""Outbound webhooks: Standard Webhooks signing and the guarded HTTP client that delivers them."""
