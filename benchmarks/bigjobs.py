"""10. Big jobs: creating a job of 100 to 10,000 entries, and a PUT of 100 items, in modelled time.

Each AWS call costs a fixed 8 ms and moto's own work costs nothing (latency.py): modelled time is the
process's CPU time less moto's, plus 8 ms for each call on the critical path (calls a fan-out makes side
by side overlap, calls made one after another add up). The wall time is shown too: it is mostly moto's.

Requests go through the real Lambda handlers (`export_api_local.apigw`), the lifecycle on Step Functions
as in every in-process section. Between measures the previous job's execution has ended (its job was
started and completed, which abandons nothing), so no workflow step runs beside a measure. The company
and its entries are made before the model is installed: seeding is not measured. moto's tables live in
this process's heap: they are frozen out of the garbage collector before each measure (`gc.freeze`), so
that a collection does not walk them on our time (the service's heap does not hold DynamoDB's tables).

Goals: the largest job (10,000 entries, the most a job takes) created in 2 s of modelled time, a PUT of
100 items in 100 ms (the median of a few PUTs on that job), and no operation above its fewest requests.
The full run draws how creation grows with the job's size in `bigjobs.svg`.
"""

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
from export_api.settings import get_settings

from benchmarks.access import put_body
from benchmarks.api import request
from benchmarks.config import Sizes
from benchmarks.data import Company
from benchmarks.latency import DELAY_SECONDS, LatencyModel, Timing
from benchmarks.meter import Meter
from benchmarks.report import Row, verdict
from export_api_local.stack import ProvisionedStack

SECTION = "10 big jobs"
CREATE_GOAL_SECONDS = 2.0
PUT_GOAL_SECONDS = 0.100
PLOT = Path(__file__).resolve().parent / "bigjobs.svg"
WAIT_SECONDS = 120.0
#: Requests the repositories send side by side (export_api/repositories/fanout.py).
CONCURRENCY = 16


@dataclass(frozen=True)
class Creation:
    entries: int
    timing: Timing

    @property
    def reads(self) -> int:
        return math.ceil(self.entries / 100)

    @property
    def writes(self) -> int:
        return math.ceil(self.entries / 25)

    @property
    def minimum(self) -> int:
        """BatchGetItem (entries exist), GetItem (no unfinished job), BatchWriteItem (items), TransactWriteItems."""
        return self.reads + 1 + self.writes + 1

    @property
    def round_trips(self) -> int:
        """Calls one after another once those that can go side by side do: the latency floor."""
        return math.ceil(self.reads / CONCURRENCY) + 1 + math.ceil(self.writes / CONCURRENCY) + 1 + 1


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def run(meter: Meter, sizes: Sizes, stack: ProvisionedStack) -> list[Row]:
    sizes_ascending = sorted(sizes.bigjob_entries)
    largest = sizes_ascending[-1]
    company = Company.through_api(largest)
    sfn = boto3.client("stepfunctions", region_name=stack.region)
    lookup = meter.lookup
    assert lookup is not None
    jobs_table = get_settings().required("jobs_table_name")

    def wait(what: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workflow did not get there: {what}")
            time.sleep(0.02)

    def status(job_id: str) -> str:
        return str(sfn.describe_execution(executionArn=stack.execution_arn(job_id))["status"])

    def awaiting(job_id: str) -> str | None:
        # Read from moto's backend: no request, no delay.
        job = lookup(jobs_table, {"pk": {"S": f"JOB#{job_id}"}}) or {}
        return str(job["workflowAwaiting"]["S"]) if "workflowAwaiting" in job else None

    def close(job_id: str) -> None:
        # Started, then completed: nothing to abandon, so the execution's end is a few steps.
        for event in ("started", "completed"):
            answer = company.event(job_id, event)
            if answer != 202:
                raise AssertionError(f"{event}: answered {answer}")
        wait("the execution ends", lambda: status(job_id) != "RUNNING")

    model = LatencyModel()
    creations: list[Creation] = []
    puts: list[Timing] = []

    def measure_all() -> None:
        for n in sizes_ascending:
            body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:n]}
            _settle()
            with model.measure() as timing:
                answer = request("POST", "/v1/export-jobs", company.identity, body=body, expect=200)
            creations.append(Creation(n, timing))
            job_id = str(answer.body["data"]["id"])
            if n == largest:
                # The PUTs on the largest job, once its execution waits for it to start (nothing beside them).
                wait("AwaitStart stores its task token", lambda job_id=job_id: awaiting(job_id) == "pending")  # type: ignore[misc]
                for sample in range(sizes.bigjob_put_samples):
                    start = (sample * sizes.put_items) % max(1, n - sizes.put_items + 1)
                    items = put_body(company.entry_ids[start : start + sizes.put_items])
                    _settle()
                    with model.measure() as timing:
                        request("PUT", f"/v3/export-jobs/{job_id}/items", company.identity, body=items, expect=200)
                    puts.append(timing)
            close(job_id)

    # The model counts the calls; the meter's hooks (capacity asked of every call, items looked up) would
    # only add the benchmark's own work to the application's CPU time.
    meter.uninstall()
    try:
        with model.installed(), _frozen_heap():
            measure_all()
    finally:
        meter.install()
    rows = [_creation_row(c, c.entries == largest) for c in creations]
    rows.append(_put_row(puts, sizes.put_items))
    if sizes.bigjob_plot:
        plot(creations, PLOT)
    return rows


