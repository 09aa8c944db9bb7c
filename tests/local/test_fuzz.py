"""Contract fuzzing: schemathesis generates requests for every operation of the contract
(spec/export-api.openapi.yaml, every operation) and of the project's admin API
(docs/admin-api.openapi.yaml), and sends them to `make run`'s server (a subprocess on free ports)
with valid credentials. Every response must be no 5xx and conform to the operation's documented
responses: status code, content type and body schema.

Both of schemathesis's generation modes run: positive (requests the contract allows) and negative
(requests it does not: those must be refused with a 4xx). Generated ids rarely name anything, so a
deterministic share of the ids in each request is swapped for the demo data's (its company, jobs and
entries): the requests then reach the operations' logic, not only their 404s.

v0/v1 document only a `default` response, with the success schema; their errors carry the contract's
ExceptionInfo like v2/v3's (docs/decisions.md), so a v0/v1 answer of 400 or more is checked against
ExceptionInfo instead of that schema, and every other check still applies to it.

Bounded for the suite: FUZZ_EXAMPLES examples per operation and mode (default 3), derandomized (the
same requests each run, no example database). `make fuzz` runs it with FUZZ_EXAMPLES=100 and prints
the counts.
"""

import copy
import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from tests.local.server import running_server
from tests.support.contract import ADMIN_CONTRACT, CONTRACT, check_response, load_spec

# One server per module (its fixture): the module runs on one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-fuzz")]

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
REQUEST_TIMEOUT = 30.0
# A small demo: the fuzzer needs a few jobs in each status, not volume.
DEMO_ENTRIES = 40
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Target:
    """The running server and what it knows: credentials and the demo data's ids."""

    base_url: str
    company_token: str
    admin_token: str
    company_id: str
    job_ids: list[str]
    entry_ids: dict[str, list[str]]  # job id -> its accounting entry ids


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    no_negative_cases: list[str] = field(default_factory=list)

    def report(self, title: str) -> str:
        lines = [
            f"{title}: {self.requests} requests over {len(self.by_operation)} operations "
            f"({FUZZ_EXAMPLES} examples per operation and mode), {len(self.failures)} failures",
            "  statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items())),
            "  no invalid request to make: " + (", ".join(self.no_negative_cases) or "-"),
        ]
        lines += [f"  {operation}: {n}" for operation, n in sorted(self.by_operation.items())]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with running_server(tmp_path_factory.mktemp("fuzz-run"), DEMO_ENTRIES) as running:
        yield _target(running.demo)


