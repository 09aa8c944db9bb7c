"""The framework's floor: bare FastAPI apps wrapped by Mangum, with the same routes as the Export API's
functions (as benchmarks/baseline/powertools_app.py has them) and nothing of ours (no settings, models,
services, logging or metrics). What FastAPI + Mangum cost before any code of ours.

The measured routes do the same DynamoDB requests through a module-level boto3 client as the Powertools
baseline: GET /vN/export-jobs/{jobId} (1 GetItem), POST /vN/export-job-events (1 GetItem + 1
TransactWriteItems), GET /vN/export-items (1 GetItem + 1 Query + 1 BatchGetItem), GET /health (2 GetItem).
The other routes are declared so that routing and route building cost the same; they are not measured.
AdminFunction's are those it routes where the test helpers are disabled, as the benchmark runs it (the
template's default): its test helpers' routes are built only where they are enabled.

Each function's handler is an attribute of this module (`export_jobs`, `export_job_events`,
`export_items`, `admin`), and only the app asked for is built (on first access): a function's cold start
builds its own routes, not the other functions'. Runs in a fresh interpreter (benchmarks/coldstart.py).
"""

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from mangum import Mangum

DYNAMODB = boto3.client("dynamodb")
JOBS_TABLE = os.environ.get("JOBS_TABLE_NAME", "export-api-jobs")
ITEMS_TABLE = os.environ.get("ITEMS_TABLE_NAME", "export-api-items")
VERSIONS = ("v0", "v1", "v2", "v3")
_DESERIALIZER = TypeDeserializer()
_OPEN = ("pending", "in_progress")
_NEXT = {
    ("pending", "started"): "in_progress",
    ("pending", "failed"): "failed",
    ("in_progress", "completed"): "completed",
    ("in_progress", "completed_with_errors"): "completed_with_errors",
    ("in_progress", "failed"): "failed",
}
_HIDDEN = {"pk", "sortKey", "companyStatus", "jobStatus", "sk"}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items() if k not in _HIDDEN}


def _ok(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status_code=status, media_type="application/json")


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"type": kind, "message": message}, status_code=status)


def _companies(request: Request) -> set[str]:
    authorizer = (request.scope.get("aws.event") or {}).get("requestContext", {}).get("authorizer") or {}
    return {c for c in str(authorizer.get("companyIds") or "").split(",") if c}


def _job(request: Request, job_id: str) -> dict[str, Any] | None:
    item = DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": f"JOB#{job_id}"}}, ConsistentRead=True).get("Item")
    if not item or item["companyId"]["S"] not in _companies(request):
        return None
    return dict(item)


def _limit(request: Request) -> int:
    return min(int(request.query_params.get("limit", "50") or 50), 100)


def _page(pk: str, limit: int, index: str | None = None, key: str = "pk") -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {
        "TableName": ITEMS_TABLE if index in (None, "byJobStatus") else JOBS_TABLE,
        "KeyConditionExpression": f"{key} = :k",
        "ExpressionAttributeValues": {":k": {"S": pk}},
        "Limit": limit + 1,
    }
    if index:
        kwargs["IndexName"] = index
    return list(DYNAMODB.query(**kwargs)["Items"])


def _adapter(app: FastAPI) -> Handler:
    adapter = Mangum(app, lifespan="off")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)
        return response

    return handler


def _bare() -> FastAPI:
    return FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


# ExportJobsFunction ------------------------------------------------------------------------------


