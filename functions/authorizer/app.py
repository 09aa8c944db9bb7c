"""The Export API's Lambda REQUEST authorizer: its bearer tokens (audience JWT_AUDIENCE) and API keys
(export_api.auth.authorizer). The admin routes have their own (admin.py)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from export_api.auth.authorizer import authorize
from export_api.bootstrap import AUTHORIZER, GET_ITEM, Function, build
from export_api.observability import get_logger
from export_api.services.authentication import get_authentication

# REQUEST authorizer events carry the request's API Gateway request id: its lines share the correlation id.
logger = get_logger("authorizer")


def _export_api(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return authorize(event, get_authentication(), None, logger)


FUNCTION = Function(
    service="authorizer",
    settings=(AUTHORIZER,),
    step=_export_api,
    # Every request reads its company's usage key (and an API key's record) from the credentials table.
    warm=(GET_ITEM,),
    warm_table="credentials_table_name",
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
    # On the path of every uncached request: its AWS calls (the key set, API keys) are no subsegments.
    trace_aws_calls=False,
)
handler = build(FUNCTION)
