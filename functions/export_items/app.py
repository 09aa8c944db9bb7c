"""ExportItemsFunction: /vN/export-items."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.export_items import export_items_router
from export_api.versions import VERSIONS

app = create_app("Export items", [export_items_router(version) for version in VERSIONS])
handler = lambda_handler(app, service="export-items")
