"""What a Lambda REQUEST authorizer answers API Gateway (functions/authorizer).

A valid credential gets an Allow policy for the whole stage (the result is cached per Authorization
header across routes) and a context naming its companies and scopes; each function checks the scope
its operation needs. An invalid credential raises "Unauthorized" (API Gateway: 401); a valid one
without the required scope is denied (API Gateway: 403). The Export API's authorizer also names the
usage-plan key of the caller's company (`usageIdentifierKey`), by which API Gateway meters and throttles
the company's requests (docs/rate-limits.md).
"""

from typing import Any

from aws_lambda_powertools import Logger

from export_api.auth.principal import AuthenticationFailed, Principal
from export_api.models.caller import Scope
from export_api.observability import record_rejected_credential
from export_api.services.authentication import AuthenticationService


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


def authorize(
    event: dict[str, Any], authentication: AuthenticationService, required_scope: Scope | None, logger: Logger
) -> dict[str, Any]:
    try:
        principal = authentication.authenticate(_authorization_header(event))
    except AuthenticationFailed as error:
        logger.info("credential rejected", extra={"reason": str(error)})
        record_rejected_credential("admin" if required_scope is Scope.ADMIN else "api")
        # API Gateway maps exactly this message to its UNAUTHORIZED (401) response.
        raise Exception("Unauthorized") from None
    allowed = required_scope is None or required_scope.value in principal.scopes
    logger.info("credential accepted", extra={"principal": principal.principal_id, "allowed": allowed})
    policy = _policy(principal, "Allow" if allowed else "Deny", str(event.get("methodArn", "")))
    # API Gateway meters the request by this key's usage plan (the API's key source is AUTHORIZER).
    usage_key = authentication.usage_key(principal) if allowed else None
    if usage_key is not None:
        policy["usageIdentifierKey"] = usage_key
    return policy
