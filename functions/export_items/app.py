"""ExportItemsFunction: /vN/export-items."""

from export_api.http.app import create_app, lambda_handler
from export_api.http.export_items import export_items_router
from export_api.startup import CURSORS, TABLES, prepare_services, rehearse_reads, require_configuration
from export_api.versions import VERSIONS

require_configuration("export-items", TABLES, CURSORS)
prepare_services("export_items")
rehearse_reads("export-items", "get_item", "query", "batch_get_item")

app = create_app("Export items", [export_items_router(version) for version in VERSIONS])
handler = lambda_handler(app, service="export-items")
