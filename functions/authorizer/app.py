"""The Export API's Lambda REQUEST authorizer: its bearer tokens (audience JWT_AUDIENCE) and API keys
(export_api.auth.authorizer). The admin routes have their own (admin.py)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from export_api.auth.authorizer import authorize
from export_api.observability import get_logger, instrument
from export_api.services.authentication import get_authentication
from export_api.startup import AUTHORIZER, require_configuration

# REQUEST authorizer events carry the request's API Gateway request id: its lines share the correlation id.
logger = get_logger("authorizer")
require_configuration("authorizer", AUTHORIZER)


def _export_api(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return authorize(event, get_authentication(), None, logger)


# On the path of every uncached request: botocore is not patched for tracing (its calls, the key set
# and API keys, are not subsegments of their own).
handler = instrument(_export_api, "authorizer", correlation_paths.API_GATEWAY_REST, trace_aws_calls=False)
