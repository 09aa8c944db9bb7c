"""The optional `Idempotency-Key` header of every POST and PUT (services/idempotency.py), and the one way a
route makes its write safe to retry: `idempotent_write_of` (or the dependency `IdempotentWriteDep`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import StringConstraints, TypeAdapter

from export_api.http.params import CallerDep, validated
from export_api.http.services import ServicesDep
from export_api.models.caller import Caller, Scope
from export_api.services.container import Services
from export_api.services.idempotency import IdempotentRequest

T = TypeVar("T")

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
# Set on an answer replayed from an earlier request with the same key (as Stripe does).
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII, 1-255 characters, no leading or trailing space: a UUID v4 is the usual choice.
_KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"

_KEY: TypeAdapter[str] = TypeAdapter(Annotated[str, StringConstraints(pattern=_KEY_PATTERN)])


@dataclass(frozen=True)
class IdempotentWrite:
    """A POST or PUT with its optional key, and the caller whose key it is."""

    request: Request
    caller: Caller
    services: Services
    key: str | None

    def run(
        self,
        operation: str,
        body: Any,
        call: Callable[[], T],
        result: TypeAdapter[T],
        respond: Callable[[T], Response],
        *,
        scope: Scope,
        owns: Callable[[], object] | None = None,
    ) -> Response:
        """`call()` once per (caller, operation, key), its answer `respond(value)`; a retry with the key gets
        the stored value, answered the same way, with `Idempotent-Replayed: true`.

        `operation` is the same in every version of the API; `body` is the JSON body as sent (None if the
        operation takes none): with the path and query parameters it identifies the request the key was
        first used with. `scope` and `owns` (raises unless the caller may act on what the request names) are checked
        before the key is looked up (services/idempotency.py).
        """
        payload = {"path": dict(self.request.path_params), "body": body}
        if self.request.query_params:
            payload["query"] = sorted(self.request.query_params.multi_items())
        request = IdempotentRequest(
            key=self.key,
            payload=payload,
            # Mangum's Lambda context: a key held by an invocation that times out is freed at its deadline.
            lambda_context=self.request.scope.get("aws.context"),
        )
        outcome = self.services.idempotency.run(self.caller, operation, request, call, result, scope=scope, owns=owns)
        response = respond(outcome.value)
        if outcome.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return response


async def idempotent_write(request: Request, caller: CallerDep, services: ServicesDep) -> IdempotentWrite:
    """A dependency: `idempotent_write_of(request, caller, services)`."""
    return idempotent_write_of(request, caller, services)


def idempotent_write_of(request: Request, caller: Caller, services: Services) -> IdempotentWrite:
    # Read, not declared (http/params.py): the job events function declares no parameter at all.
    given = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    key = None if given is None else validated(_KEY, given, "header", IDEMPOTENCY_KEY_HEADER)
    return IdempotentWrite(request, caller, services, key)


IdempotentWriteDep = Annotated[IdempotentWrite, Depends(idempotent_write)]