def _target(demo: dict[str, Any]) -> Target:
    company = demo["companies"][0]
    token = company["bearerToken"]
    job_ids = [job_id for ids in company["jobs"].values() for job_id in ids]
    entries: dict[str, list[str]] = {}
    for job_id in job_ids:
        response = requests.get(
            f"{demo['baseUrl']}/v3/export-jobs/{job_id}/items",
            params={"limit": 100},
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        entries[job_id] = [item["accountingEntryId"] for item in response.json()["data"]]
    return Target(demo["baseUrl"], token, demo["admin"]["bearerToken"], company["companyId"], job_ids, entries)


def _pick(value: Any, choices: list[str]) -> Any:
    """Deterministically (by the generated value) keep it, or swap it for one of `choices` (2 in 3)."""
    digest = int(hashlib.sha256(repr(value).encode()).hexdigest(), 16)
    if not choices or digest % 3 == 0:
        return value
    return choices[digest % len(choices)]


def _ground(case: Any, target: Target) -> None:
    """Swap generated ids for the demo data's, in positive cases: the requests then reach real jobs."""
    path = case.path_parameters or {}
    if "jobId" in path:
        path["jobId"] = _pick(path["jobId"], target.job_ids)
    if "companyId" in path:
        path["companyId"] = _pick(path["companyId"], [target.company_id])
    query = case.query or {}
    if "job_id" in query:
        query["job_id"] = _pick(query["job_id"], target.job_ids)
    if "company_id" in query:
        query["company_id"] = _pick(query["company_id"], [target.company_id])
    body = case.body
    job_id = path.get("jobId") or (body.get("jobId") if isinstance(body, dict) else None)
    if isinstance(body, dict):
        if "jobId" in body:
            body["jobId"] = job_id = _pick(body["jobId"], target.job_ids)
        if "companyId" in body:
            body["companyId"] = company = _pick(body["companyId"], [target.company_id])
            if company == target.company_id and isinstance(body.get("accountingEntryIds"), list):
                every = sorted({e for ids in target.entry_ids.values() for e in ids})
                body["accountingEntryIds"] = sorted({_pick(e, every) for e in body["accountingEntryIds"]})
    elif isinstance(body, list) and job_id in target.entry_ids:
        seen: set[Any] = set()
        for element in body:
            if isinstance(element, dict) and "accountingEntryId" in element:
                element["accountingEntryId"] = _pick(element["accountingEntryId"], target.entry_ids[job_id])
                if element["accountingEntryId"] in seen:
                    element["accountingEntryId"] = f"{element['accountingEntryId'][:-1]}0"
                seen.add(element["accountingEntryId"])


def _version(path: str) -> str:
    return path.split("/")[1]


def _fuzz(spec_path: Path, target: Target, token: str, tally: Tally, spec: dict[str, Any] | None = None) -> None:
    """`spec` (the document at `spec_path` unless given) is what requests are made from and checked against."""
    spec = spec or load_spec(spec_path)
    schema = schemathesis.openapi.from_dict(copy.deepcopy(spec))
    session = requests.Session()
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"schemathesis cannot read an operation of {spec_path}: {result.err()}"
        operations.append(result.ok())
    assert operations
    for operation in operations:
        for mode in MODES:
            try:
                _runner(operation, mode, spec, target, token, session, tally)()
            except Unsatisfiable:
                # Nothing in the operation can be made invalid (GET /health has no parameters).
                assert mode is GenerationMode.NEGATIVE, operation.path
                tally.no_negative_cases.append(f"{operation.method.upper()} {operation.path}")


def _runner(
    operation: Any,
    mode: GenerationMode,
    spec: dict[str, Any],
    target: Target,
    token: str,
    session: requests.Session,
    tally: Tally,
) -> Any:
    label = f"{operation.method.upper()} {operation.path}"
    v0_v1 = _version(operation.path) in ("v0", "v1")

    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if mode is GenerationMode.POSITIVE:
            _ground(case, target)
        response = case.call(
            base_url=target.base_url,
            session=session,
            headers={"Authorization": f"Bearer {token}"},
            timeout=REQUEST_TIMEOUT,
        )
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        tally.by_operation[label] += 1
        checks = [not_a_server_error, status_code_conformance]
        if response.content:
            # v0/v1 events answer 200 with no body (their `default` names a media type with no schema):
            # without a body there is no content type to conform.
            checks.append(content_type_conformance)
        v0_v1_error = v0_v1 and response.status_code >= 400
        if not v0_v1_error:
            checks.append(response_schema_conformance)
        if mode is GenerationMode.NEGATIVE:
            checks.append(negative_data_rejection)
        try:
            case.validate_response(response, checks=checks)
            if v0_v1_error:
                # Their `default` response documents the success schema: errors are ExceptionInfo.
                body = response.json() if response.content else None
                headers = {k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
                check_response(spec, operation.path, operation.method, response.status_code, headers, body)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            request = response.request
            tally.failures.append(
                f"{label} [{mode.value}] {request.method} {request.url} body={str(request.body)[:300]!r} -> "
                f"{response.status_code} {response.text[:300]!r}: {str(error)[:600]}"
            )

    return run


def _assert_clean(tally: Tally, title: str) -> None:
    print("\n" + tally.report(title))  # `make fuzz` shows these counts (pytest -s)
    assert not tally.failures, f"{len(tally.failures)} failures:\n" + "\n".join(tally.failures[:20])
    assert 500 not in tally.statuses


def test_the_export_api_contract(target: Target) -> None:
    tally = Tally()
    _fuzz(CONTRACT, target, target.company_token, tally)
    assert len(tally.by_operation) == len(schemathesis_operations(CONTRACT))
    _assert_clean(tally, "Export API contract")


def test_the_admin_api(target: Target) -> None:
    tally = Tally()
    _fuzz(ADMIN_CONTRACT, target, target.admin_token, tally)
    assert len(tally.by_operation) == len(schemathesis_operations(ADMIN_CONTRACT))
    _assert_clean(tally, "Admin API")


def schemathesis_operations(spec_path: Path) -> list[str]:
    spec = load_spec(spec_path)
    return [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    ]
