"""ExportItemsFunction: /vN/export-items."""

from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import BATCH_GET_ITEM, CURSORS, GET_ITEM, QUERY, TABLES, Function, build
from export_api.http.app import HttpApi
from export_api.http.export_items import export_items_router
from export_api.services.container import building
from export_api.versions import VERSIONS

FUNCTION = Function(
    service="export-items",
    settings=(TABLES, CURSORS),
    api=HttpApi(title="Export items", routers=tuple(export_items_router(version) for version in VERSIONS)),
    services=building(lambda s: (s.export_items,)),
    warm=(GET_ITEM, QUERY, BATCH_GET_ITEM),
    # The current version's models are built with its routes; an earlier version's by its first request.
    before_snapshot=tuple(version.build_export_items for version in VERSIONS),
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
)
handler = build(FUNCTION)
