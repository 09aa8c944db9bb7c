"""Faults injected into the Export API's requests by the test helpers (services/test_helpers.py).

Consulted by the API functions' handler only while TEST_HELPERS is `enabled` (http/app.py): this module is
then imported by the first request, and each request of a company reads the company's faults once. A
fault answers in the contract's error shape (`{"type", "message"}`; a 429 with `Retry-After`), or delays
the request, which then runs as usual. The admin API and /health take no fault: faults are cleared there.
"""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.routing import APIRoute

from export_api.errors import Unauthorized
from export_api.http.params import caller_from_event
from export_api.http.responses import JSON_MEDIA_TYPE
from export_api.models.test_helpers import Fault, FaultStatus

_ERRORS: Mapping[FaultStatus, tuple[str, str]] = {
    FaultStatus.TOO_MANY_REQUESTS: ("TOO_MANY_REQUESTS", "Too many requests; retry after the time in Retry-After."),
    FaultStatus.INTERNAL_SERVER_ERROR: ("INTERNAL_ERROR", "An unexpected error occurred; it has been logged."),
    FaultStatus.SERVICE_UNAVAILABLE: (
        "SERVICE_UNAVAILABLE",
        "The service is busy or briefly unavailable; retry with backoff.",
    ),
    FaultStatus.GATEWAY_TIMEOUT: ("GATEWAY_TIMEOUT", "The request timed out; retry with backoff."),
}

Operations = dict[tuple[str, str], str]


def operations_of(app: FastAPI) -> Operations:
    """Each route's operationId by (method, path template): API Gateway's `resource` is that template."""
    return {
        (method, route.path): str(route.operation_id)
        for route in app.router.routes
        if isinstance(route, APIRoute) and route.operation_id
        for method in route.methods or ()
    }


def request_company(event: Mapping[str, Any]) -> UUID | None:
    """The company a request acts for: the company it names (query string) if the caller may act for
    it, else the caller's only company. A caller of several companies that names none acts for no single
    company, and takes no fault."""
    try:
        caller = caller_from_event(dict(event))
    except Unauthorized:  # no caller: the request is refused as usual, with no fault
        return None
    query = event.get("queryStringParameters") or {}
    # The Export API names it `companyId` or `company_id` (by version and operation).
    named = query.get("companyId") or query.get("company_id")
    if named:
        try:
            company = UUID(str(named))
        except ValueError:
            return None
        return company if company in caller.company_ids else None
    return next(iter(caller.company_ids)) if len(caller.company_ids) == 1 else None


def fault_response(fault: Fault) -> dict[str, Any]:
    """The Lambda proxy response of a fault that answers (not of a delay); the handler adds X-Request-Id."""
    assert fault.status is not None
    error_type, message = _ERRORS[fault.status]
    headers = {"Content-Type": JSON_MEDIA_TYPE, "X-Injected-Fault": fault.id}
    if fault.status is FaultStatus.TOO_MANY_REQUESTS:
        headers["Retry-After"] = str(fault.retry_after_seconds if fault.retry_after_seconds is not None else 1)
    return {
        "statusCode": int(fault.status),
        "headers": headers,
        "body": json.dumps({"type": error_type, "message": message}, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def inject(
    event: Mapping[str, Any], operations: Operations, take: Callable[[UUID, str], Fault | None]
) -> dict[str, Any] | None:
    """The answer of the fault the request takes, if it takes one that answers; a delay is slept here and
    the request then goes on (None)."""
    resource = str(event.get("resource") or "")
    if resource.startswith("/admin") or resource == "/health":
        return None
    operation = operations.get((str(event.get("httpMethod") or "").upper(), resource))
    company = request_company(event)
    if operation is None or company is None:
        return None
    fault = take(company, operation)
    if fault is None:
        return None
    if fault.delay_milliseconds is not None:
        time.sleep(fault.delay_milliseconds / 1000)
        return None
    return fault_response(fault)
