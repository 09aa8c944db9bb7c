"""The caller, as API Gateway's authorizer put it in the request context.

The authorizer returns primitives only, so `companyIds` is comma-separated and `scopes`
space-separated (the OAuth convention).
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from export_api.errors import Unauthorized
from export_api.models.caller import Caller

_UNAUTHORIZED = (
    "A valid bearer token or API key is required; an API key goes in HTTP basic as the user name, "
    "with an empty password."
)


def caller_from_event(event: dict[str, Any]) -> Caller:
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    principal = context.get("principalId")
    if not principal:
        raise Unauthorized(_UNAUTHORIZED)
    try:
        companies = frozenset(UUID(c) for c in str(context.get("companyIds") or "").split(",") if c)
    except ValueError:
        raise Unauthorized(_UNAUTHORIZED) from None
    scopes = frozenset(str(context.get("scopes") or "").split())
    return Caller(principal_id=str(principal), company_ids=companies, scopes=scopes)


async def get_caller(request: Request) -> Caller:
    return caller_from_event(request.scope.get("aws.event") or {})


CallerDep = Annotated[Caller, Depends(get_caller)]