@contextmanager
def _frozen_heap() -> Iterator[None]:
    try:
        yield
    finally:
        gc.unfreeze()


def _settle() -> None:
    """What is in the heap now (moto's tables, above all) is left alone by the collections of the measure."""
    gc.collect()
    gc.freeze()


def _creation_row(creation: Creation, goal_applies: bool) -> Row:
    timing = creation.timing
    others = {k.split(":", 1)[1]: v for k, v in timing.calls.items() if not k.startswith("dynamodb:")}
    requests_ok = timing.requests <= creation.minimum and others == {"StartExecution": 1}
    time_ok = timing.modelled <= CREATE_GOAL_SECONDS
    return Row(
        section=SECTION,
        case=f"POST /v1/export-jobs ({creation.entries:,} entries)",
        measured=f"{_seconds(timing.modelled)} modelled (CPU {_seconds(timing.cpu)} + {timing.path_calls} calls "
        f"in a row) · {timing.requests} req +1 StartExecution · wall {_seconds(timing.wall)}",
        reference=f"min {creation.minimum} req, {creation.round_trips} calls in a row",
        ratio=timing.modelled / CREATE_GOAL_SECONDS if goal_applies else None,
        goal=f"≤ {CREATE_GOAL_SECONDS:g} s, ≤ min req" if goal_applies else "≤ min req",
        verdict=verdict(requests_ok and (time_ok or not goal_applies)),
        details={
            "entries": creation.entries,
            "minimum_requests": creation.minimum,
            "fewest_calls_in_a_row": creation.round_trips,
            "delay_seconds": DELAY_SECONDS,
            **timing.as_dict(),
        },
    )


def _put_row(puts: list[Timing], items: int) -> Row:
    modelled = [t.modelled for t in puts]
    median = statistics.median(modelled)
    minimum = 1 + math.ceil(items / 99)
    dynamodb_only = {"dynamodb:BatchGetItem", "dynamodb:TransactWriteItems"}
    requests_ok = all(t.requests <= minimum and set(t.calls) <= dynamodb_only for t in puts)
    middle = sorted(puts, key=lambda t: t.modelled)[len(puts) // 2]
    return Row(
        section=SECTION,
        case=f"PUT /v3/export-jobs/{{jobId}}/items ({items} items)",
        measured=f"{median * 1000:.1f} ms modelled (CPU {middle.cpu * 1000:.1f} + {middle.path_calls} calls in a "
        f"row; median of {len(puts)}, max {max(modelled) * 1000:.1f}) · {max(t.requests for t in puts)} req · "
        f"wall {statistics.median(t.wall for t in puts) * 1000:.0f} ms",
        reference=f"min {minimum} req, {minimum} calls in a row",
        ratio=median / PUT_GOAL_SECONDS,
        goal=f"≤ {PUT_GOAL_SECONDS * 1000:g} ms, ≤ min req",
        verdict=verdict(median <= PUT_GOAL_SECONDS and requests_ok),
        details={"minimum_requests": minimum, "samples": [t.as_dict() for t in puts]},
    )


def plot(creations: list[Creation], path: Path) -> None:
    """Modelled and wall seconds of creation against the job's size, with the latency floor and the goal."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    entries = [c.entries for c in creations]
    # A fixed salt and no date: the same figures draw the same file.
    with matplotlib.rc_context({"svg.hashsalt": "bigjobs", "svg.fonttype": "none"}):
        figure = Figure(figsize=(7, 4.2), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.plot(entries, [c.timing.modelled for c in creations], "o-", label="modelled: CPU + latency")
        axes.plot(entries, [c.timing.cpu for c in creations], "^-", label="of which CPU (less moto's)")
        axes.plot(
            entries,
            [c.timing.latency for c in creations],
            "v-",
            label=f"of which latency ({DELAY_SECONDS * 1000:g} ms a call in a row)",
        )
        axes.plot(entries, [c.timing.wall for c in creations], "s--", label="wall (in-process moto)")
        axes.axhline(CREATE_GOAL_SECONDS, color="grey", linewidth=0.8)
        axes.annotate(
            f"goal at 10,000 entries: {CREATE_GOAL_SECONDS:g} s", (entries[0], CREATE_GOAL_SECONDS), va="bottom"
        )
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("accounting entries in the job")
        axes.set_ylabel("seconds to create the job")
        axes.set_title("POST /v1/export-jobs: time against the job's size")
        axes.grid(True, which="major", linewidth=0.4)
        axes.legend(loc="upper left", fontsize="small")
        figure.savefig(path, format="svg", metadata={"Date": None})
