"""The cold start baseline: bare Powertools `APIGatewayRestResolver` apps serving the same routes as the
Export API's functions (template.yaml), with a module-level boto3 client and no other framework.

The routes the cold start measures do the same DynamoDB requests as the real functions, on the same
tables, and answer the same shape of body: GET /vN/export-jobs/{jobId} (1 GetItem), POST
/vN/export-job-events (1 GetItem + 1 TransactWriteItems), GET /vN/export-items (1 GetItem + 1 Query),
GET /health (2 GetItem). The other routes exist with the same paths and do the reads their real
counterpart does first, without its rules: they are there so routing costs the same, not to be measured.

Each function's handler is its own resolver: `export_jobs`, `export_job_events`, `export_items`, `admin`.
This module runs in a fresh interpreter with only itself on the path (benchmarks/coldstart.py).
"""

import json
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from boto3.dynamodb.types import TypeDeserializer

DYNAMODB = boto3.client("dynamodb")
JOBS_TABLE = os.environ.get("JOBS_TABLE_NAME", "export-api-jobs")
ITEMS_TABLE = os.environ.get("ITEMS_TABLE_NAME", "export-api-items")
VERSIONS = ("v0", "v1", "v2", "v3")
_DESERIALIZER = TypeDeserializer()
_JSON = "application/json;charset=UTF-8"
_OPEN = ("pending", "in_progress")
_NEXT = {
    ("pending", "started"): "in_progress",
    ("pending", "failed"): "failed",
    ("in_progress", "completed"): "completed",
    ("in_progress", "completed_with_errors"): "completed_with_errors",
    ("in_progress", "failed"): "failed",
}
_HIDDEN = {"pk", "sortKey", "companyStatus", "jobStatus", "sk"}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items() if k not in _HIDDEN}


def _error(status: int, kind: str, message: str) -> Response[str]:
    return Response(status, _JSON, json.dumps({"type": kind, "message": message}))


def _ok(body: Any, status: int = 200) -> Response[str]:
    return Response(status, _JSON, json.dumps(body, default=str))


def _companies(app: APIGatewayRestResolver) -> set[str]:
    authorizer = app.current_event.request_context.authorizer
    return {c for c in str(authorizer.get("companyIds") or "").split(",") if c}


def _job(app: APIGatewayRestResolver, job_id: str) -> dict[str, Any] | None:
    item = DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": f"JOB#{job_id}"}}, ConsistentRead=True).get("Item")
    if not item or item["companyId"]["S"] not in _companies(app):
        return None
    return dict(item)


def _limit(app: APIGatewayRestResolver) -> int:
    return min(int(app.current_event.get_query_string_value("limit", "50") or 50), 100)


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


# ExportJobsFunction ------------------------------------------------------------------------------

export_jobs_app = APIGatewayRestResolver()


def get_job(job_id: str) -> Response[str]:
    job = _job(export_jobs_app, job_id)
    if job is None:
        return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
    return _ok({"data": _plain(job)})


def list_jobs() -> Response[str]:
    company = sorted(_companies(export_jobs_app))[0]
    items = _page(company, _limit(export_jobs_app), "byCompany", "companyId")
    counters = DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": f"COMPANY#{company}"}}).get("Item", {})
    total = sum(int(v["N"]) for k, v in counters.items() if k.startswith("jobCount_"))
    return _ok({"data": [_plain(i) for i in items], "pagination": {"total": total}})


def list_job_items(job_id: str) -> Response[str]:
    job = _job(export_jobs_app, job_id)
    if job is None:
        return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
    items = _page(f"ITEMS#{job_id}", _limit(export_jobs_app))
    return _ok({"data": [_plain(i) for i in items], "pagination": {"total": int(job["numberOfItems"]["N"])}})


def update_job_items(job_id: str) -> Response[str]:
    job = _job(export_jobs_app, job_id)
    if job is None:
        return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
    updates = export_jobs_app.current_event.json_body or []
    keys = [{"pk": {"S": f"ITEMS#{job_id}"}, "sk": {"S": str(u["accountingEntryId"])}} for u in updates[:100]]
    found = DYNAMODB.batch_get_item(RequestItems={ITEMS_TABLE: {"Keys": keys}})["Responses"].get(ITEMS_TABLE, [])
    return _ok({"data": [_plain(i) for i in found], "errors": []})


def create_job() -> Response[str]:
    return _error(501, "NOT_MEASURED", "Creation is not part of the cold start baseline.")


