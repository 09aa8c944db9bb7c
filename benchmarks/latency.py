"""DynamoDB's latency, modelled on in-process moto: a fixed delay per AWS call, and moto's own work taken out.

moto answers in-process, one DynamoDB request at a time (`runner.serialized_dynamodb`), with Python that
holds the GIL, on a machine other processes share: the wall time says more about moto and the machine's
load than about the service. The model:

- every AWS call waits `delay` (8 ms) before it is sent: a botocore `before-call` hook on the boto3
  session, as `meter.py` installs its hooks. The waits are real (calls made side by side wait side by
  side, and spread over the fan-out's threads as they would), but the figure counts them by the calls'
  order, not by the clock;
- the process's CPU time counts, less moto's: the CPU time of the thread handling a DynamoDB request in
  moto (`BotocoreStubber.process_request` for a DynamoDB URL: parsing, acting on the tables, writing the
  answer) is moto's; everything else is ours: the application, botocore, the benchmark's hooks, moto's
  Step Functions, garbage collection, thread switches;
- the latency counted is that of the critical path: a call made by the request's own thread adds 8 ms,
  and a fan-out (one `ThreadPoolExecutor`, the repositories' `fanout.py`) adds 8 ms times the most calls
  one of its threads made.

So `modelled = our CPU + 8 ms x the calls on the critical path`. It is an upper bound of the same work on
a machine of its own with DynamoDB 8 ms away: it never lets our CPU overlap a wait, which a real run
does (a thread serializes its next request while others wait for their answers), and it does not depend
on what else the machine runs at the time.
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from export_api.repositories import aws

from benchmarks.meter import session_events

#: What one AWS call costs in the model: DynamoDB's single-digit milliseconds, and a little for the network.
DELAY_SECONDS = 0.008

_MEASURED: ContextVar[bool] = ContextVar("latency_measured", default=False)
# A thread of a ThreadPoolExecutor is named after its pool: `ThreadPoolExecutor-<pool>_<worker>`.
_POOL_THREAD = re.compile(r"^(ThreadPoolExecutor-\d+)_\d+$")


@dataclass(frozen=True)
class Call:
    operation: str
    thread: str


@dataclass
class Timing:
    """One measured block: its modelled seconds and what they are made of, and its AWS calls."""

    wall: float = 0.0
    #: The process's CPU seconds, less moto's DynamoDB work.
    cpu: float = 0.0
    #: moto's CPU seconds on DynamoDB requests (left out).
    moto_cpu: float = 0.0
    #: Calls on the critical path, and the seconds they wait.
    path_calls: int = 0
    latency: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    #: The most calls one thread of each fan-out made, and its threads.
    fan_outs: list[dict[str, int]] = field(default_factory=list)

    @property
    def modelled(self) -> float:
        return self.cpu + self.latency

    @property
    def requests(self) -> int:
        return sum(n for operation, n in self.calls.items() if operation.startswith("dynamodb:"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "modelled_seconds": round(self.modelled, 4),
            "cpu_seconds": round(self.cpu, 4),
            "latency_seconds": round(self.latency, 4),
            "calls_on_critical_path": self.path_calls,
            "moto_cpu_seconds": round(self.moto_cpu, 4),
            "wall_seconds": round(self.wall, 4),
            "dynamodb_requests": self.requests,
            "calls": dict(sorted(self.calls.items())),
            "fan_outs": self.fan_outs,
        }


class LatencyModel:
    """Installed for a block (`installed()`); `measure()` times an operation and counts its calls.

    Calls count when made on behalf of the measured block: a context variable marks it, which follows the
    request into FastAPI's worker thread and the repositories' fan-out threads (each runs in a copy of the
    caller's context), not into moto's Step Functions threads. Every call waits the delay, whoever makes it.
    """

    def __init__(self, delay: float = DELAY_SECONDS) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._moto_cpu = 0.0
        self._calls: list[Call] = []

    def moto_cpu(self) -> float:
        with self._lock:
            return self._moto_cpu

    def _moto(self, process_request: Callable[..., Any]) -> Callable[..., Any]:
        def timed(stubber: Any, request: Any) -> Any:
            if "dynamodb." not in str(request.url):
                return process_request(stubber, request)
            # This thread's CPU only: waiting for moto's lock, or for the GIL, uses none.
            started = time.thread_time()
            try:
                return process_request(stubber, request)
            finally:
                spent = time.thread_time() - started
                with self._lock:
                    self._moto_cpu += spent

        return timed

    def _before(self, model: Any, event_name: str, **_: Any) -> None:
        if _MEASURED.get():
            call = Call(f"{event_name.split('.')[1]}:{model.name}", threading.current_thread().name)
            with self._lock:
                self._calls.append(call)
        time.sleep(self.delay)

    @contextmanager
    def installed(self) -> Iterator["LatencyModel"]:
        from moto.core.botocore_stubber import BotocoreStubber

        events = session_events()
        original = BotocoreStubber.process_request
        BotocoreStubber.process_request = self._moto(original)  # type: ignore[method-assign]
        events.register("before-call", self._before, unique_id="bench-latency")
        # Clients made before carry no hook: the application makes its clients again.
        aws.reset_clients()
        try:
            yield self
        finally:
            events.unregister("before-call", unique_id="bench-latency")
            BotocoreStubber.process_request = original  # type: ignore[method-assign]
            aws.reset_clients()

    @contextmanager
    def measure(self) -> Iterator[Timing]:
        timing = Timing()
        with self._lock:
            first = len(self._calls)
        token = _MEASURED.set(True)
        wall, process, moto = time.perf_counter(), time.process_time(), self.moto_cpu()
        try:
            yield timing
        finally:
            timing.wall = time.perf_counter() - wall
            timing.moto_cpu = self.moto_cpu() - moto
            timing.cpu = time.process_time() - process - timing.moto_cpu
            _MEASURED.reset(token)
            with self._lock:
                calls = self._calls[first:]
            self._count(timing, calls)

    def _count(self, timing: Timing, calls: list[Call]) -> None:
        sequential = 0
        pools: dict[str, dict[str, int]] = {}
        for call in calls:
            timing.calls[call.operation] = timing.calls.get(call.operation, 0) + 1
            pool = _POOL_THREAD.match(call.thread)
            if pool is None:
                sequential += 1
            else:
                threads = pools.setdefault(pool.group(1), {})
                threads[call.thread] = threads.get(call.thread, 0) + 1
        timing.fan_outs = [
            {"calls": sum(threads.values()), "threads": len(threads), "most_calls_in_a_thread": max(threads.values())}
            for threads in pools.values()
        ]
        timing.path_calls = sequential + sum(f["most_calls_in_a_thread"] for f in timing.fan_outs)
        timing.latency = timing.path_calls * self.delay
