"""The optional `Idempotency-Key` header of every POST and PUT (services/idempotency.py)."""

from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import Response

from export_api.services.idempotency import IdempotentRequest, Outcome

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Set on an answer replayed from an earlier request with the same key (as Stripe does).
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII, 1-255 characters, no leading or trailing space: a UUID v4 is the usual choice.
_KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_KEY_HEADER,
        pattern=_KEY_PATTERN,
        description="Makes the request safe to retry: the first answer to a key is replayed for 24 hours.",
    ),
]


def idempotent_request(request: Request, key: str | None, body: Any) -> IdempotentRequest:
    """The key, what identifies the request (path parameters and JSON body, as sent), and the Lambda
    context Mangum put in the ASGI scope."""
    return IdempotentRequest(
        key=key,
        payload={"path": dict(request.path_params), "body": body},
        lambda_context=request.scope.get("aws.context"),
    )


def answered(response: Response, outcome: Outcome[Any]) -> Response:
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response
