"""The admin routes' Lambda REQUEST authorizer: only bearer tokens minted for the admin audience
(JWT_ADMIN_AUDIENCE), with the admin scope. No API keys: an Export API credential is never an admin's."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from export_api.auth.authorizer import authorize
from export_api.bootstrap import ADMIN_AUTHORIZER, Function, build
from export_api.models.caller import Scope
from export_api.observability import get_logger
from export_api.services.authentication import get_admin_authentication

logger = get_logger("authorizer")


def _admin(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return authorize(event, get_admin_authentication(), Scope.ADMIN, logger)


FUNCTION = Function(
    service="authorizer",
    settings=(ADMIN_AUTHORIZER,),
    step=_admin,
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
    trace_aws_calls=False,
)
admin_handler = build(FUNCTION)
