"""Lambda REQUEST authorizers: `handler` for the Export API, `admin_handler` for admin routes.

A valid credential gets an Allow policy for the whole stage (the result is cached per
Authorization header across routes) and a context naming its companies and scopes; each function
checks the scope its operation needs. An invalid credential raises "Unauthorized" (API Gateway: 401);
a valid one without the admin scope is denied on admin routes (API Gateway: 403).
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.models.caller import Scope
from export_api.observability import get_logger, instrument
from export_api.services.authentication import get_authentication

# REQUEST authorizer events carry the request's API Gateway request id: its lines share the correlation id.
logger = get_logger("authorizer")


def _authorization_header(event: dict[str, Any]) -> str | None:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "authorization":
            return str(value)
    return None


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path...}
    api, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{api}/{stage}/*/*"


def _policy(principal: Principal, effect: str, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal.principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": _stage_wildcard(method_arn)}],
        },
        "context": principal.context(),
    }


def _authorize(event: dict[str, Any], required_scope: Scope | None) -> dict[str, Any]:
    try:
        principal = get_authentication().authenticate(_authorization_header(event))
    except AuthenticationFailed as error:
        logger.info("credential rejected", extra={"reason": str(error)})
        # API Gateway maps exactly this message to its UNAUTHORIZED (401) response.
        raise Exception("Unauthorized") from None
    allowed = required_scope is None or required_scope.value in principal.scopes
    logger.info("credential accepted", extra={"principal": principal.principal_id, "allowed": allowed})
    return _policy(principal, "Allow" if allowed else "Deny", str(event.get("methodArn", "")))


def _export_api(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return _authorize(event, None)


def _admin(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return _authorize(event, Scope.ADMIN)


# On the path of every uncached request: tracing it does not import botocore at init (its one
# GetItem, for API keys only, is not a subsegment of its own).
handler = instrument(_export_api, "authorizer", correlation_paths.API_GATEWAY_REST, trace_aws_calls=False)
admin_handler = instrument(_admin, "authorizer", correlation_paths.API_GATEWAY_REST, trace_aws_calls=False)
