"""4. Warm request overhead: the handler stack (Powertools Logger, Mangum, FastAPI, request and response
models, error mapping) per request, against calling the service directly, on the same data.

Both sides make the same DynamoDB calls to moto in-process, so the difference is the stack's own time.
"""

import statistics
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from export_api.models.caller import Caller
from export_api.repositories.paging import PageRequest
from export_api.services.container import get_services

from benchmarks.api import event_for
from benchmarks.config import Sizes
from benchmarks.data import Company
from benchmarks.report import Row
from export_api_local.apigw import LambdaContext, handler_for

SECTION = "4 warm overhead"


def _per_request(run: Callable[[], Any], count: int) -> float:
    """Median seconds of one call, over `count` calls after a few warm-up calls."""
    for _ in range(3):
        run()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run(sizes: Sizes) -> list[Row]:
    company = Company.through_api(sizes.item_page + 5)
    job_id = company.create_job(company.entry_ids)
    me = company.identity
    caller = Caller(
        principal_id=me.principal_id,
        company_ids=frozenset(UUID(c) for c in me.company_ids),
        scopes=frozenset(me.scopes.split()),
    )
    services = get_services()
    cases: list[tuple[str, tuple[Any, dict[str, Any]], Callable[[], Any]]] = [
        (
            "GET /v3/export-jobs/{jobId}",
            event_for("GET", f"/v3/export-jobs/{job_id}", me),
            lambda: services.jobs.read(caller, UUID(job_id)),
        ),
        (
            f"GET /v3/export-jobs/{{jobId}}/items (limit {sizes.item_page})",
            event_for("GET", f"/v3/export-jobs/{job_id}/items", me, {"limit": str(sizes.item_page)}),
            lambda: services.jobs.list_items(
                caller, UUID(job_id), None, PageRequest(limit=sizes.item_page, ascending=True)
            ),
        ),
    ]
    rows = []
    for case, (route, event), direct in cases:
        handler = handler_for(route)
        context = LambdaContext(function_name=route.function)

        def through_handler(
            handler: Any = handler, event: dict[str, Any] = event, context: Any = context, case: str = case
        ) -> Any:
            response = handler(event, context)
            if response["statusCode"] != 200:
                raise AssertionError(f"{case}: {response}")
            return response

        stack = _per_request(through_handler, sizes.warm_requests)
        service = _per_request(direct, sizes.warm_requests)
        rows.append(
            Row(
                section=SECTION,
                case=case,
                measured=f"handler {stack * 1000:.2f} ms",
                reference=f"service {service * 1000:.2f} ms",
                ratio=stack / service,
                goal="info",
                verdict=f"+{(stack - service) * 1000:.2f} ms",
                details={"handler_ms": stack * 1000, "service_ms": service * 1000, "requests": sizes.warm_requests},
            )
        )
    return rows
