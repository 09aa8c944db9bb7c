"""Runs in a fresh interpreter: import one handler module, serve its first request, then a second.

    python coldstart_child.py MODULE ATTRIBUTE < {"event": ..., "second": ..., "function": ..., "snapstart": bool}

Prints the timings as JSON. Imports nothing but the standard library before the handler module, so the
import time is the handler's own.

With `"stop": "before_import"` or `"stop": "after_first"` it exits there, printing nothing: run under an
instruction counter (benchmarks/coldstart.py, `_instructions`), the difference of the two is what the
import and the first request execute.

With `"depth": N` the import and the requests run N frames deeper. CPython keeps its frames on a stack
of 16 KiB chunks that it maps and unmaps as calls cross a chunk's edge: code that keeps calling across an
edge pays a system call pair and fresh pages each time, so the same code costs more or less depending on
the depth it starts at (see benchmarks/README.md, "Where a process's frames start").
"""

import time

_STARTED = time.perf_counter()
_STARTED_CPU = time.process_time()

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:123456789012:function:{function_name}"
        self.aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def _status(response: Any) -> int:
    if isinstance(response, dict) and "statusCode" in response:
        return int(response["statusCode"])
    return 200 if isinstance(response, dict) and "policyDocument" in response else 0


def _deeper(frames: int, then: Callable[[], None]) -> None:
    if frames:
        _deeper(frames - 1, then)
    else:
        then()


def _cpu_split() -> tuple[float, float, int]:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime, used.ru_stime, used.ru_minflt


def main() -> None:
    spec = json.loads(sys.stdin.read())
    _deeper(int(spec.get("depth", 0)), lambda: _serve(spec))


def _serve(spec: dict[str, Any]) -> None:
    module_name, attribute = sys.argv[1], sys.argv[2]
    context = Context(spec["function"])
    stop = spec.get("stop")
    if stop == "before_import":
        # Without the interpreter's shutdown (its own cost, larger the more a process holds).
        os._exit(0)
    before_import, before_import_cpu = time.perf_counter(), time.process_time()
    user_before, system_before, faults_before = _cpu_split()
    handler = getattr(importlib.import_module(module_name), attribute)
    imported, imported_cpu = time.perf_counter(), time.process_time()
    before_snapshot_cpu = after_restore_cpu = 0.0
    if spec.get("snapstart"):
        # As Lambda does with SnapStart: the before-snapshot hooks end the init (what the snapshot holds);
        # a restore runs the after-restore hooks, then the first request. Measured apart from the import.
        runtime = importlib.import_module("snapshot_restore_py")
        for hook in runtime.before:
            hook()
        after_before = time.process_time()
        before_snapshot_cpu = (after_before - imported_cpu) * 1000
        for hook in runtime.after:
            hook()
        after_restore_cpu = (time.process_time() - after_before) * 1000
        imported, imported_cpu = time.perf_counter(), time.process_time()
    first = handler(spec["event"], context)
    served, served_cpu = time.perf_counter(), time.process_time()
    user_after, system_after, faults_after = _cpu_split()
    if stop == "after_first":
        if not 200 <= _status(first) < 300:
            raise SystemExit(f"the first request answered {_status(first)}")
        os._exit(0)
    second = handler(spec.get("second") or spec["event"], context)
    again = time.perf_counter()
    print(
        json.dumps(
            {
                "startup_ms": (before_import - _STARTED) * 1000,
                "import_ms": (imported - before_import) * 1000,
                "first_ms": (served - imported) * 1000,
                "second_ms": (again - served) * 1000,
                # CPU time of the process (every thread): what the work costs, whatever else the machine runs.
                "import_cpu_ms": (imported_cpu - before_import_cpu) * 1000,
                "first_cpu_ms": (served_cpu - imported_cpu) * 1000,
                "before_snapshot_cpu_ms": before_snapshot_cpu,
                "after_restore_cpu_ms": after_restore_cpu,
                # The import and the first request's CPU, in the process and in the kernel for it (system
                # calls, page faults: not in an instruction count), and the pages it faulted in.
                "user_cpu_ms": (user_after - user_before) * 1000,
                "system_cpu_ms": (system_after - system_before) * 1000,
                "minor_faults": faults_after - faults_before,
                "status": _status(first),
                "second_status": _status(second),
                "modules": len(sys.modules),
            }
        )
    )


if __name__ == "__main__":
    main()
