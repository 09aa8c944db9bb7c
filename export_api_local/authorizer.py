"""Runs a route's Lambda REQUEST authorizer the way API Gateway does, before the integration.

The authorizer gets the request's headers and a method ARN; an "Unauthorized" error becomes
API Gateway's UNAUTHORIZED response (401), a policy that does not allow the method ARN becomes
ACCESS_DENIED (403), and an Allow puts the policy's context into requestContext.authorizer.
"""

import fnmatch
import importlib
import json
from dataclasses import dataclass
from typing import Any

from export_api_local.template import Route, function_handler_path, gateway_response

ACCOUNT = "123456789012"
REGION = "eu-west-1"
API_ID = "local"


@dataclass(frozen=True)
class Authorized:
    """What an Allow gives API Gateway: the context for requestContext.authorizer, and the usage-plan key
    the request is metered by (`usageIdentifierKey`, None if the authorizer named none)."""

    context: dict[str, Any]
    usage_key: str | None = None


@dataclass(frozen=True)
class GatewayDenial:
    status: int
    body: str
    headers: dict[str, str]


def method_arn(route: Route, path: str, stage: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{stage}/{route.method}{path}"


def _allows(policy: dict[str, Any], arn: str) -> bool:
    allowed = False
    for statement in policy.get("policyDocument", {}).get("Statement", []):
        resources = statement.get("Resource", [])
        matched = any(fnmatch.fnmatchcase(arn, r) for r in ([resources] if isinstance(resources, str) else resources))
        if matched and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matched and statement.get("Effect") == "Allow")
    return allowed


def authorize(route: Route, event: dict[str, Any]) -> Authorized | GatewayDenial | None:
    """What the authorizer allowed, a denial to send instead, or None for a public route."""
    if route.authorizer_function is None:
        return None
    module, attribute = function_handler_path(route.authorizer_function)
    handler = getattr(importlib.import_module(module), attribute)
    arn = method_arn(route, event["path"], event["requestContext"]["stage"])
    request = {
        "type": "REQUEST",
        "methodArn": arn,
        "resource": event["resource"],
        "path": event["path"],
        "httpMethod": event["httpMethod"],
        "headers": event["headers"],
        "multiValueHeaders": event["multiValueHeaders"],
        "queryStringParameters": event["queryStringParameters"],
        "multiValueQueryStringParameters": event["multiValueQueryStringParameters"],
        "pathParameters": event["pathParameters"],
        "stageVariables": event["stageVariables"],
        "requestContext": {k: v for k, v in event["requestContext"].items() if k != "authorizer"},
    }
    if not any(k.lower() == "authorization" for k in event["headers"]):
        # API Gateway answers 401 itself when the identity source header is missing.
        return GatewayDenial(*gateway_response("UNAUTHORIZED"))
    try:
        policy = handler(request, None)
    except Exception as error:
        if str(error) == "Unauthorized":
            return GatewayDenial(*gateway_response("UNAUTHORIZED"))
        raise
    if not _allows(policy, arn):
        return GatewayDenial(*gateway_response("ACCESS_DENIED"))
    key = policy.get("usageIdentifierKey")
    return Authorized({"principalId": policy["principalId"], **policy.get("context", {})}, str(key) if key else None)


def denial_response(denial: GatewayDenial) -> dict[str, Any]:
    return {"statusCode": denial.status, "headers": denial.headers, "body": json.dumps(json.loads(denial.body))}
