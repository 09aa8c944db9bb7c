"""The framework floor of ExportJobsFunction's cold start: a bare FastAPI app wrapped by Mangum, serving
GET /vN/export-jobs/{jobId} with one GetItem through a module-level boto3 client, and nothing else (no
settings, models, services, logging or metrics). What FastAPI + Mangum cost before any code of ours.
Runs in a fresh interpreter (benchmarks/coldstart.py)."""

import os
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mangum import Mangum

DYNAMODB = boto3.client("dynamodb")
JOBS_TABLE = os.environ.get("JOBS_TABLE_NAME", "export-api-jobs")
_DESERIALIZER = TypeDeserializer()

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def get_job(job_id: str, request: Request) -> JSONResponse:
    authorizer = (request.scope.get("aws.event") or {}).get("requestContext", {}).get("authorizer") or {}
    companies = str(authorizer.get("companyIds") or "").split(",")
    item = DYNAMODB.get_item(TableName=JOBS_TABLE, Key={"pk": {"S": f"JOB#{job_id}"}}, ConsistentRead=True).get("Item")
    if not item or item["companyId"]["S"] not in companies:
        return JSONResponse({"type": "EXPORT_NOT_FOUND", "message": "Export job not found."}, status_code=404)
    data = {k: _DESERIALIZER.deserialize(v) for k, v in item.items() if k not in ("pk", "sortKey", "companyStatus")}
    return JSONResponse({"data": {k: str(v) if not isinstance(v, str | bool) else v for k, v in data.items()}})


for _version in ("v0", "v1", "v2", "v3"):
    app.get(f"/{_version}/export-jobs/{{job_id}}")(get_job)

_adapter = Mangum(app, lifespan="off")


def export_jobs(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = _adapter(event, context)
    return response