def _export_jobs() -> Handler:
    app = _bare()

    def get_job(job_id: str, request: Request) -> Response:
        job = _job(request, job_id)
        if job is None:
            return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
        return _ok({"data": _plain(job)})

    def list_jobs(request: Request) -> Response:
        company = sorted(_companies(request))[0]
        items = _page(company, _limit(request), "byCompany", "companyId")
        counters = DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": f"COMPANY#{company}"}}).get("Item", {})
        total = sum(int(v["N"]) for k, v in counters.items() if k.startswith("jobCount_"))
        return _ok({"data": [_plain(i) for i in items], "pagination": {"total": total}})

    def list_job_items(job_id: str, request: Request) -> Response:
        job = _job(request, job_id)
        if job is None:
            return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
        items = _page(f"ITEMS#{job_id}", _limit(request))
        return _ok({"data": [_plain(i) for i in items], "pagination": {"total": int(job["numberOfItems"]["N"])}})

    async def update_job_items(job_id: str, request: Request) -> Response:
        job = _job(request, job_id)
        if job is None:
            return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
        updates = json.loads(await request.body() or b"[]")
        keys = [{"pk": {"S": f"ITEMS#{job_id}"}, "sk": {"S": str(u["accountingEntryId"])}} for u in updates[:100]]
        found = DYNAMODB.batch_get_item(RequestItems={ITEMS_TABLE: {"Keys": keys}})["Responses"].get(ITEMS_TABLE, [])
        return _ok({"data": [_plain(i) for i in found], "errors": []})

    def create_job() -> Response:
        return _error(501, "NOT_MEASURED", "Creation is not part of the cold start baseline.")

    for version in VERSIONS:
        app.get(f"/{version}/export-jobs")(list_jobs)
        app.get(f"/{version}/export-jobs/{{job_id}}")(get_job)
        app.get(f"/{version}/export-jobs/{{job_id}}/items")(list_job_items)
        app.put(f"/{version}/export-jobs/{{job_id}}/items")(update_job_items)
        if version in ("v0", "v1"):
            app.post(f"/{version}/export-jobs")(create_job)
    return _adapter(app)


# ExportJobEventsFunction -------------------------------------------------------------------------


def _export_job_events() -> Handler:
    app = _bare()

    async def create_event(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        job_id = str(body.get("jobId"))
        job = _job(request, job_id)
        if job is None:
            return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
        current = job["status"]["S"]
        to = _NEXT.get((current, str(body.get("event"))))
        if to is None:
            return _error(422, "INVALID_EXPORT_JOB_STATUS_CHANGE", f"A {current} job cannot take this event.")
        company = job["companyId"]["S"]
        now = datetime.now(UTC).isoformat()
        DYNAMODB.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": JOBS_TABLE,
                        "Key": {"pk": {"S": f"JOB#{job_id}"}},
                        "UpdateExpression": "SET #s = :to, companyStatus = :cs, lastUpdatedAt = :now",
                        "ConditionExpression": "#s = :from",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":to": {"S": to},
                            ":from": {"S": current},
                            ":cs": {"S": f"{company}#{to}"},
                            ":now": {"S": now},
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": JOBS_TABLE,
                        "Key": {"pk": {"S": f"COMPANY#{company}"}},
                        "UpdateExpression": "ADD #a :minus, #b :plus",
                        "ExpressionAttributeNames": {"#a": f"jobCount_{current}", "#b": f"jobCount_{to}"},
                        "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":plus": {"N": "1"}},
                    }
                },
            ]
        )
        return Response(status_code=202 if request.url.path.startswith(("/v2", "/v3")) else 200)

    for version in VERSIONS:
        app.post(f"/{version}/export-job-events")(create_event)
    return _adapter(app)


# ExportItemsFunction -----------------------------------------------------------------------------


