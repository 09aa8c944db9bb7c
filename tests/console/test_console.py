"""The job console over HTTP: the admin credential, and the job page's graph of the execution."""

import json
import re
import uuid
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
from export_api.models.enums import ExportJobStatus

from export_api_local.template import ROOT
from tests.console.conftest import Console, Page, bearer
from tests.support.data import Company
from tests.workflow.conftest import Lifecycle

ASL_STATES = set(json.loads((ROOT / "statemachine" / "export_job.asl.json").read_text())["States"])
SVG = "{http://www.w3.org/2000/svg}"


def graph(page: Page) -> dict[str, set[str]]:
    """Each state of the page's SVG graph with its classes."""
    found = re.search(r"<svg .*?</svg>", page.text, re.DOTALL)
    assert found, "the job page has no SVG graph"
    root = ElementTree.fromstring(found.group(0))
    return {
        g.attrib["data-state"]: set(g.attrib["class"].split()) for g in root.iter(f"{SVG}g") if "data-state" in g.attrib
    }


def marked(states: dict[str, set[str]], mark: str) -> set[str]:
    return {name for name, classes in states.items() if mark in classes}


def task_tokens(lifecycle: Lifecycle, job_id: str) -> list[str]:
    tokens = []
    for event in lifecycle.history(job_id):
        parameters = event.get("taskScheduledEventDetails", {}).get("parameters")
        if parameters and "taskToken" in parameters:
            tokens.append(json.loads(parameters)["Payload"]["taskToken"])
    return tokens


def finished_page(console: Console, admin: str, lifecycle: Lifecycle, job_id: str) -> tuple[Page, dict[str, set[str]]]:
    execution = lifecycle.wait_until_done(job_id)
    assert execution["status"] != "RUNNING"
    page = console.get(f"/console/jobs/{job_id}", admin)
    assert page.status == 200, page.text[:500]
    states = graph(page)
    assert set(states) == ASL_STATES
    assert marked(states, "visited") == set(lifecycle.states_entered(job_id, publish=True))
    assert not marked(states, "current")
    assert "data-refresh" not in page.text
    tokens = task_tokens(lifecycle, job_id)
    assert tokens, "the history has waiting tasks"
    assert not [token for token in tokens if token in page.text], "a task token is shown"
    assert "«redacted»" in page.text
    return page, states


def test_a_completed_job(console: Console, admin: str, lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert company.event(job["id"], "started") == 202
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "completed") == 202

    page, states = finished_page(console, admin, lifecycle, job["id"])
    assert "JobSucceeded" in marked(states, "visited")
    assert not ({"CheckDeadline", "JobFailed"} & marked(states, "visited"))
    assert not marked(states, "failed")
    assert "SUCCEEDED" in page.text


