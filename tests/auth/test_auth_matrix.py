"""Every operation of the contract x every kind of credential: the expected status each time, and
never another company's data in a response."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from export_api.auth.principal import Principal

from tests.auth.conftest import ALL_SCOPES, Tenant, mint
from tests.auth.support import AuthResponse, call
from tests.support.contract import contract, operations
from tests.support.keys import signer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str] | None = None
    body: Any = None


# How to address each operation for `own` on behalf of `target` (whose resources are used).
def build_request(path: str, method: str, own: Tenant, target: Tenant) -> Request:
    version = path.split("/")[1]
    if path.endswith("/export-items"):
        return Request("GET", path, {"job_id": target.job_id})
    if path.endswith("/export-job-events"):
        return Request("POST", path, body={"jobId": target.job_id, "event": "started"})
    if path.endswith("/export-jobs") and method == "get":
        return Request("GET", path, {"company_id": target.company_id})
    if path.endswith("/export-jobs"):
        return Request("POST", path, body={"companyId": target.company_id, "accountingEntryIds": target.entry_ids[:2]})
    if path.endswith("/{jobId}"):
        return Request("GET", f"/{version}/export-jobs/{target.job_id}")
    if method == "get":
        return Request("GET", f"/{version}/export-jobs/{target.job_id}/items")
    return Request(
        "PUT",
        f"/{version}/export-jobs/{target.job_id}/items",
        body=[{"accountingEntryId": target.entry_ids[0], "status": "in_progress"}],
    )


def required_scope(path: str, method: str) -> str:
    if path.endswith("/export-items"):
        return "export-items:read"
    return "export-jobs:read" if method == "get" else "export-jobs:write"


def send(request: Request, authorization: str | None) -> AuthResponse:
    return call(request.method, request.path, authorization, query=request.query, json_body=request.body)


OPERATIONS = [(path, method) for path, method, _ in operations(contract())]


CredentialCase = Callable[[Tenant], str | None]
INVALID_CREDENTIALS: dict[str, CredentialCase] = {
    "no credential": lambda _: None,
    "malformed bearer": lambda _: "Bearer not.a.jwt",
    "malformed basic": lambda _: "Basic %%%",
    "unknown scheme": lambda t: "Token " + t.bearer,
    "bad signature": lambda t: "Bearer " + mint(t.company_id, forged=True),
    "admin audience": lambda t: "Bearer " + mint(t.company_id, admin=True),
    "expired": lambda t: "Bearer " + mint(t.company_id, expired=True),
    "wrong audience": lambda t: "Bearer " + mint(t.company_id, audience="someone-else"),
}


def assert_error(response: AuthResponse, status: int, error_type: str) -> None:
    assert response.status == status, response.body
    assert response.body["type"] == error_type
    assert response.body["message"]


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_each_operation_answers_every_kind_of_credential(
    path: str, method: str, tenants: tuple[Tenant, Tenant]
) -> None:
    own, other = tenants
    request = build_request(path, method, own, own)
    for name, credential in INVALID_CREDENTIALS.items():
        response = send(request, credential(own))
        assert response.status == 401, f"{name}: {response.body}"
        assert_error(response, 401, "UNAUTHORIZED")
        assert own.bearer not in response.raw

    scope = required_scope(path, method)
    lacking = "Bearer " + mint(own.company_id, scopes=[s for s in ALL_SCOPES if s != scope])
    assert_error(send(request, lacking), 403, "FORBIDDEN")

    foreign = send(build_request(path, method, own, other), "Bearer " + own.bearer)
    if path.endswith("/export-jobs"):
        # A company_id (query or body) that is not the caller's is refused outright.
        assert_error(foreign, 403, "FORBIDDEN")
    else:
        # Another company's job is exactly as unknown as a missing one (ids do not leak).
        assert_error(foreign, 404, "EXPORT_NOT_FOUND")
    # An error body only: nothing of the other company's data, whatever id the caller named.
    assert set(foreign.body) == {"type", "message"}

    if path.endswith("/export-jobs") and method == "post":
        # Authorized, but the company's job is still open (one unfinished export per company): finish it.
        assert_error(send(request, "Bearer " + own.bearer), 409, "EXPORT_ALREADY_IN_PROGRESS")
        closing = Request("POST", "/v3/export-job-events", body={"jobId": own.job_id, "event": "failed"})
        assert send(closing, "Bearer " + own.bearer).status == 202
    valid = send(request, "Bearer " + own.bearer)
    assert 200 <= valid.status < 300, valid.body
    assert other.company_id not in valid.raw
    assert other.job_id not in valid.raw


def test_a_token_without_companies_sees_nothing(tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    token = "Bearer " + mint(None)
    response = send(Request("GET", f"/v3/export-jobs/{own.job_id}"), token)
    assert_error(response, 404, "EXPORT_NOT_FOUND")


def test_a_multi_company_token_must_name_the_company(tenants: tuple[Tenant, Tenant]) -> None:
    own, other = tenants
    token = "Bearer " + mint_many([own.company_id, other.company_id])
    assert_error(send(Request("GET", "/v3/export-jobs"), token), 400, "REQUIRED_PARAMETER_MISSING")
    listed = send(Request("GET", "/v3/export-jobs", {"company_id": other.company_id}), token)
    assert listed.status == 200
    assert [job["companyId"] for job in listed.body["data"]] == [other.company_id]


def mint_many(companies: list[str]) -> str:
    return signer().mint("tests", companies, ALL_SCOPES)


def test_principal_context_is_primitive_strings() -> None:
    context = Principal("key:1", ("a", "b"), ("x", "y")).context()
    assert context == {"principalId": "key:1", "companyIds": "a,b", "scopes": "x y"}