def _export_items() -> Handler:
    app = _bare()

    def list_export_items(request: Request) -> Response:
        job_id = request.query_params.get("job_id")
        if not job_id:
            return _error(400, "REQUIRED_PARAMETER_MISSING", "Parameter job_id is required.")
        job = _job(request, job_id)
        if job is None:
            return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
        if job["status"]["S"] not in _OPEN:
            return _error(422, "EXPORT_JOB_STATUS_UNPROCESSABLE", "The export job is closed.")
        items = _page(f"ITEMS#{job_id}", _limit(request))
        keys = [
            {"pk": {"S": f"ENTRIES#{i['companyEntry']['S'].partition('#')[0]}"}, "sk": {"S": i["sk"]["S"]}}
            for i in items
        ]
        responses = DYNAMODB.batch_get_item(RequestItems={ITEMS_TABLE: {"Keys": keys}})["Responses"] if keys else {}
        entries = responses.get(ITEMS_TABLE, [])
        return _ok(
            {
                "data": [json.loads(e["entry"]["S"]) for e in entries],
                "pagination": {"total": int(job["numberOfItems"]["N"])},
            }
        )

    for version in VERSIONS:
        app.get(f"/{version}/export-items")(list_export_items)
    return _adapter(app)


# AdminFunction -----------------------------------------------------------------------------------


def _admin() -> Handler:
    app = _bare()

    @app.get("/health")
    def health() -> Response:
        DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": "HEALTH"}})
        DYNAMODB.get_item(TableName=ITEMS_TABLE, Key={"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}})
        return _ok({"status": "ok", "problems": []})

    @app.get("/admin/companies/{company_id}/accounting-entries")
    def list_entries(company_id: str, request: Request) -> Response:
        items = _page(f"ENTRIES#{company_id}", _limit(request))
        return _ok({"data": [json.loads(i["entry"]["S"]) for i in items]})

    @app.post("/admin/companies/{company_id}/accounting-entries")
    def ingest_entries(company_id: str) -> Response:
        return _error(501, "NOT_MEASURED", f"Ingestion for {company_id} is not part of the cold start baseline.")

    # The function's other routes where the test helpers are disabled (the template's default, and the
    # benchmark's): routed, not measured.
    @app.get("/admin/companies/{company_id}/accounting-settings")
    def get_accounting_settings(company_id: str) -> Response:
        return _not_measured(company_id)

    @app.put("/admin/companies/{company_id}/accounting-settings")
    def put_accounting_settings(company_id: str) -> Response:
        return _not_measured(company_id)

    @app.get("/admin/companies/{company_id}/usage-plan")
    def get_usage_plan(company_id: str) -> Response:
        return _not_measured(company_id)

    @app.put("/admin/companies/{company_id}/usage-plan")
    def put_usage_plan(company_id: str) -> Response:
        return _not_measured(company_id)

    @app.post("/admin/subscriptions/{subscription_id}/messages/{message_id}/redeliver")
    def redeliver(subscription_id: str, message_id: str) -> Response:
        return _not_measured(f"{subscription_id}/{message_id}")

    @app.get("/admin/export-jobs")
    def list_all_jobs(request: Request) -> Response:
        return _not_measured(str(_limit(request)))

    @app.get("/admin/export-jobs/{job_id}")
    def get_any_job(job_id: str) -> Response:
        return _not_measured(job_id)

    @app.get("/admin/export-jobs/{job_id}/items")
    def list_any_job_items(job_id: str, request: Request) -> Response:
        return _not_measured(f"{job_id}?limit={_limit(request)}")

    @app.get("/admin/export-jobs/{job_id}/execution")
    def get_execution(job_id: str) -> Response:
        return _not_measured(job_id)

    @app.post("/admin/export-jobs/{job_id}/execution/reconcile")
    def reconcile(job_id: str) -> Response:
        return _not_measured(job_id)

    return _adapter(app)


def _not_measured(resource: str) -> JSONResponse:
    return _error(501, "NOT_MEASURED", f"{resource}: not part of the cold start baseline.")


_BUILDERS: dict[str, Callable[[], Handler]] = {
    "export_jobs": _export_jobs,
    "export_job_events": _export_job_events,
    "export_items": _export_items,
    "admin": _admin,
}


def __getattr__(name: str) -> Handler:
    # PEP 562: `fastapi_app.export_jobs` builds that function's app only.
    if name not in _BUILDERS:
        raise AttributeError(name)
    handler = _BUILDERS[name]()
    globals()[name] = handler
    return handler
