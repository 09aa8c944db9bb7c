"""`Idempotency-Key` on every POST and PUT, with Stripe's semantics, on Powertools idempotency.

- The first answer to a key is stored and replayed, for the same caller and operation, for 24 hours
  (`IDEMPOTENCY_EXPIRES_AFTER_SECONDS`): a retried request that already took effect is not applied
  twice, and gets the answer the first one got.
- The same key with another request (another body or path) is refused: 422 `IDEMPOTENCY_KEY_REUSED`.
- A request still being processed under the key: 422 `IDEMPOTENCY_KEY_IN_USE` (retry later). A Lambda
  that dies holding the key (a timeout) holds it only until its own deadline: the record's in-progress
  expiry is the invocation's remaining time (`register_lambda_context`), after which the key is free.
- Nothing is stored for a request that fails validation (it is refused before this runs), nor for an
  unexpected failure (5xx: the record is deleted, and a retry runs the request again). Outcomes of the
  operation's own rules (422s) are stored and replayed, like successes.

Records are keyed by a digest of the caller (principal, its companies and its scopes), the operation and
the key: a stored answer is replayed only to the caller that got it first, and one caller's keys never
block another's. The caller's scope and its right to what the request names are checked before the key
is looked up. The request's hash (path and query parameters, body) is checked on every use of the key
(docs/decisions.md).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import TypeAdapter

from export_api.errors import ExportApiError, IdempotencyKeyInUse, IdempotencyKeyReused
from export_api.models.caller import Caller, Scope
from export_api.repositories.idempotency import persistence_layer
from export_api.settings import MissingConfiguration

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

T = TypeVar("T")

# Records' ids are `export-api#<md5 of record_key(...)>`, whichever function serves the operation.
KEY_PREFIX = "export-api"
# Outcomes of the operation's own rules that are stored and replayed like successes.
_STORED_ERROR_STATUSES = frozenset({409, 422})


@dataclass(frozen=True)
class IdempotentRequest:
    """What the HTTP layer passes for a POST or PUT: the client's key (None: not idempotent), the
    request's identifying parts, and the Lambda context (for the in-progress expiry)."""

    key: str | None
    payload: dict[str, Any]
    lambda_context: Any = None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T
    replayed: bool


class StoredError(ExportApiError):
    """An error answer stored under the key: the first time (`replayed` False) and on every replay."""

    def __init__(self, status_code: int, error_type: str, message: str, replayed: bool) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.replayed = replayed


def _mark_replayed(response: Any, idempotent_data: "DataRecord") -> Any:  # noqa: ARG001 (Powertools' signature)
    return {**response, "replayed": True} if isinstance(response, dict) else response


def _execute(request: dict[str, Any], call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The idempotent unit: `request` is hashed (key and payload), `call` runs the service."""
    del request  # only its hash matters, which Powertools takes
    try:
        return {"value": call()}
    except ExportApiError as error:
        if error.status_code not in _STORED_ERROR_STATUSES:
            raise
        return {"error": {"status": error.status_code, "type": error.error_type, "message": error.message}}


class IdempotencyService:
    def __init__(self, table_name: str | None, expires_after_seconds: int) -> None:
        # None: this function has no idempotency table; using a key then fails (MissingConfiguration).
        self.table_name = table_name
        self.expires_after_seconds = expires_after_seconds

    @cached_property
    def config(self) -> "IdempotencyConfig":
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

        return IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            expires_after_seconds=self.expires_after_seconds,
            raise_on_no_idempotency_key=True,
            response_hook=_mark_replayed,
        )

    def _table_name(self) -> str:
        if not self.table_name:
            raise MissingConfiguration("IDEMPOTENCY_TABLE_NAME is not set")
        return self.table_name

    @cached_property
    def _idempotent(self) -> Callable[..., dict[str, Any]]:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function

        run: Callable[..., dict[str, Any]] = idempotent_function(
            _execute,
            data_keyword_argument="request",
            persistence_store=persistence_layer(self._table_name()),
            config=self.config,
            key_prefix=KEY_PREFIX,
        )
        return run

    def run(
        self,
        caller: Caller,
        operation: str,
        request: IdempotentRequest,
        call: Callable[[], T],
        result: TypeAdapter[T],
        *,
        scope: Scope,
        owns: Callable[[], object] | None = None,
    ) -> Outcome[T]:
        """`call()` once per (caller, operation, key); its outcome replayed for the key's lifetime.

        `scope` and `owns` (raises unless the caller may act on what the request names: the company,
        the job) are checked before the key is looked up, so nothing is replayed, nor a key held, for a
        caller the operation would refuse.
        """
        if request.key is None:
            return Outcome(call(), replayed=False)
        caller.require(scope)
        if owns is not None:
            owns()
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if request.lambda_context is not None:
            # The in-progress record expires with this invocation: a timed-out call leaves no stuck key.
            self.config.register_lambda_context(request.lambda_context)
        hashed = {"key": record_key(caller, operation, request.key), "payload": request.payload}
        try:
            stored = self._idempotent(
                request=hashed, call=lambda: result.dump_python(call(), mode="json", by_alias=True)
            )
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {request.key!r} was already used with a different request to this operation; "
                "use a new key for a new request."
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise IdempotencyKeyInUse(
                f"A request with Idempotency-Key {request.key!r} is still being processed; retry it shortly."
            ) from None
        error = stored.get("error")
        if error is not None:
            raise StoredError(
                int(error["status"]), str(error["type"]), str(error["message"]), bool(stored.get("replayed"))
            )
        return Outcome(result.validate_python(stored["value"]), replayed=bool(stored.get("replayed")))


def record_key(caller: Caller, operation: str, key: str) -> str:
    """What a record is keyed by: a digest of who asks (principal, companies, scopes), the operation and
    the client's key, encoded unambiguously (a JSON array: no separator inside a value can collide)."""
    parts = [
        caller.principal_id,
        sorted(str(c) for c in caller.company_ids),
        sorted(caller.scopes),
        operation,
        key,
    ]
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()
