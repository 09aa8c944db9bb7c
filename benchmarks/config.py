"""What a benchmark run measures, and how big: the full run (`make bench`) and a tiny one (the smoke test)."""

import os
from dataclasses import asdict, dataclass
from typing import Any

FUNCTIONS = (
    "ExportJobsFunction",
    "ExportJobEventsFunction",
    "ExportItemsFunction",
    "AdminFunction",
    "AuthorizerFunction",
)

# Settings are read once per process: the environment is set before any application module is imported.
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "benchmark",
    "AWS_SECRET_ACCESS_KEY": "benchmark",
    "JOBS_TABLE_NAME": "bench-jobs",
    "ITEMS_TABLE_NAME": "bench-items",
    "CREDENTIALS_TABLE_NAME": "bench-credentials",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    # Secrets Manager names: made in moto for each run (benchmarks/credentials.py).
    "CURSOR_SECRET_ARN": "bench-cursor-secret",
    "JWT_PUBLIC_KEYS_ARN": "bench-jwt-public-keys",
    "POWERTOOLS_SERVICE_NAME": "export-api-bench",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_NAMESPACE": "ExportApiBench",
    # Metrics go to stdout as EMF records; the table goes there too.
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def set_environment() -> None:
    """Defaults for a benchmark process (a test process keeps the values its conftest set)."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)


@dataclass(frozen=True)
class Sizes:
    #: Accounting entries per job created through POST /v1/export-jobs (10,000: the largest job accepted).
    create_entries: tuple[int, ...] = (1_000, 10_000)
    #: Items in one PUT /vN/export-jobs/{jobId}/items.
    put_items: int = 100
    #: Section 10: jobs created in modelled time (their entries), PUTs of `put_items` timed on the largest,
    #: and whether the run draws benchmarks/bigjobs.svg (the quick run leaves the committed plot alone).
    bigjob_entries: tuple[int, ...] = (100, 300, 1_000, 3_000, 10_000)
    bigjob_put_samples: int = 5
    bigjob_plot: bool = True
    #: Items of the jobs whose pages are compared, and jobs of the companies whose lists are compared.
    small_job: int = 1_000
    big_job: int = 100_000
    small_company: int = 10
    big_company: int = 10_000
    item_page: int = 50
    job_page: int = 5
    #: Fresh processes per function (and as many for the baseline).
    cold_runs: int = 9
    #: Pairs of fresh processes, ours and the framework's floor (the first `cold_runs` from those runs).
    cold_floor_pairs: int = 36
    cold_functions: tuple[str, ...] = FUNCTIONS
    #: The instruction rows (valgrind: a minute of CPU per function).
    cold_instructions: bool = True
    #: Section 4: requests per operation (each of ours beside the floor's), the job's items, and job events
    #: (each needs a pending job of a company of its own).
    warm_requests: int = 100
    warm_items: int = 100
    warm_events: int = 60
    #: Webhook messages delivered to measure WebhookDeliveryFunction's rate (section 6).
    webhook_messages: int = 500
    #: Install the layer's requirements for arm64 to measure it (needs the package index).
    package: bool = True
    #: The soak against `make run`'s server (section 8): seconds of load and integrators (one company each).
    #: SOAK_SECONDS and SOAK_INTEGRATORS in the environment override them.
    soak_seconds: float = 300.0
    soak_integrators: int = 20
    #: The fewest and most entries of a soak job (each job draws its size between them).
    soak_entries: tuple[int, int] = (10, 300)
    #: Run the fault matrix (section 7, a minute and a half; `--only faults` with the full sizes).
    faults: bool = True
    #: Section 9: starts of `make run`, of the pytest fixture and of `export-api-sandbox`, each (0: the
    #: section is left out); and the demo's entries a company (0: the default demo).
    startup_samples: int = 3
    startup_demo_entries: int = 0
    #: Section 11: entries of the jobs whose AWS cost is measured through the whole flow.
    cost_entries: tuple[int, ...] = (10, 100, 1_000, 10_000)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = Sizes()
QUICK = Sizes(
    create_entries=(5, 20),
    put_items=10,
    bigjob_entries=(5, 20),
    bigjob_put_samples=2,
    bigjob_plot=False,
    small_job=30,
    big_job=300,
    small_company=10,
    big_company=40,
    item_page=5,
    job_page=3,
    cold_runs=1,
    cold_floor_pairs=1,
    cold_functions=("ExportJobsFunction",),
    cold_instructions=False,
    warm_requests=5,
    warm_items=5,
    warm_events=3,
    webhook_messages=20,
    package=False,
    soak_seconds=2.0,
    soak_integrators=3,
    soak_entries=(5, 30),
    faults=False,
    startup_samples=0,
    cost_entries=(10,),
)
