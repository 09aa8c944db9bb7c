"""The console's routes (mounted by export_api_local.asgi)."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from export_api_local.console import pages
from export_api_local.console.source import AdminApi, Answer, state_machine_definition
from export_api_local.gateway import Gateway

COOKIE = "export_api_console"
STATIC = Path(__file__).parent / "static"
PAGE_SIZE = "25"
# Scripts and styles from the console's own static files only (style attributes aside: the bars and the
# graph's layout), no framing (clickjacking), forms posted to the console only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HTML_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
}


def authorization_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        return header
    token = request.cookies.get(COOKIE)
    return f"Bearer {token}" if token else None


def cross_site(request: Request) -> bool:
    """A form posted from another site (login CSRF, a forced sign-out). Browsers say where a POST comes from
    (`Sec-Fetch-Site`, `Origin`); a request that says nothing comes from no browser page, and is let in."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=_HTML_HEADERS)


def _refused(answer: Answer, request: Request) -> HTMLResponse:
    """The admin authorizer's 401/403 as a page with the same status: sign in (again)."""
    if answer.status == 403:
        message = "This credential does not have the admin scope: " + answer.message
    elif authorization_of(request):
        message = "The credential was not accepted (expired, or signed with another secret): " + answer.message
    else:
        message = None
    return _html(pages.sign_in_page(message, request.url.path), answer.status)


def _failed(answer: Answer, what: str) -> HTMLResponse:
    status = answer.status if answer.status in (400, 404) else 502
    return _html(pages.problem_page(f"Cannot show {what}", answer.message), status)


def _json(answer: Answer) -> Response:
    return Response(answer.raw, answer.status, media_type="application/json", headers={"Cache-Control": "no-store"})


def console_routes(gateway: Gateway) -> list[BaseRoute]:
    def admin(request: Request) -> AdminApi:
        return AdminApi(gateway, authorization_of(request), request.headers.get("host", "127.0.0.1"))

    def job_list_query(request: Request) -> list[tuple[str, str]]:
        params = request.query_params
        query = [("sorting_keys", "createdAt"), ("sorting_order", "DESC"), ("limit", params.get("limit") or PAGE_SIZE)]
        for name in ("company_id", "after", "before"):
            if params.get(name):
                query.append((name, params[name].strip()))
        query += [("statuses", status) for status in params.getlist("status") if status]
        return query

    async def jobs(request: Request) -> Response:
        answer = await admin(request).get("/admin/export-jobs", job_list_query(request))
        if answer.status in (401, 403):
            return _refused(answer, request)
        filters = {
            "company_id": request.query_params.get("company_id", ""),
            "status": request.query_params.get("status", ""),
            "limit": request.query_params.get("limit", ""),
            "after": request.query_params.get("after", ""),
        }
        if answer.status == 400:
            return _html(pages.jobs_page([], {}, filters, problem=answer.message), 400)
        if not answer.ok:
            return _failed(answer, "the jobs")
        return _html(pages.jobs_page(answer.body["data"], answer.body["pagination"], filters))

    async def jobs_json(request: Request) -> Response:
        return _json(await admin(request).get("/admin/export-jobs", job_list_query(request)))

    async def job(request: Request) -> Response:
        job_id = request.path_params["job_id"]
        api = admin(request)
        found = await api.get(f"/admin/export-jobs/{job_id}")
        if found.status in (401, 403):
            return _refused(found, request)
        if not found.ok:
            return _failed(found, f"job {job_id}")
        execution = await api.get(f"/admin/export-jobs/{job_id}/execution")
        item_status = request.query_params.get("item_status", "")
        item_query = [("limit", PAGE_SIZE)] + [
            (name, request.query_params[key])
            for name, key in (("status", "item_status"), ("after", "items_after"))
            if request.query_params.get(key)
        ]
        items = await api.get(f"/admin/export-jobs/{job_id}/items", item_query)
        # The company's test clock and faults; 404 where the test helpers are off (nothing shown).
        helpers = await api.get(f"/admin/test-helpers/companies/{found.body['data']['companyId']}")
        run: dict[str, Any] | None = execution.body if execution.ok else None
        definition = await state_machine_definition(run["stateMachineArn"] if run else None)
        page = pages.job_page(
            found.body["data"],
            run,
            definition,
            items.body if items.ok else None,
            item_status,
            execution_problem=None if execution.ok else execution.message,
            test_helpers=helpers.body["data"] if helpers.ok else None,
        )
        return _html(page)

    def passthrough(path: str) -> Any:
        async def endpoint(request: Request) -> Response:
            job_id = request.path_params["job_id"]
            query = [(k, v) for k, v in request.query_params.multi_items()]
            return _json(await admin(request).get(path.format(job_id=job_id), query))

        return endpoint

    async def sign_in_form(request: Request) -> Response:
        return _html(pages.sign_in_page(next_path=_safe_next(request.query_params.get("next"))))

    async def sign_in(request: Request) -> Response:
        if cross_site(request):
            return _html(pages.problem_page("Not signed in", _CROSS_SITE), 403)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0].strip().removeprefix("Bearer ").strip()
        next_path = _safe_next((form.get("next") or [""])[0])
        probe = AdminApi(gateway, f"Bearer {token}" if token else None, request.headers.get("host", "127.0.0.1"))
        answer = await probe.get("/admin/export-jobs", [("limit", "0")])
        if not answer.ok:
            problem = (
                "This credential does not have the admin scope."
                if answer.status == 403
                else f"The token was not accepted: {answer.message}"
            )
            return _html(pages.sign_in_page(problem, next_path), 401 if answer.status != 403 else 403)
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/console")
        return response

    async def sign_out(request: Request) -> Response:
        if cross_site(request):
            return _html(pages.problem_page("Not signed out", _CROSS_SITE), 403)
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    return [
        Route("/console", jobs),
        Route("/console/", jobs),
        Route("/console/jobs.json", jobs_json),
        Route("/console/jobs/{job_id}", job),
        Route("/console/jobs/{job_id}/job.json", passthrough("/admin/export-jobs/{job_id}")),
        Route("/console/jobs/{job_id}/execution.json", passthrough("/admin/export-jobs/{job_id}/execution")),
        Route("/console/jobs/{job_id}/items.json", passthrough("/admin/export-jobs/{job_id}/items")),
        Route("/console/sign-in", sign_in_form, methods=["GET"]),
        Route("/console/sign-in", sign_in, methods=["POST"]),
        Route("/console/sign-out", sign_out, methods=["POST"]),
        Mount("/console/static", StaticFiles(directory=STATIC), name="console-static"),
    ]


_CROSS_SITE = "The form was sent from another site. Open the console itself and use its form."


def _safe_next(value: str | None) -> str:
    """Only a console path: never another site (an open redirect)."""
    if value and value.startswith("/console") and not value.startswith("//"):
        return value
    return "/console"
