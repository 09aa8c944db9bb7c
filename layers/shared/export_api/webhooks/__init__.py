"""Outbound webhooks: subscriptions' secrets, Standard Webhooks signing, the guarded HTTP client."""
