"""Runs every section in one process, side by side, against moto in-process."""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from moto import mock_aws

from benchmarks import (
    access,
    bigjobs,
    coldstart,
    cost,
    faults,
    package,
    scaling,
    soak,
    startup,
    warm,
    webhooks,
    workflow,
)
from benchmarks.config import Sizes
from benchmarks.credentials import create_secrets
from benchmarks.emulator import faster_moto, idempotent_transactions
from benchmarks.meter import Meter, moto_lookups
from benchmarks.report import Row, document
from export_api_local import moto_lock
from export_api_local.stack import ProvisionedStack

#: The names `python -m benchmarks --only NAME` knows, in the order a full run measures them.
SECTIONS = (
    "requests",
    "workflow",
    "bigjobs",
    "warm",
    "coldstart",
    "scaling",
    "webhooks",
    "faults",
    "cost",
    "size",
    "soak",
    "startup",
)


@contextmanager
def serialized_dynamodb() -> Iterator[None]:
    """moto's DynamoDB one request at a time: the executions' threads write beside the requests."""
    moto_lock.install()
    try:
        yield
    finally:
        moto_lock.uninstall()


def run_all(
    sizes: Sizes, progress: IO[str] | None = None, only: tuple[str, ...] = SECTIONS
) -> tuple[list[Row], dict[str, Any]]:
    started = time.perf_counter()
    rows: list[Row] = []

    def step(name: str) -> None:
        if progress is not None:
            progress.write(f"[{time.perf_counter() - started:6.1f}s] {name}\n")
            progress.flush()

    with mock_aws(), faster_moto(), idempotent_transactions(), serialized_dynamodb():
        create_secrets()
        meter = Meter(*moto_lookups(os.environ["AWS_DEFAULT_REGION"]))
        meter.install()
        try:
            # Each section on tables of its own: moto's Query walks the whole table, so data left by one
            # section would slow the next one's requests (their counts would not change).
            sections: tuple[tuple[str, str, Callable[[ProvisionedStack], list[Row]]], ...] = (
                ("requests", "1 requests and capacity per operation", lambda _: access.run(meter, sizes)),
                (
                    "workflow",
                    "1 the same, lifecycle on Step Functions",
                    lambda stack: workflow.run(meter, sizes, stack),
                ),
                (
                    "bigjobs",
                    "10 big jobs: creation and item updates in modelled time",
                    lambda stack: bigjobs.run(meter, sizes, stack),
                ),
                ("warm", "4 warm requests against the framework's floor", lambda _: warm.run(sizes)),
                (
                    "coldstart",
                    "3 cold start",
                    lambda _: coldstart.run(
                        sizes.cold_runs, sizes.cold_functions, sizes.cold_floor_pairs, sizes.cold_instructions
                    ),
                ),
                ("scaling", "2 scaling (big data seeded into moto)", lambda _: scaling.run(meter, sizes)),
                (
                    "webhooks",
                    "6 webhooks: requests per event, deliveries per second",
                    lambda _: webhooks.run(meter, sizes),
                ),
                (
                    "faults",
                    "7 fault matrix: every AWS call of every write path failed",
                    lambda _: faults.run_section(sizes),
                ),
                ("cost", "11 what a job costs (AWS list prices)", lambda stack: cost.run(meter, sizes, stack)),
            )
            for key, name, section in sections:
                if key not in only:
                    continue
                step(name)
                # Jobs are driven by the state machine, as on AWS. The tables are made and dropped under
                # the names the section's handlers use, once its executions have ended.
                with workflow.lifecycle_on_step_functions() as stack:
                    access.create_tables()
                    try:
                        rows += section(stack)
                        workflow.end_executions(stack, meter)
                    finally:
                        access.drop_tables()
        finally:
            meter.uninstall()
    if sizes.package and "size" in only:
        step("5 package size")
        rows += package.run()
    if "soak" in only:
        # Against `make run`'s server in a process of its own, so outside this process's moto.
        step("8 soak against make run's server")
        rows += soak.run(sizes)
    if sizes.startup_samples and "startup" in only:
        step("9 startup: make run and the pytest fixture")
        rows += startup.run(sizes)
    step("done")
    return rows, document(rows, sizes.as_dict(), time.perf_counter() - started)
