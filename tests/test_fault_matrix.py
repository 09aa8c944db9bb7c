"""The fault matrix (benchmarks/faults.py) on every write path: each AWS call the path makes, found by
recording them, answered by a lost response (applied, then no answer: the hardest of the four faults,
since a retry repeats what already took effect); after botocore's retries, the client's retry with the
same Idempotency-Key and reconcile, every invariant holds. Webhook publish and delivery: the first call
of each operation (their later calls repeat it for the next transition or message), each event then
delivered at least once. The other three faults of every call, and every call of the webhook paths, are
`python -m benchmarks --only faults` (minutes: beyond this suite's budget).

Every cell survives: nothing is lost, and no request is left answering "retry later" (422
IDEMPOTENCY_KEY_IN_USE), a lost answer to the write of the key's own idempotency record included."""

from collections.abc import Iterator

import pytest

from benchmarks import faults
from benchmarks.emulator import idempotent_transactions

# Each path's every call, each lost in turn: seconds a test.
pytestmark = pytest.mark.slow


@pytest.fixture
def injector(tables: None) -> Iterator[faults.Injector]:
    with idempotent_transactions(), faults.installed() as injector:
        yield injector


@pytest.mark.parametrize("path", faults.PATHS, ids=[p.name for p in faults.PATHS])
def test_every_call_of_the_path_survives_a_lost_response(injector: faults.Injector, path: faults.Path) -> None:
    cells = list(faults.matrix((path,), ("lost response",)))
    assert cells, f"{path.name} makes no AWS call"
    assert [c.call for c in cells if not c.reached] == []
    assert {(c.call, tuple(c.outcome.violations)) for c in cells if c.outcome.violations} == set()
    assert {c.call: c.outcome.deferred for c in cells if c.outcome.deferred} == {}


@pytest.mark.parametrize("path", faults.WEBHOOK_PATHS, ids=[p.name for p in faults.WEBHOOK_PATHS])
def test_every_webhook_event_is_delivered_through_a_lost_response_of_each_operation(
    injector: faults.Injector, path: faults.Path
) -> None:
    with faults.webhooks():
        cells = list(faults.matrix((path,), ("lost response",), each_operation_once=True))
    assert cells, f"{path.name} makes no AWS call"
    assert [c.call for c in cells if not c.reached] == []
    assert {(c.call, tuple(c.outcome.violations)) for c in cells if c.outcome.violations} == set()
    assert {c.call: c.outcome.deferred for c in cells if c.outcome.deferred} == {}
