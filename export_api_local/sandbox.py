"""The whole service in this process, for an integration's tests: `make run`'s stack (AWS emulation,
the state machine executing, the test helpers on, per-company rate limits) with its HTTP server on a
free port of 127.0.0.1, no demo data, and one company set up to call it.

    with running_sandbox() as sandbox:
        api = ExportApiClient(sandbox.base_url, token=sandbox.company.bearer_token)
        job = sandbox.admin.create_job(sandbox.company.company_id, {"card_purchase": 3})
        sandbox.admin.inject_fault(sandbox.company.company_id, status=503, operation="updateExportJobItems")

The pytest plugin (`export_api_local.pytest_plugin`) starts one per test session. Starting it points this
process's AWS environment (AWS_ENDPOINT_URL, credentials, the functions' table names) at the emulator
until it stops, so it is one sandbox per process, and not a process that talks to real AWS meanwhile.
"""

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx

from export_api_local.config import LocalConfig
from export_api_local.emulator import ensure_port_free
from export_api_local.process import free_port
from export_api_local.template import ROOT

# A sandbox's credentials outlive any test run.
TOKEN_TTL = timedelta(hours=12)
JOB_STATUSES_CLOSED = frozenset({"completed", "completed_with_errors", "failed"})


@dataclass(frozen=True)
class Company:
    """A company set up in the sandbox (accounting settings, usage plan) and the credentials an
    integration of it uses: a bearer token, and an API key (HTTP basic, the key as the user name)."""

    company_id: str
    bearer_token: str
    api_key: str


class SandboxError(Exception):
    pass


