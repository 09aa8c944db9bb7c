"""Least privilege: every action a function's policy grants is one the function calls, and every
call it makes is granted. The AWS calls are recorded per function at botocore's boundary while a
scenario drives every function through its handlers (every operation, a job's whole lifecycle on
Step Functions, reconciling, API keys and tokens through the authorizers), then compared with
template.yaml."""

import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import botocore.client
import pytest
from export_api.models.enums import ExportJobStatus
from export_api.services.authentication import ApiKeys, get_admin_authentication, get_authentication
from export_api.services.container import get_services
from export_api.settings import get_settings
from pytest_httpserver import HTTPServer

from export_api_local.template import ROOT, function_handler_path, resources_of_type
from tests.auth.conftest import admin_token, basic, mint
from tests.auth.support import call
from tests.support.api import ADMIN
from tests.support.data import Company, successful
from tests.support.webhooks import JOB_EVENTS, Webhooks
from tests.workflow.conftest import Lifecycle
from tests.workflow.test_resume import Outage, record_sleeps

FUNCTIONS = sorted(resources_of_type("AWS::Serverless::Function"))
# Granted for a path the scenario cannot provoke deterministically, each with the reason.
_IDEMPOTENCY_FAILURE = (
    "Powertools deletes an Idempotency-Key's in-progress record when the operation fails unexpectedly, so a "
    "retry runs it again (tests/test_idempotency.py provokes it)"
)
_USAGE_PLANS = (
    "API Gateway keys and usage plans, where the deployment has them (USAGE_PLAN_IDS): a company's key is made and "
    "moved between tiers in tests/local/test_usage_plans.py"
)
NOT_IN_SCENARIO = {
    ("ExportJobsFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_FAILURE,
    ("ExportJobEventsFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_FAILURE,
    ("AdminFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_FAILURE,
    ("SubscriptionsFunction", "dynamodb:DeleteItem"): _IDEMPOTENCY_FAILURE,
    ("AdminFunction", "apigateway:POST"): _USAGE_PLANS,
    ("AdminFunction", "apigateway:DELETE"): _USAGE_PLANS,
    ("JobWorkflowFunction", "dynamodb:BatchGetItem"): (
        "abandoning a failed job's items re-reads them only when the status index was behind "
        "(tests/test_concurrency.py provokes it)"
    ),
    # The test helpers are off here, as the template leaves them (tests/test_test_helpers.py calls them).
    ("AdminFunction", "states:SendTaskFailure"): "a test clock's advance ends the job's wait (test helpers only)",
    ("ExportItemsFunction", "dynamodb:UpdateItem"): "a request takes an injected fault (test helpers only)",
    # Made by a Lambda init only (tests/test_cold_start.py checks it); tests build handlers without one.
    ("ExportJobEventsFunction", "states:DescribeStateMachine"): "the init's warm-up read of the state machine",
    ("JobWorkflowFunction", "states:SendTaskSuccess"): (
        "the wait completes itself when the job's event came before it stored its token, a race "
        "(tests/workflow/test_concurrency.py)"
    ),
}
# SAM policy templates the template uses, and the actions they grant.
POLICY_TEMPLATES = {"StepFunctionsExecutionPolicy": {"states:StartExecution"}}
_TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}

_invoked: ContextVar[str | None] = ContextVar("invoked", default=None)


def granted(function: str) -> set[str]:
    actions: set[str] = set()
    for policy in resources_of_type("AWS::Serverless::Function")[function].get("Policies") or []:
        if "Statement" in policy:
            for statement in policy["Statement"]:
                listed = statement["Action"]
                actions.update([listed] if isinstance(listed, str) else listed)
            continue
        (name,) = policy
        assert name in POLICY_TEMPLATES, f"{function}: policy template {name} - add what it grants to POLICY_TEMPLATES"
        actions |= POLICY_TEMPLATES[name]
    return actions


# SQS batch operations are authorized by the action of their single form.
_SQS_BATCHES = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def iam_actions(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    if service == "sqs":
        return {f"sqs:{_SQS_BATCHES.get(operation, operation)}"}
    if service == "dynamodb" and operation == "TransactWriteItems":
        return {f"dynamodb:{_TRANSACTION_ACTIONS[kind]}" for item in params["TransactItems"] for kind in item}
    if service == "dynamodb" and operation == "TransactGetItems":
        return {"dynamodb:GetItem"}
    return {f"{service}:{operation}"}


def _source_files() -> dict[str, str]:
    files = {}
    for function in FUNCTIONS:
        module, _ = function_handler_path(function)
        files[str(ROOT.joinpath(*module.split(".")).with_suffix(".py"))] = function
    return files


class Recorder:
    """Every AWS API call, attributed to the function whose handler is running: the one invoked (its
    handler wrapped below), or else the one whose module is on the stack (the workflow's steps run in
    moto's threads, through handlers the Lambda hook looked up once per session)."""

    def __init__(self) -> None:
        self.calls: dict[str, set[str]] = defaultdict(set)
        self.unattributed: set[str] = set()
        self._files = _source_files()

    def function(self) -> str | None:
        invoked = _invoked.get()
        if invoked is not None:
            return invoked
        frame = sys._getframe(2)
        while frame is not None:
            found = self._files.get(frame.f_code.co_filename)
            if found:
                return found
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        actions = iam_actions(service, operation, params)
        function = self.function()
        if function is None:
            self.unattributed |= actions
        else:
            self.calls[function] |= actions


def _wrap(function: str, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def invoked(event: Any, context: Any) -> Any:
        token = _invoked.set(function)
        try:
            return handler(event, context)
        finally:
            _invoked.reset(token)

    return invoked


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorded = Recorder()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        recorded.record(client.meta.service_model.endpoint_prefix, operation, params)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    for function in FUNCTIONS:
        module_name, attribute = function_handler_path(function)
        module = __import__(module_name, fromlist=[attribute])
        monkeypatch.setattr(module, attribute, _wrap(function, getattr(module, attribute)))
    # Secrets read afresh on every use: each function's own read is seen, not a neighbour's cached value.
    monkeypatch.setenv("SECRETS_MAX_AGE_SECONDS", "0")
    for cached in (get_settings, get_services, get_authentication, get_admin_authentication):
        cached.cache_clear()
    yield recorded
    for cached in (get_settings, get_services, get_authentication, get_admin_authentication):
        cached.cache_clear()


def drive_every_function(lifecycle: Lifecycle, company: Company, api_keys: ApiKeys, monkeypatch: Any) -> None:
    api, me = company.api, company.identity
    key = {"Idempotency-Key": "least-privilege"}
    # Through the authorizers: a bearer token, an API key, an admin token.
    issued = api_keys.issue([company.company_id], ["export-jobs:read"])
    assert call("GET", "/v3/export-jobs", "Bearer " + mint(company.company_id)).status == 200
    assert call("GET", "/v3/export-jobs", basic(issued.key)).status == 200
    assert call("GET", f"/admin/companies/{company.company_id}/accounting-entries", admin_token()).status == 200
    # Every operation, POSTs and PUTs with an Idempotency-Key.
    assert api.get(f"/admin/companies/{company.company_id}/accounting-entries", ADMIN, {"limit": "5"}).status == 200
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids}
    job = api.post("/v1/export-jobs", me, body, headers=key).body["data"]
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    page = api.get("/v3/export-jobs", me, {"limit": "1"})
    assert api.get("/v3/export-jobs", me, {"limit": "1", "after": page.body["pagination"]["endCursor"]}).status == 200
    assert api.get(f"/v3/export-jobs/{job['id']}", me).status == 200
    assert api.get(f"/v3/export-jobs/{job['id']}/items", me, {"limit": "5"}).status == 200
    assert api.get("/v3/export-items", me, {"job_id": job["id"], "limit": "5"}).status == 200
    started = {"jobId": job["id"], "event": "started"}
    assert api.post("/v3/export-job-events", me, started, headers=key).status == 202
    lifecycle.wait_for_token(job["id"], ExportJobStatus.IN_PROGRESS)
    updates = [successful(e) for e in company.entry_ids[:100]]
    assert api.put(f"/v3/export-jobs/{job['id']}/items", me, updates, headers=key).status == 200
    assert api.post("/v3/export-job-events", me, {"jobId": job["id"], "event": "completed"}).status == 202
    lifecycle.wait_until_done(job["id"])
    assert api.get(f"/admin/export-jobs/{job['id']}/execution", ADMIN).status == 200
    assert api.get("/health", None).status == 200
    # A job whose execution did not start, started by reconcile; a stalled wait resumed by it.
    record_sleeps(monkeypatch)
    outage = Outage(monkeypatch, "start_execution")
    second = company.create_job(company.entry_ids[:2])
    outage.end()
    reconcile = f"/admin/export-jobs/{second['id']}/execution/reconcile"
    assert api.post(reconcile, ADMIN, headers=key).status == 200
    lifecycle.wait_for_token(second["id"], ExportJobStatus.PENDING)
    outage = Outage(monkeypatch, "send_task_success")
    assert company.event(second["id"], "started") == 202
    outage.end()
    assert api.post(reconcile, ADMIN).status == 200
    lifecycle.wait_for_token(second["id"], ExportJobStatus.IN_PROGRESS)
    # Left alone past its stuck limit? Too slow here: failed instead, finalized by the workflow.
    assert company.event(second["id"], "failed") == 202
    lifecycle.wait_until_done(second["id"])


def subscribe_and_manage(webhooks: Webhooks, company: Company, receiver: HTTPServer) -> tuple[str, str]:
    """SubscriptionsFunction's every operation; a subscriber that answers and one that does not."""
    api, me = company.api, company.identity
    answering = webhooks.subscribe(me, receiver.url_for("/ok"))
    down = webhooks.subscribe(me, receiver.url_for("/down"), ["v1.export-job.created"])
    path = f"/v1/subscriptions/{answering}"
    assert api.get("/v1/subscriptions", me, {"limit": "1"}).status == 200
    assert api.get(path, me).status == 200
    key = {"Idempotency-Key": "least-privilege"}
    update = {"endpointUrl": receiver.url_for("/ok"), "eventTypes": JOB_EVENTS}
    assert api.put(path, me, update, headers=key).status == 200
    assert api.get(f"{path}/activities", me).status == 200
    assert api.post(f"{path}/secret/rotate", me, headers=key).status == 200
    webhooks.secret(me, answering)
    return answering, down


def deliver_and_redeliver(webhooks: Webhooks, company: Company, answering: str, down: str) -> None:
    """WebhookDeliveryFunction: deliveries, retries, the dead-letter queue; AdminFunction: a redelivery."""
    api, me = company.api, company.identity
    webhooks.deliver()
    attempts = webhooks.deliveries(me, down)
    assert attempts[-1]["outcome"] == "failed"
    redeliver = f"/admin/subscriptions/{down}/messages/{attempts[-1]['messageId']}/redeliver"
    assert api.post(redeliver, ADMIN).status == 202
    webhooks.deliver()
    assert webhooks.deliveries(me, answering)
    assert api.delete(f"/v1/subscriptions/{down}", me).status == 204


@pytest.mark.slow
def test_each_function_is_granted_exactly_what_it_calls(
    recorder: Recorder,
    lifecycle: Lifecycle,
    api: Any,
    api_keys: ApiKeys,
    monkeypatch: pytest.MonkeyPatch,
    webhooks: Webhooks,
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/ok").respond_with_data("ok")
    httpserver.expect_request("/down").respond_with_data("down", status=503)
    company = Company.create(api, entries=120)
    answering, down = subscribe_and_manage(webhooks, company, httpserver)
    drive_every_function(lifecycle, company, api_keys, monkeypatch)
    deliver_and_redeliver(webhooks, company, answering, down)
    problems = []
    for function in FUNCTIONS:
        allowed, called = granted(function), recorder.calls.get(function, set())
        if called - allowed:
            problems.append(f"{function} calls what it is not granted: {sorted(called - allowed)}")
        unused = {a for a in allowed - called if (function, a) not in NOT_IN_SCENARIO}
        if unused:
            problems.append(f"{function} is granted what it never calls: {sorted(unused)}")
    assert not problems, "\n".join(problems)
    assert set(recorder.calls) == set(FUNCTIONS), "the scenario drives every function"


def test_the_template_declares_no_wildcard_action_for_a_function() -> None:
    for function in FUNCTIONS:
        assert not any("*" in action for action in granted(function)), function