def test_a_failed_job(console: Console, admin: str, lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert company.event(job["id"], "started") == 202
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    assert company.event(job["id"], "failed", failureReasonType="invalid_configuration") == 202

    page, states = finished_page(console, admin, lifecycle, job["id"])
    assert marked(states, "failed") == {"JobFailed"}
    assert "AwaitFinish" in marked(states, "visited")
    assert "invalid_configuration" in page.text
    assert "30</b> abandoned" in page.text


@pytest.mark.lifecycle(expires_in=1)
def test_an_expired_job(console: Console, admin: str, lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()

    page, states = finished_page(console, admin, lifecycle, job["id"])
    assert marked(states, "failed") == {"JobFailed"}
    assert "CheckDeadline" in marked(states, "visited")
    assert "AwaitFinish" not in marked(states, "visited")
    # The wait timed out (caught by the machine): the state is marked, the event is in the history.
    assert "AwaitStart" in marked(states, "errored")
    assert "TaskTimedOut" in page.text
    assert "job_expired" in page.text


def test_a_running_job_refreshes(console: Console, admin: str, lifecycle: Lifecycle, company: Company) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)

    page = console.get(f"/console/jobs/{job['id']}", admin)
    assert page.status == 200
    states = graph(page)
    assert marked(states, "current") == {"AwaitStart"}
    assert marked(states, "visited") == {"PublishCreated", "AwaitStart"}
    assert 'data-refresh="3"' in page.text
    assert '<meta http-equiv="refresh"' in page.text  # inside <noscript>
    assert company.event(job["id"], "failed") == 202
    lifecycle.wait_until_done(job["id"])


def test_the_jobs_page_lists_every_companys_jobs(
    console: Console, admin: str, company: Company, other_company: Company
) -> None:
    mine, theirs = company.create_job(company.entry_ids[:3]), other_company.create_job()
    assert company.event(mine["id"], "started") == 202

    page = console.get("/console", admin)
    assert page.status == 200
    assert page.text.index(f"/console/jobs/{theirs['id']}") < page.text.index(f"/console/jobs/{mine['id']}")
    only_theirs = console.get(f"/console?company_id={other_company.company_id}", admin)
    assert f"/console/jobs/{theirs['id']}" in only_theirs.text
    assert f"/console/jobs/{mine['id']}" not in only_theirs.text
    started = console.get("/console?status=in_progress", admin)
    assert f"/console/jobs/{mine['id']}" in started.text
    assert f"/console/jobs/{theirs['id']}" not in started.text
    listed: dict[str, Any] = json.loads(console.get("/console/jobs.json?status=in_progress", admin).text)
    assert [job["id"] for job in listed["data"]] == [mine["id"]]
    assert console.get("/console?status=done", admin).status == 400


def test_pages_need_an_admin_credential(console: Console, admin: str, company: Company) -> None:
    job = company.create_job(company.entry_ids[:2])
    company_token = bearer([company.company_id], ["export-jobs:read", "export-jobs:write", "export-items:read"])
    pages = ["/console", f"/console/jobs/{job['id']}"]
    data = [f"/console/jobs/{job['id']}/job.json", f"/console/jobs/{job['id']}/items.json", "/console/jobs.json"]
    for path in pages:
        assert console.get(path, admin).status == 200, path
        refused = console.get(path)
        assert refused.status == 401, path
        assert 'action="/console/sign-in"' in refused.text
        assert console.get(path, "Bearer not-a-token").status == 401, path
        # A company's token is for the Export API's audience, not the admin one: no admin credential at all.
        assert console.get(path, company_token).status == 401, path
    for path in data:
        assert console.get(path, admin).status == 200, path
        assert console.get(path).status == 401, path
        assert console.get(path, company_token).status == 401, path
    assert console.get(f"/console/jobs/{uuid.uuid4()}", admin).status == 404
    assert console.get("/console/jobs/not-a-job", admin).status == 400


def test_signing_in_keeps_the_token_in_a_cookie(console: Console, admin: str) -> None:
    token = admin.removeprefix("Bearer ")
    refused = console.post_form("/console/sign-in", "token=wrong&next=/console")
    assert refused.status == 401
    not_admin = bearer([str(uuid.uuid4())], ["export-jobs:read"]).removeprefix("Bearer ")
    assert console.post_form("/console/sign-in", f"token={not_admin}").status == 401  # not the admin audience

    signed_in = console.post_form("/console/sign-in", f"token={token}&next=https://elsewhere.example/")
    assert signed_in.status == 303
    assert signed_in.headers["location"] == "/console"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert console.get("/console", cookie=cookie.split(";")[0]).status == 200


def test_the_job_page_shows_the_companys_test_clock_and_faults(
    console: Console, admin: str, lifecycle: Lifecycle, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    from export_api.services.container import get_services
    from export_api.settings import get_settings

    from tests.support.api import ADMIN

    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    assert 'id="test-helpers"' not in console.get(f"/console/jobs/{job['id']}", admin).text  # off by default
    monkeypatch.setenv("TEST_HELPERS", "enabled")
    get_settings.cache_clear()
    get_services.cache_clear()
    helpers = f"/admin/test-helpers/companies/{company.company_id}"
    assert company.api.post(helpers + "/clock:advance", ADMIN, {"seconds": 60}).status == 200
    fault = company.api.post(helpers + "/faults", ADMIN, {"operation": "updateExportJobItems", "status": 503}).data

    page = console.get(f"/console/jobs/{job['id']}", admin)
    assert page.status == 200
    assert 'id="test-helpers"' in page.text
    assert "advanced 60 s" in page.text
    assert fault["id"] in page.text
    assert "answers 503" in page.text
    # The lifecycle's limits are a few seconds here: the advance has expired the job.
    assert lifecycle.wait_until_done(job["id"])["error"] == "job_expired"
    monkeypatch.undo()
    get_settings.cache_clear()
    get_services.cache_clear()
