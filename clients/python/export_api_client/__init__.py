"""A typed Python client for the Export API (Pleo's published Export API v32.1.0)."""

from export_api_client import errors, models
from export_api_client._version import __version__
from export_api_client.aio import AsyncExportApiClient
from export_api_client.client import ExportApiClient
from export_api_client.operations import MAX_ITEMS_PER_UPDATE, ItemUpdateResult
from export_api_client.retry import RetryPolicy
from export_api_client.webhooks import verify_webhook

__all__ = [
    "MAX_ITEMS_PER_UPDATE",
    "AsyncExportApiClient",
    "ExportApiClient",
    "ItemUpdateResult",
    "RetryPolicy",
    "__version__",
    "errors",
    "models",
    "verify_webhook",
]
