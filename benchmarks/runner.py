"""Runs every section in one process, side by side, against moto in-process."""

import os
import time
from typing import IO, Any

from moto import mock_aws

from benchmarks import access, coldstart, package, scaling, warm
from benchmarks.config import Sizes
from benchmarks.emulator import single_table_backup
from benchmarks.meter import Meter, moto_lookups
from benchmarks.report import Row, document


def run_all(sizes: Sizes, progress: IO[str] | None = None) -> tuple[list[Row], dict[str, Any]]:
    started = time.perf_counter()
    rows: list[Row] = []

    def step(name: str) -> None:
        if progress is not None:
            progress.write(f"[{time.perf_counter() - started:6.1f}s] {name}\n")
            progress.flush()

    with mock_aws(), single_table_backup():
        meter = Meter(*moto_lookups(os.environ["AWS_DEFAULT_REGION"]))
        meter.install()
        try:
            access.create_tables()
            step("1 requests and capacity per operation")
            rows += access.run(meter, sizes)
            step("4 warm request overhead")
            rows += warm.run(sizes)
            step("3 cold start")
            rows += coldstart.run(sizes.cold_runs, sizes.cold_functions)
            step("2 scaling (seeding big data)")
            rows += scaling.run(meter, sizes)
        finally:
            access.drop_tables()
            meter.uninstall()
    if sizes.package:
        step("5 package size")
        rows += package.run()
    step("done")
    return rows, document(rows, sizes.as_dict(), time.perf_counter() - started)
