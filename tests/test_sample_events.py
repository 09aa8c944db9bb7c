"""The sample API Gateway events in events/ (for `sam local invoke -e`) are real requests of their routes."""

import json
from pathlib import Path
from typing import Any

import pytest

from export_api_local.apigw import find_route, invoke, response_json
from tests.support.contract import check_response, spec_for

EVENTS = Path(__file__).resolve().parents[1] / "events"
SAMPLE_JOB_ID = "9e7d4c1b-2a3f-4e58-b6c9-0d8e7f6a5b41"
# Every operation group has a sample.
GROUPS = {
    "export-jobs-list.json": ("GET", "/v3/export-jobs"),
    "export-jobs-get.json": ("GET", "/v3/export-jobs/{jobId}"),
    "export-jobs-create.json": ("POST", "/v1/export-jobs"),
    "export-job-items-list.json": ("GET", "/v3/export-jobs/{jobId}/items"),
    "export-job-items-update.json": ("PUT", "/v3/export-jobs/{jobId}/items"),
    "export-job-events.json": ("POST", "/v3/export-job-events"),
    "export-items-list.json": ("GET", "/v3/export-items"),
    "admin-ingest-accounting-entries.json": ("POST", "/admin/companies/{companyId}/accounting-entries"),
    "admin-list-accounting-entries.json": ("GET", "/admin/companies/{companyId}/accounting-entries"),
    "admin-put-accounting-settings.json": ("PUT", "/admin/companies/{companyId}/accounting-settings"),
    "health.json": ("GET", "/health"),
}


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def send(event: dict[str, Any]) -> tuple[int, Any]:
    """Invoke the function template.yaml routes the event to; check the answer against the contract."""
    found = find_route(event["httpMethod"], event["path"])
    assert found is not None, event["path"]
    route, _ = found
    result = invoke(route, event)
    status: int = result["statusCode"]
    body = response_json(result)
    spec = spec_for(route.path)
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), values[-1])
    check_response(spec, route.path, event["httpMethod"], status, headers, body)
    assert status < 500, (event["path"], status, body)
    return status, body


def with_job(event: dict[str, Any], job_id: str) -> dict[str, Any]:
    """The sample with its job id replaced by a job that exists."""
    return json.loads(json.dumps(event).replace(SAMPLE_JOB_ID, job_id))  # type: ignore[no-any-return]


def test_one_sample_per_operation_group() -> None:
    assert {path.name for path in EVENTS.glob("*.json")} >= set(GROUPS)


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_sample_is_a_rest_proxy_event_of_its_route(name: str) -> None:
    event = load(name)
    method, resource = GROUPS[name]
    assert event["httpMethod"] == method
    assert event["resource"] == event["requestContext"]["resourcePath"] == resource
    found = find_route(method, event["path"])
    assert found is not None
    route, parameters = found
    assert route.path == resource
    assert (event["pathParameters"] or {}) == parameters
    multi = event["multiValueQueryStringParameters"] or {}
    assert {k: v[-1] for k, v in multi.items()} == (event["queryStringParameters"] or {})
    if event["body"] is not None:
        json.loads(event["body"])
    if name == "health.json":
        # GET /health is public: API Gateway runs no authorizer for it.
        assert "authorizer" not in event["requestContext"]
    else:
        assert set(event["requestContext"]["authorizer"]) == {"principalId", "companyIds", "scopes"}


def test_samples_run_against_the_handlers(tables: None) -> None:
    assert send(load("health.json"))[0] == 200
    status, body = send(load("admin-ingest-accounting-entries.json"))
    assert status == 201
    assert len(body["data"]) == 2
    status, body = send(load("admin-list-accounting-entries.json"))
    assert status == 200
    assert body["pagination"]["total"] == 2
    status, body = send(load("admin-put-accounting-settings.json"))
    assert status == 200
    assert body["data"]["allContraAccountsMapped"] is True
    status, body = send(load("export-jobs-create.json"))
    assert status == 200
    job_id = body["data"]["id"]
    status, body = send(load("export-jobs-list.json"))
    assert status == 200
    assert [job["id"] for job in body["data"]] == [job_id]

    addressed = {
        "export-jobs-get.json": 200,
        "export-job-items-list.json": 200,
        "export-items-list.json": 200,
        "export-job-items-update.json": 200,
        "export-job-events.json": 202,
    }
    for name, expected in addressed.items():
        # As shipped, the sample names a job this store does not have.
        status, body = send(load(name))
        assert status == 404, name
        assert body["type"] == "EXPORT_NOT_FOUND"
        status, body = send(with_job(load(name), job_id))
        assert status == expected, (name, body)
    status, body = send(with_job(load("export-jobs-get.json"), job_id))
    assert body["data"]["status"] == "in_progress"
    status, body = send(with_job(load("export-job-items-list.json"), job_id))
    assert body["data"] == []
    assert body["pagination"]["total"] == 0