class AdminClient:
    """The admin API's test helpers and job reads, with the sandbox's admin token (docs/admin-api.openapi.yaml)."""

    def __init__(self, base_url: str, admin_token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=httpx.Timeout(35.0)
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        if response.status_code >= 300:
            raise SandboxError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def advance_clock(self, company_id: str, seconds: int) -> dict[str, Any]:
        """Advance the company's test clock: an open job whose deadline that passes expires at once."""
        answer: dict[str, Any] = self._call(
            "POST", f"/admin/test-helpers/companies/{company_id}/clock:advance", {"seconds": seconds}
        )["data"]
        return answer

    def inject_fault(
        self,
        company_id: str,
        *,
        status: int | None = None,
        delay_milliseconds: int | None = None,
        operation: str = "*",
        count: int = 1,
        retry_after_seconds: int | None = None,
    ) -> dict[str, Any]:
        """The company's next `count` requests to `operation` (an operationId without its version suffix,
        or `*`) answer `status`, or are served after `delay_milliseconds`."""
        body: dict[str, Any] = {"operation": operation, "count": count}
        if status is not None:
            body["status"] = status
        if delay_milliseconds is not None:
            body["delayMilliseconds"] = delay_milliseconds
        if retry_after_seconds is not None:
            body["retryAfterSeconds"] = retry_after_seconds
        fault: dict[str, Any] = self._call("POST", f"/admin/test-helpers/companies/{company_id}/faults", body)["data"]
        return fault

    def faults(self, company_id: str) -> list[dict[str, Any]]:
        """The company's pending faults, oldest first."""
        pending: list[dict[str, Any]] = self._call("GET", f"/admin/test-helpers/companies/{company_id}/faults")["data"]
        return pending

    def clear_faults(self, company_id: str) -> None:
        self._call("DELETE", f"/admin/test-helpers/companies/{company_id}/faults")

    def create_job(self, company_id: str, entries: Mapping[str, int]) -> dict[str, Any]:
        """A new pending job of sample accounting entries, `count` of each type (card_purchase, invoice,
        mileage, per_diem, refund, reimbursement, out_of_pocket, subscription)."""
        body = {"entries": [{"type": kind, "count": count} for kind, count in entries.items()]}
        job: dict[str, Any] = self._call("POST", f"/admin/test-helpers/companies/{company_id}/export-jobs", body)[
            "data"
        ]
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        """Any company's job, with its items by status."""
        job: dict[str, Any] = self._call("GET", f"/admin/export-jobs/{job_id}")["data"]
        return job

    def wait_for_job(
        self, job_id: str, statuses: frozenset[str] = JOB_STATUSES_CLOSED, timeout: float = 20.0
    ) -> dict[str, Any]:
        """The job once its status is one of `statuses` (by default: closed), polled."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in statuses:
                return job
            if time.monotonic() > deadline:
                raise SandboxError(f"job {job_id} is still {job['status']} after {timeout:g} s")
            time.sleep(0.05)

    def set_up_company(self, company_id: str) -> None:
        """Its accounting settings (every Pleo account mapped, so v3 serves its export items), which
        also gives it its usage plan."""
        from export_api_local.accounting_entries import accounting_settings

        self._call("PUT", f"/admin/companies/{company_id}/accounting-settings", accounting_settings(company_id))


@dataclass
class Sandbox:
    base_url: str
    #: The admin API's bearer token (test helpers, any company's jobs), which `admin` uses.
    admin_token: str
    admin: AdminClient
    #: A company set up at start, for tests that need only one.
    company: Company
    #: Seconds from the call to the sandbox answering /health.
    startup_seconds: float

    def new_company(self) -> Company:
        """Another company, set up as `company` is: a test that injects faults or moves a clock can
        keep them to itself."""
        return _company(self.admin, str(uuid.uuid4()))


def _company(admin: AdminClient, company_id: str) -> Company:
    from export_api_local.demo import DemoCredentials

    credentials = DemoCredentials.mint([company_id], TOKEN_TTL)
    admin.set_up_company(company_id)
    return Company(company_id, credentials.company_tokens[company_id], credentials.company_api_keys[company_id])


class _ServerThread:
    """uvicorn in a thread of this process, ready when `start` returns."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                lifespan="off",
                log_level="warning",
                access_log=False,
                # A request still running at the stop is given this long, then dropped.
                timeout_graceful_shutdown=5,
            )
        )
        self.thread = threading.Thread(target=self.server.run, name="export-api-sandbox", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise SandboxError("the sandbox's HTTP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def running_sandbox(
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    rate_limits: bool = True,
    state_dir: Path | None = None,
    port: int = 0,
    aws_port: int = 0,
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[Sandbox]:
    """The sandbox, stopped and this process's environment restored when the block ends.

    `parameter_overrides`: template parameters, as `sam deploy --parameter-overrides` takes them
    (`{"UsagePlanRateLimit": "5"}`); `rate_limits=False` serves every company unmetered. `port` and
    `aws_port` (the emulator's): 0 for a free one; a port in use raises `PortInUse` before anything starts."""
    from export_api_local.server import start_service

    started = time.monotonic()
    saved_environment = dict(os.environ)
    saved_path = list(sys.path)
    # The handlers are the template's CodeUri packages (functions.jobs.app, ...), found from the repository.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    with TemporaryDirectory(prefix="export-api-sandbox-") as temporary:
        config = replace(
            LocalConfig.from_env({}),
            port=port or free_port(),
            aws_port=aws_port or free_port(),
            demo=False,
            state_dir=state_dir or Path(temporary),
            parameter_overrides=tuple((parameter_overrides or {}).items()),
            rate_limits=rate_limits,
            shell_settings_win=False,
        )
        service = None
        server = None
        admin = None
        try:
            ensure_port_free(config.host, config.port, "The sandbox's API")
            ensure_port_free(config.aws_host, config.aws_port, "The sandbox's AWS emulator")
            service = start_service(config, say)
            server = _ServerThread(service.app(), config.host, config.port)
            server.start()
            admin_token = str(service.document["admin"]["bearerToken"])
            admin = AdminClient(config.base_url, admin_token)
            company = _company(admin, str(uuid.uuid4()))
            yield Sandbox(config.base_url, admin_token, admin, company, time.monotonic() - started)
        finally:
            if admin is not None:
                admin.close()
            if server is not None:
                server.stop()
            if service is not None:
                service.stop()
            os.environ.clear()
            os.environ.update(saved_environment)
            sys.path[:] = saved_path