for _v in VERSIONS:
    export_jobs_app.get(f"/{_v}/export-jobs")(list_jobs)
    export_jobs_app.get(f"/{_v}/export-jobs/<job_id>")(get_job)
    export_jobs_app.get(f"/{_v}/export-jobs/<job_id>/items")(list_job_items)
    export_jobs_app.put(f"/{_v}/export-jobs/<job_id>/items")(update_job_items)
    if _v in ("v0", "v1"):
        export_jobs_app.post(f"/{_v}/export-jobs")(create_job)


def export_jobs(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return export_jobs_app.resolve(event, context)


# ExportJobEventsFunction -------------------------------------------------------------------------

export_job_events_app = APIGatewayRestResolver()


def create_event() -> Response[str]:
    body = export_job_events_app.current_event.json_body or {}
    job_id = str(body.get("jobId"))
    job = _job(export_job_events_app, job_id)
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
    return Response(202 if export_job_events_app.current_event.path.startswith(("/v2", "/v3")) else 200)


for _v in VERSIONS:
    export_job_events_app.post(f"/{_v}/export-job-events")(create_event)


def export_job_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return export_job_events_app.resolve(event, context)


# ExportItemsFunction -----------------------------------------------------------------------------

export_items_app = APIGatewayRestResolver()


def list_export_items() -> Response[str]:
    job_id = export_items_app.current_event.get_query_string_value("job_id")
    if not job_id:
        return _error(400, "REQUIRED_PARAMETER_MISSING", "Parameter job_id is required.")
    job = _job(export_items_app, job_id)
    if job is None:
        return _error(404, "EXPORT_NOT_FOUND", "Export job not found.")
    if job["status"]["S"] not in _OPEN:
        return _error(422, "EXPORT_JOB_STATUS_UNPROCESSABLE", "The export job is closed.")
    # The job's items name its entries (companyEntry); the entries are read with them, as the service does.
    items = _page(f"ITEMS#{job_id}", _limit(export_items_app))
    keys = [
        {"pk": {"S": f"ENTRIES#{i['companyEntry']['S'].partition('#')[0]}"}, "sk": {"S": i["sk"]["S"]}} for i in items
    ]
    entries = (
        DYNAMODB.batch_get_item(RequestItems={ITEMS_TABLE: {"Keys": keys}})["Responses"][ITEMS_TABLE] if keys else []
    )
    return _ok(
        {
            "data": [json.loads(e["entry"]["S"]) for e in entries],
            "pagination": {"total": int(job["numberOfItems"]["N"])},
        }
    )


for _v in VERSIONS:
    export_items_app.get(f"/{_v}/export-items")(list_export_items)


def export_items(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return export_items_app.resolve(event, context)


# AdminFunction -----------------------------------------------------------------------------------

admin_app = APIGatewayRestResolver()


@admin_app.get("/health")
def health() -> Response[str]:
    DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": "HEALTH"}})
    DYNAMODB.get_item(TableName=ITEMS_TABLE, Key={"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}})
    return _ok({"status": "ok", "problems": []})


@admin_app.get("/admin/companies/<company_id>/accounting-entries")
def list_entries(company_id: str) -> Response[str]:
    items = _page(f"ENTRIES#{company_id}", _limit(admin_app))
    return _ok({"data": [json.loads(i["entry"]["S"]) for i in items]})


@admin_app.post("/admin/companies/<company_id>/accounting-entries")
def ingest_entries(company_id: str) -> Response[str]:
    return _error(501, "NOT_MEASURED", f"Ingestion for {company_id} is not part of the cold start baseline.")


# The function's other routes where the test helpers are disabled (the template's default, and the
# benchmark's): routed, not measured.
def _not_measured(**path: str) -> Response[str]:
    return _error(501, "NOT_MEASURED", f"{'/'.join(path.values())}: not part of the cold start baseline.")


admin_app.get("/admin/companies/<company_id>/accounting-settings")(_not_measured)
admin_app.put("/admin/companies/<company_id>/accounting-settings")(_not_measured)
admin_app.get("/admin/companies/<company_id>/usage-plan")(_not_measured)
admin_app.put("/admin/companies/<company_id>/usage-plan")(_not_measured)
admin_app.post("/admin/subscriptions/<subscription_id>/messages/<message_id>/redeliver")(_not_measured)
admin_app.get("/admin/export-jobs")(_not_measured)
admin_app.get("/admin/export-jobs/<job_id>")(_not_measured)
admin_app.get("/admin/export-jobs/<job_id>/items")(_not_measured)
admin_app.get("/admin/export-jobs/<job_id>/execution")(_not_measured)
admin_app.post("/admin/export-jobs/<job_id>/execution/reconcile")(_not_measured)


def admin(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return admin_app.resolve(event, context)
