"""3. Cold start: a fresh interpreter imports a function's handler and serves its first request, against a
bare Powertools `APIGatewayRestResolver` app (benchmarks/baseline/) serving the same route with the same
DynamoDB requests, in the same run, runs interleaved.

The ratio is of CPU time (import + first request, every thread of the process): on a shared machine the
wall time of the same work varies with what else runs, the CPU time much less. Wall times are kept too.

Where valgrind is installed, each function's import and first request are also counted in instructions
executed (cachegrind), once for ours and once for what it is compared with: a figure the machine's load does
not move, where CPU time on a shared machine moves by a fifth from run to run. Instructions are not time
(a cache miss costs more than an add), but a ratio of them says the same about our code as the CPU ratio.

Both talk HTTP to a moto server in this process (sharing the in-process backend and its data), as a
Lambda function talks to DynamoDB over the network. The path of a child is laid out as on Lambda: the
function's code directory and the layer's directory, nothing else of the project.
"""

import gc
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export_api.settings import get_settings
from moto.server import ThreadedMotoServer

from benchmarks.api import event_for
from benchmarks.credentials import signer
from benchmarks.data import Company
from benchmarks.report import ROOT, Row, verdict

SECTION = "3 cold start"
#: Against the bare Powertools app.
GOAL = 1.3
#: Against the bare FastAPI + Mangum app with the same routes, and the authorizer against its
#: bare PyJWT baseline.
FLOOR_GOAL = 1.20
AUTHORIZER_GOAL = 1.5
#: CPU milliseconds of the first request after import: init does what it can.
FIRST_REQUEST_GOAL_MS = 15.0
CHILD = ROOT / "benchmarks" / "coldstart_child.py"
LAYER = ROOT / "layers" / "shared"
BASELINE = ROOT / "benchmarks" / "baseline"
SNAPSTART_RUNTIME = ROOT / "benchmarks" / "snapstart_runtime"
#: Cold start samples per run: ours, the Powertools baseline, the FastAPI floor, ours with SnapStart.
PER_RUN = 4
#: Counts the instructions a process executes; None: not installed, those rows are left out.
VALGRIND = shutil.which("valgrind")
COUNTER = (str(VALGRIND), "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
#: Frames of the child's `_deeper` in one of CPython's 16 KiB frame-stack chunks (3.11: 120 bytes each,
#: measured). Run k of n imports `k * DEPTH_SPAN // n` frames deeper, the same for all of that run's
#: processes: together the runs start at depths spread over one chunk, where one fixed depth would favour
#: whichever app's calls happen to cross a chunk's edge less often from there.
DEPTH_SPAN = 136
#: Instruction counts per function: ours and what it is compared with (after the timed runs' events; each
#: takes an event of its own, as a job event closes its job).
COUNTED = 2

Events = tuple[dict[str, Any], dict[str, Any]]


@dataclass(frozen=True)
class Target:
    function: str
    request: str
    code: Path
    attribute: str
    baseline_module: str
    baseline_attribute: str
    #: Run index -> (first event, second event).
    events: Callable[[int], Events]
    #: Bare FastAPI + Mangum apps with the same routes, serving the same request (attribute
    #: `baseline_attribute`): the framework's own floor (None: not measured).
    floor_module: str | None = None


@dataclass
class Sample:
    import_ms: float
    first_ms: float
    second_ms: float
    import_cpu_ms: float
    first_cpu_ms: float
    wall_ms: float
    modules: int
    #: With SnapStart (the runtime's hooks run): CPU of the before-snapshot hooks (the rest of what the
    #: snapshot holds) and of the after-restore hooks (paid by every restored environment).
    before_snapshot_cpu_ms: float = 0.0
    after_restore_cpu_ms: float = 0.0
    #: The import and first request's CPU split: the process's own, the kernel's for it; the pages faulted in.
    user_cpu_ms: float = 0.0
    system_cpu_ms: float = 0.0
    minor_faults: int = 0
    #: Frames deeper than the child's own that the import started at (DEPTH_SPAN).
    depth: int = 0

    @property
    def total_ms(self) -> float:
        return self.import_ms + self.first_ms

    @property
    def total_cpu_ms(self) -> float:
        return self.import_cpu_ms + self.first_cpu_ms


def _child(
    paths: list[Path],
    module: str,
    attribute: str,
    function: str,
    events: Events,
    env: dict[str, str],
    snapstart: bool = False,
    depth: int = 0,
) -> Sample:
    spec = json.dumps(
        {"event": events[0], "second": events[1], "function": function, "snapstart": snapstart, "depth": depth}
    )
    if snapstart:
        # Lambda's runtime module that takes the hooks, and the variable Lambda sets for a SnapStart init.
        paths = [SNAPSTART_RUNTIME, *paths]
        env = {**env, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(CHILD), module, attribute],
        input=spec,
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)},
        check=False,
        timeout=120,
    )
    wall = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise RuntimeError(f"{module}.{attribute} failed to start:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if not 200 <= figures["status"] < 300:
        raise RuntimeError(f"{module}.{attribute} answered {figures['status']}:\n{result.stdout[-2000:]}")
    return Sample(
        figures["import_ms"],
        figures["first_ms"],
        figures["second_ms"],
        figures["import_cpu_ms"],
        figures["first_cpu_ms"],
        wall,
        figures["modules"],
        figures["before_snapshot_cpu_ms"],
        figures["after_restore_cpu_ms"],
        figures["user_cpu_ms"],
        figures["system_cpu_ms"],
        figures["minor_faults"],
        depth,
    )


def _instructions(
    paths: list[Path],
    module: str,
    attribute: str,
    function: str,
    events: Events,
    env: dict[str, str],
) -> float:
    """Millions of instructions a fresh interpreter executes to import the handler and serve its first
    request: a child stopped after its first request, less one stopped before the import (the interpreter's
    own start), neither paying for the interpreter's shutdown."""
    counts = []
    for stop in ("before_import", "after_first"):
        spec = json.dumps({"event": events[0], "second": events[1], "function": function, "stop": stop})
        result = subprocess.run(
            [*COUNTER, sys.executable, str(CHILD), module, attribute],
            input=spec,
            capture_output=True,
            text=True,
            # The same string hashes in every run: the count does not move with the hash seed.
            env={**env, "PYTHONPATH": os.pathsep.join(str(p) for p in paths), "PYTHONHASHSEED": "0"},
            check=False,
            timeout=900,
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
        if result.returncode != 0 or found is None:
            raise RuntimeError(f"{module}.{attribute} failed under valgrind:\n{result.stderr[-3000:]}")
        counts.append(int(found.group(1).replace(",", "")))
    return (counts[1] - counts[0]) / 1e6


def import_profile(paths: list[Path], module: str, env: dict[str, str], top: int = 10) -> dict[str, float]:
    """Milliseconds of import (self time, `python -X importtime`) per top-level package, largest first."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)},
        check=False,
        timeout=120,
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(parts[0]) / 1000
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    return {name: round(ms, 1) for name, ms in ranked[:top]}


def _targets(events: int) -> dict[str, Target]:
    company = Company.through_api(3)
    me = company.identity
    job = company.create_job(company.entry_ids)
    # A job per process for the events, each of its own company (one unfinished export per company).
    owners = [Company.through_api(1) for _ in range(events)]

    def same(method: str, path: str, query: dict[str, Any] | None = None) -> Callable[[int], Events]:
        def events(_: int) -> Events:
            event = event_for(method, path, me, query)[1]
            return event, event

        return events

    def job_event(run: int) -> Events:
        # Made as its process is about to start: pending when the first request comes, however long the
        # section has run.
        owner = owners[run]
        body = {"jobId": owner.create_job(owner.entry_ids), "event": "started"}
        first = event_for("POST", "/v3/export-job-events", owner.identity, body=body)[1]
        second = event_for("POST", "/v3/export-job-events", owner.identity, body={**body, "event": "completed"})[1]
        return first, second

    def authorizer(_: int) -> Events:
        # Minted as its process is about to start: never near its expiry, however long the section has run.
        token = signer().mint("benchmark", [company.company_id], ["export-jobs:read"])
        event = {
            "type": "REQUEST",
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/api/GET/v3/export-jobs",
            "resource": "/v3/export-jobs",
            "path": "/v3/export-jobs",
            "httpMethod": "GET",
            "headers": {"Authorization": f"Bearer {token}"},
        }
        return event, event

    functions = ROOT / "functions"
    found = [
        Target(
            "ExportJobsFunction",
            "GET /v3/export-jobs/{jobId}",
            functions / "export_jobs",
            "handler",
            "powertools_app",
            "export_jobs",
            same("GET", f"/v3/export-jobs/{job}"),
            floor_module="fastapi_app",
        ),
        Target(
            "ExportJobEventsFunction",
            "POST /v3/export-job-events",
            functions / "export_job_events",
            "handler",
            "powertools_app",
            "export_job_events",
            job_event,
            floor_module="fastapi_app",
        ),
        Target(
            "ExportItemsFunction",
            "GET /v3/export-items?job_id=",
            functions / "export_items",
            "handler",
            "powertools_app",
            "export_items",
            same("GET", "/v3/export-items", {"job_id": job, "limit": "50"}),
            floor_module="fastapi_app",
        ),
        Target(
            "AdminFunction",
            "GET /health",
            functions / "admin",
            "handler",
            "powertools_app",
            "admin",
            same("GET", "/health"),
            floor_module="fastapi_app",
        ),
        Target(
            "AuthorizerFunction",
            "bearer JWT",
            functions / "authorizer",
            "handler",
            "jwt_authorizer",
            "handler",
            authorizer,
        ),
    ]
    return {t.function: t for t in found}


def _median(samples: list[Sample], field: str) -> float:
    return float(statistics.median(getattr(s, field) for s in samples))


def _paired_ratio(ours: list[Sample], reference: list[Sample]) -> float:
    """The median of each run's ratio: a run's two processes start one after the other, so they share the
    machine's load of that moment, which drifts over a whole run on a shared machine."""
    return float(statistics.median(_pair_ratios(ours, reference)))


def _pair_ratios(ours: list[Sample], reference: list[Sample]) -> list[float]:
    return sorted(o.total_cpu_ms / r.total_cpu_ms for o, r in zip(ours, reference, strict=True))


def _split(samples: list[Sample]) -> str:
    cpu, imported, first = (_median(samples, f) for f in ("total_cpu_ms", "import_cpu_ms", "first_cpu_ms"))
    system = _median(samples, "system_cpu_ms")
    return (
        f"{cpu:.0f} ms CPU (import {imported:.0f} + 1st {first:.0f}; kernel {system:.0f}); "
        f"wall {_median(samples, 'total_ms'):.0f}"
    )


def _snapstart_row(name: str, samples: list[Sample], on_demand_cpu_ms: float) -> Row:
    """What a SnapStart snapshot would hold (the init's CPU: import, then the before-snapshot hooks), and
    what a restored environment still pays (the after-restore hooks, then the first request)."""
    held = _median(samples, "import_cpu_ms") + _median(samples, "before_snapshot_cpu_ms")
    restore, first = _median(samples, "after_restore_cpu_ms"), _median(samples, "first_cpu_ms")
    return Row(
        section=SECTION,
        case=f"{name} with SnapStart (runtime hooks run as Lambda would)",
        measured=f"snapshot holds {held:.0f} ms of init CPU; a restore pays {restore:.0f} (hooks) + {first:.0f} (1st)",
        reference=f"on-demand {on_demand_cpu_ms:.0f} ms CPU",
        ratio=(restore + first) / on_demand_cpu_ms,
        goal="info",
        verdict="restored / on-demand",
        details={
            "samples": [vars(s) for s in samples],
            "median_snapshot_init_cpu_ms": held,
            "median_before_snapshot_cpu_ms": _median(samples, "before_snapshot_cpu_ms"),
            "median_after_restore_cpu_ms": restore,
            "median_first_cpu_ms": first,
            "note": "CPU of the restore itself (Lambda loading the snapshot) is not measurable here",
        },
    )


def _depth(index: int, count: int) -> int:
    """Where run `index` of `count` starts: the runs together cover one frame-stack chunk (DEPTH_SPAN)."""
    return index * DEPTH_SPAN // count


def run(runs: int, functions: tuple[str, ...], floor_pairs: int = 0, instructions: bool = True) -> list[Row]:
    """`runs` runs of every process per function; against the floor, `floor_pairs` pairs in all (at least
    `runs`: the extra ones run ours and the floor only); `instructions`: the valgrind rows too, where
    valgrind is installed."""
    extra_pairs = max(0, floor_pairs - runs)
    targets = _targets(PER_RUN * runs + 2 * extra_pairs + COUNTED)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = child_environment(f"http://{host}:{port}")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    rows = []
    # This process's moto server answers the processes' requests. A full collection of what the sections
    # before left (tens of millions of objects after section 1: moto keeps every item a transaction backed
    # up) holds it for longer than their read timeout (5 s); frozen, those are not traversed.
    gc.freeze()
    try:
        for name in functions:
            target = targets[name]
            ours: list[Sample] = []
            base: list[Sample] = []
            floor: list[Sample] = []
            snapshot: list[Sample] = []
            for index in range(runs):
                # Interleaved, alternating which goes first, so both see the same machine.
                runs_in_order = [
                    (ours, [target.code, LAYER], "app", target.attribute, PER_RUN * index),
                    (base, [BASELINE], target.baseline_module, target.baseline_attribute, PER_RUN * index + 1),
                    (snapshot, [target.code, LAYER], "app", target.attribute, PER_RUN * index + 3),
                ]
                if target.floor_module:
                    floor_run = (floor, [BASELINE], target.floor_module, target.baseline_attribute, PER_RUN * index + 2)
                    runs_in_order.append(floor_run)
                if index % 2:
                    runs_in_order.reverse()
                depth = _depth(index, runs)
                for samples, paths, module, attribute, event_index in runs_in_order:
                    events = target.events(event_index)
                    snapstart = samples is snapshot
                    samples.append(_child(paths, module, attribute, name, events, env, snapstart, depth))
            against_floor, floor_again = list(ours), list(floor)
            for extra in range(extra_pairs if target.floor_module else 0):
                # More pairs against the floor alone: its goal is the tightest, and a shared machine's
                # noise moves one pair's ratio by up to 0.3.
                pair = [(against_floor, [target.code, LAYER], "app", target.attribute)]
                pair.append((floor_again, [BASELINE], str(target.floor_module), target.baseline_attribute))
                if extra % 2:
                    pair.reverse()
                for offset, (samples, paths, module, attribute) in enumerate(pair):
                    events = target.events(PER_RUN * runs + 2 * extra + offset)
                    samples.append(
                        _child(paths, module, attribute, name, events, env, False, _depth(extra, extra_pairs))
                    )
            # CPU time: the machine is shared (other processes inflate wall time, differently from run to run).
            total, base_total = _median(ours, "total_cpu_ms"), _median(base, "total_cpu_ms")
            ratio = _paired_ratio(ours, base)
            goal = AUTHORIZER_GOAL if name == "AuthorizerFunction" else GOAL
            # Every process of ours that served a first request on demand (with the extra pairs: 36).
            first = _median(against_floor, "first_cpu_ms")
            rows.append(
                Row(
                    section=SECTION,
                    case=f"{name} ({target.request})",
                    measured=_split(ours),
                    reference=_split(base),
                    ratio=ratio,
                    goal=f"≤ {goal}",
                    verdict=verdict(ratio <= goal),
                    details={
                        "runs": runs,
                        "ours": [vars(s) for s in ours],
                        "baseline": [vars(s) for s in base],
                        "median_total_cpu_ms": total,
                        "median_baseline_total_cpu_ms": base_total,
                        "ratio_of_medians": total / base_total,
                        "median_total_ms": _median(ours, "total_ms"),
                        "median_baseline_total_ms": _median(base, "total_ms"),
                        "wall_ratio": _median(ours, "total_ms") / _median(base, "total_ms"),
                        "median_wall_ms": _median(ours, "wall_ms"),
                        "median_baseline_wall_ms": _median(base, "wall_ms"),
                        "median_second_ms": _median(ours, "second_ms"),
                        "median_baseline_second_ms": _median(base, "second_ms"),
                        "import_ms_by_package": import_profile([target.code, LAYER], "app", env),
                        "baseline_import_ms_by_package": import_profile([BASELINE], target.baseline_module, env),
                    },
                )
            )
            rows.append(
                Row(
                    section=SECTION,
                    case=f"{name}: first request after import, CPU",
                    measured=f"{first:.1f} ms",
                    reference=f"baseline {_median(base, 'first_cpu_ms'):.1f} ms",
                    goal=f"≤ {FIRST_REQUEST_GOAL_MS:.0f} ms",
                    verdict=verdict(first <= FIRST_REQUEST_GOAL_MS),
                    details={"first_cpu_ms": [s.first_cpu_ms for s in against_floor]},
                )
            )
            rows.append(_snapstart_row(name, snapshot, total))
            if floor:
                floor_total = _median(floor_again, "total_cpu_ms")
                floor_ratio = _paired_ratio(against_floor, floor_again)
                pair_ratios = _pair_ratios(against_floor, floor_again)
                rows.append(
                    Row(
                        section=SECTION,
                        case=f"{name} against bare FastAPI + Mangum, same routes (the framework's floor)",
                        measured=_split(against_floor),
                        reference=_split(floor_again),
                        ratio=floor_ratio,
                        goal=f"≤ {FLOOR_GOAL}",
                        verdict=verdict(floor_ratio <= FLOOR_GOAL),
                        details={
                            "pairs": len(floor_again),
                            "ours": [vars(s) for s in against_floor],
                            "floor": [vars(s) for s in floor_again],
                            "median_total_cpu_ms": floor_total,
                            "ratio_of_medians": _median(against_floor, "total_cpu_ms") / floor_total,
                            # The middle half of the pairs' ratios: how far one pair's figure can be trusted.
                            "pair_ratio_quartiles": [
                                pair_ratios[len(pair_ratios) // 4],
                                pair_ratios[-1 - len(pair_ratios) // 4],
                            ],
                            "floor_against_powertools": floor_total / base_total,
                            "median_system_cpu_ms": _median(against_floor, "system_cpu_ms"),
                            "floor_median_system_cpu_ms": _median(floor_again, "system_cpu_ms"),
                        },
                    )
                )
            if VALGRIND and instructions:
                rows.extend(_instructions_rows(target, name, env, PER_RUN * runs + 2 * extra_pairs))
    finally:
        server.stop()
        gc.unfreeze()
    return rows


def child_environment(endpoint: str) -> dict[str, str]:
    """The environment of a cold start process: this one's, less Python's and pytest's, with the
    function's configuration and AWS at `endpoint`."""
    settings = get_settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "COV_"))}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "JOBS_TABLE_NAME": settings.required("jobs_table_name"),
            "ITEMS_TABLE_NAME": settings.required("items_table_name"),
            "CREDENTIALS_TABLE_NAME": settings.required("credentials_table_name"),
            "CURSOR_SECRET_ARN": settings.required("cursor_secret_arn"),
            "JWT_PUBLIC_KEYS_ARN": settings.required("jwt_public_keys_arn"),
            "JWT_ISSUER": settings.jwt_issuer,
            "JWT_AUDIENCE": settings.jwt_audience,
            # As deployed (template.yaml): INFO logs, metrics on, tracing off outside Lambda.
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_METRICS_DISABLED": "false",
            # Set by Lambda in an execution environment: the functions create their AWS clients and warm
            # them at init (export_api.bootstrap), as they do on Lambda. The baselines ignore it.
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        }
    )
    return env


def _instructions_rows(target: Target, name: str, env: dict[str, str], event_index: int) -> list[Row]:
    """Ours against the framework's floor (the authorizer: against its bare PyJWT baseline), counted."""
    against, reference_module = (
        ("the floor", target.floor_module)
        if target.floor_module
        else (
            "its baseline",
            target.baseline_module,
        )
    )
    ours = _instructions([target.code, LAYER], "app", target.attribute, name, target.events(event_index), env)
    reference = _instructions(
        [BASELINE], reference_module, target.baseline_attribute, name, target.events(event_index + 1), env
    )
    ratio = ours / reference
    goal = AUTHORIZER_GOAL if name == "AuthorizerFunction" else FLOOR_GOAL
    return [
        Row(
            section=SECTION,
            case=f"{name}: instructions executed by the import and first request, against {against}",
            measured=f"{ours:.0f} M",
            reference=f"{reference:.0f} M",
            ratio=ratio,
            goal=f"≤ {goal}",
            verdict=verdict(ratio <= goal),
            details={"instructions_millions": ours, "reference_instructions_millions": reference},
        )
    ]
