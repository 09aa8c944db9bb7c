"""One DynamoDB request at a time through moto's in-process backend: a measure of the harnesses (the
tests and the benchmarks) only.

moto's DynamoDB backend has no locking. With real threads (the concurrency tests, and Step Functions
executions that moto runs in threads of its own), it breaks the very guarantees the service relies on
(measured with moto 5.2, 50 threads racing on one item, 20 rounds each):
- a conditional UpdateItem let 2-3 writers win in 2 rounds of 20: the condition is checked, then the
  item written, with no lock between the two;
- a conditional TransactWriteItems let 2-3 writers "succeed" in most rounds, one of them losing its
  update silently, and others failed with `RuntimeError: dictionary changed size during iteration`
  (moto deep-copies the tables to roll back, while another thread inserts into them).

DynamoDB itself applies each request atomically, so serializing moto's handling of each request (one
lock around `DynamoHandler.call_action`) is what makes the emulator behave like the service; it does
not order requests any more than DynamoDB does. The production code does not depend on it: it uses
conditional writes and transactions, and the lock only makes moto honour them. The local server
(`make run`) does the same at its HTTP boundary (export_api_local.emulator.SerializedDynamoDB).
"""

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_LOCK = threading.RLock()
_original: dict[str, Any] = {}


def install() -> None:
    """Idempotent. DynamoDB requests never wait on another request, so the lock cannot deadlock."""
    if _original:
        return
    original = DynamoHandler.call_action
    _original["call_action"] = original

    @functools.wraps(original)
    def call_action(self: DynamoHandler) -> Any:
        with _LOCK:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def uninstall() -> None:
    if _original:
        DynamoHandler.call_action = _original.pop("call_action")  # type: ignore[method-assign]


def installed() -> bool:
    return bool(_original)
