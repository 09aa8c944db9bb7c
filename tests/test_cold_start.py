"""Cold start: what a function's init (export_api.bootstrap) does, and the SnapStart hooks.

In a Lambda init (`AWS_LAMBDA_INITIALIZATION_TYPE` set) a function creates the AWS clients every request
uses, builds its services and routes, makes the DynamoDB reads its requests make once (and a read of the
state machine where its requests call Step Functions), and with Lambda's Python runtime registers the
SnapStart hooks, which create the other clients before the snapshot, hold no secret in it, and re-seed
randomness and make new clients after each restore. Each case runs in a fresh
interpreter (the import is what is under test), with a stand-in for the runtime's `snapshot_restore_py`
where the hooks are wanted. AWS answers in the probe (botocore's `before-call`): nothing is sent.
The time this saves is measured by the benchmarks (`python -m benchmarks --only coldstart`), not here.
"""

import importlib
import os
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from export_api.http.app import create_app
from fastapi import APIRouter
from pydantic import BaseModel

from export_api_local.template import ROOT, function_handler_path, resources_of_type
from tests.support.probe import probe_report

ENVIRONMENT = {
    "JOBS_TABLE_NAME": "cold-jobs",
    "ITEMS_TABLE_NAME": "cold-items",
    "IDEMPOTENCY_TABLE_NAME": "cold-idempotency",
    "CREDENTIALS_TABLE_NAME": "cold-credentials",
    "CURSOR_SECRET_ARN": "cold-cursor",
    "JWT_PUBLIC_KEYS_ARN": "cold-keys",
    "STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:cold",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "cold",
    "AWS_SECRET_ACCESS_KEY": "cold",
    "WEBHOOKS_TABLE_NAME": "cold-webhooks",
    "WEBHOOK_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/cold",
    "WEBHOOK_DEAD_LETTER_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/cold-dlq",
    "POWERTOOLS_TRACE_DISABLED": "true",
}

# The fake runtime module: remembers the hooks registered with it.
RUNTIME = """
before, after = [], []

def register_before_snapshot(hook, *args, **kwargs):
    before.append(hook)
    return hook

def register_after_restore(hook, *args, **kwargs):
    after.append(hook)
    return hook
"""

# Imports a function and reports which clients exist, and what the hooks do when run as Lambda would.
PROBE = """
import json, random, sys
import boto3
from botocore.awsrequest import AWSResponse
from export_api.repositories import aws

# Secrets Manager answers here (status {secret_status}), before any request is sent.
cursor_key_reads = []

def answer_secret(params, **_):
    secret_id = json.loads(params["body"])["SecretId"]
    cursor_key_reads.append(secret_id)
    if {secret_status} != 200:
        return AWSResponse("https://secrets", {secret_status}, {{}}, None), {{"Error": {{"Code": "AccessDenied"}}}}
    return AWSResponse("https://secrets", 200, {{}}, None), {{"Name": secret_id, "SecretString": "k" * 32}}

boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register("before-call.secrets-manager.GetSecretValue", answer_secret)

# Every DynamoDB call made, and every request that reached botocore's HTTP session (refused there).
import botocore.httpsession
from botocore.exceptions import EndpointConnectionError
dynamodb_calls, sent = [], []

def dynamodb_call(model, **_):
    dynamodb_calls.append(model.name)
    if {dynamodb_status} != 200:
        # DynamoDB refusing the read, as it would a role without it.
        refusal = {{"Error": {{"Code": "AccessDeniedException"}}}}
        return AWSResponse("https://dynamodb", {dynamodb_status}, {{}}, None), refusal
    # A key that is never stored: no item.
    return AWSResponse("https://dynamodb", 200, {{}}, None), {{}}

def refuse(self, request):
    sent.append(request.url)
    raise EndpointConnectionError(endpoint_url=request.url)

boto3.DEFAULT_SESSION.events.register("before-call.dynamodb", dynamodb_call)

# Step Functions answers here (status {states_status}): the state machine's description.
stepfunctions_calls = []

def stepfunctions_call(model, **_):
    stepfunctions_calls.append(model.name)
    if {states_status} != 200:
        refusal = {{"Error": {{"Code": "AccessDeniedException"}}}}
        return AWSResponse("https://states", {states_status}, {{}}, None), refusal
    return AWSResponse("https://states", 200, {{}}, None), {{"stateMachineArn": "arn", "name": "cold"}}

boto3.DEFAULT_SESSION.events.register("before-call.sfn", stepfunctions_call)
botocore.httpsession.URLLib3Session.send = refuse

# What asks `inspect` for a builtin's signature (read from its text with Python's tokenizer, a few ms at first use).
import inspect
text_signatures = []
read_text_signature = inspect._signature_fromstr

def spy_text_signature(cls, obj, *args, **kwargs):
    text_signatures.append(repr(obj))
    return read_text_signature(cls, obj, *args, **kwargs)

inspect._signature_fromstr = spy_text_signature
import gc
import {module} as function

def export_item_versions():
    return sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("export_api.versions.items.v"))

def clients():
    return {{
        "tables": aws.table.cache_info().currsize,
        "dynamodb": aws.dynamodb.cache_info().currsize,
        "clients": aws.client.cache_info().currsize,
        "secrets": aws.secrets_provider.cache_info().currsize,
        "stepfunctions": aws.stepfunctions.cache_info().currsize,
    }}

container = sys.modules.get("export_api.services.container")
built = sorted(vars(container.get_services())) if container and container.get_services.cache_info().currsize else []
report = {{
    "at_init": clients(),
    "modules": sorted(sys.modules),
    "services": [name for name in built if not name.startswith("_") and name != "settings"],
    "httpx": "httpx" in sys.modules,
    "pydantic_v1": "pydantic.v1" in sys.modules,
    "anyio_backend": "anyio._backends._asyncio" in sys.modules,
    "export_item_versions": export_item_versions(),
    "cursor_key_reads": list(cursor_key_reads),
    "admin_entry_models": "export_api.admin_api.accounting_entries" in sys.modules,
    "job_shapes": "export_api.versions.jobs" in sys.modules,
    "pagination_models": "export_api.http.pagination" in sys.modules,
    "text_signatures": list(text_signatures),
    "dynamodb_calls": list(dynamodb_calls),
    "stepfunctions_calls": list(stepfunctions_calls),
    "sent": list(sent),
    "gc": {{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}},
}}
try:
    import snapshot_restore_py as runtime
except ImportError:
    runtime = None
report["registered"] = runtime is not None and len(runtime.before) == 1 and len(runtime.after) == 1
if report["registered"]:
    for hook in runtime.before:
        hook()
    report["in_snapshot"] = clients()
    report["export_item_versions_in_snapshot"] = export_item_versions()
    report["cursor_key_reads_in_snapshot"] = list(cursor_key_reads)
    report["admin_entry_models_in_snapshot"] = "export_api.admin_api.accounting_entries" in sys.modules
    before_client = aws.dynamodb()
    state = random.getstate()
    random.setstate(state)
    from_snapshot = random.random()
    random.setstate(state)
    for hook in runtime.after:
        hook()
    report["reseeded"] = random.random() != from_snapshot
    report["new_clients"] = aws.dynamodb() is not before_client
    report["after_restore"] = clients()
print("REPORT " + json.dumps(report))
"""


# What each function's init warms (export_api.bootstrap.warm_up): the DynamoDB reads its requests make.
WARMED_READS = {
    "functions.export_jobs.app": ["GetItem", "Query"],
    "functions.export_items.app": ["GetItem", "Query", "BatchGetItem"],
    "functions.export_job_events.app": ["GetItem"],
    "functions.admin.app": ["GetItem"],
    "functions.authorizer.app": ["GetItem"],
}
# And the Step Functions read of the functions whose common request calls Step Functions.
WARMED_STEP_FUNCTIONS = {"functions.export_job_events.app": ["DescribeStateMachine"]}

# Every handler module the template deploys.
FUNCTION_MODULES = sorted({function_handler_path(name)[0] for name in resources_of_type("AWS::Serverless::Function")})

# The heavy modules each function's init must not import: another function's work (webhook delivery
# alone needs httpx; the workflow's steps, the admin entry models), what no request of it uses (the job
# shapes where no job is shown, pagination where nothing is listed), anyio's worker threads (every route
# is a coroutine), `pydantic.v1` where no route declares a parameter (http/params.py), and for the plain
# handlers the web framework (the authorizers: pydantic too, which their layers do not ship). The one
# table of these rules.
# The test helpers (off unless TEST_HELPERS is enabled): their faults are imported by the first request
# that looks for one, and only while they are enabled; their service by the first admin call.
TEST_HELPERS_AT_REQUEST = (
    "export_api.http.faults",
    "export_api.services.test_helpers",
    "export_api.repositories.test_helpers",
)
NOT_AT_INIT: dict[str, set[str]] = {
    "functions.export_jobs.app": {
        "httpx",
        "pydantic.v1",
        "export_api.services.webhook_delivery",
        "export_api.services.subscriptions",
        "export_api.services.job_lifecycle",
        "export_api.admin_api.accounting_entries",
        "anyio._backends._asyncio",
        *TEST_HELPERS_AT_REQUEST,
    },
    "functions.export_items.app": {
        "httpx",
        "pydantic.v1",
        "export_api.services.webhook_delivery",
        "export_api.services.workflow",
        "export_api.repositories.stepfunctions",
        "export_api.versions.jobs",
        "export_api.versions.items.v0",
        "export_api.versions.items.v1",
        "export_api.versions.items.v2",
        "anyio._backends._asyncio",
        *TEST_HELPERS_AT_REQUEST,
    },
    "functions.export_job_events.app": {
        "httpx",
        "pydantic.v1",
        "export_api.services.webhook_delivery",
        "export_api.versions.jobs",
        "export_api.http.pagination",
        "export_api.versions.items.v3",
        "anyio._backends._asyncio",
        *TEST_HELPERS_AT_REQUEST,
    },
    "functions.admin.app": {
        "httpx",
        "export_api.services.webhook_delivery",
        "export_api.admin_api.accounting_entries",
        "export_api.services.job_lifecycle",
        "anyio._backends._asyncio",
        *TEST_HELPERS_AT_REQUEST,
        # Their routes too, where they are disabled (as here, the template's default).
        "export_api.http.test_helpers",
        "export_api.models.test_helpers",
    },
    "functions.subscriptions.app": {
        "export_api.services.webhook_delivery",
        "export_api.services.workflow",
        "export_api.versions.jobs",
        "anyio._backends._asyncio",
        *TEST_HELPERS_AT_REQUEST,
    },
    "functions.authorizer.app": {
        "fastapi",
        "mangum",
        "export_api.services.container",
        "export_api.repositories.jobs",
        "httpx",
        "pydantic",
    },
    "functions.authorizer.admin": {
        "fastapi",
        "mangum",
        "export_api.services.container",
        "export_api.repositories.jobs",
        "httpx",
        "pydantic",
    },
    "functions.job_workflow.app": {"fastapi", "mangum", "httpx", "export_api.services.webhook_delivery"},
    "functions.webhook_delivery.app": {"fastapi", "mangum", "export_api.services.workflow"},
}


def test_the_table_names_every_deployed_function() -> None:
    assert sorted(NOT_AT_INIT) == FUNCTION_MODULES


def _start(
    module: str,
    tmp_path: Path,
    *,
    init: str | None,
    runtime: bool = False,
    secret_status: int = 200,
    dynamodb_status: int = 200,
    states_status: int = 200,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    paths = [str(ROOT), str(ROOT / "layers" / "shared")]
    if runtime:
        (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME)
        paths.insert(0, str(tmp_path))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST", "COV_"))}
    env.update(ENVIRONMENT, PYTHONPATH=os.pathsep.join(paths))
    env.update(environment or {})
    if init:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = init
    code = PROBE.format(
        module=module, secret_status=secret_status, dynamodb_status=dynamodb_status, states_status=states_status
    )
    return probe_report(code, [], env)


def test_outside_a_lambda_init_a_function_creates_no_client(tmp_path: Path) -> None:
    # Tests and local tooling create clients on first use, once their emulator is up.
    report = _start("functions.export_jobs.app", tmp_path, init=None, runtime=True)
    assert report["at_init"] == {"tables": 0, "dynamodb": 0, "clients": 0, "secrets": 0, "stepfunctions": 0}
    assert report["registered"] is False
    assert report["services"] == []
    assert report["cursor_key_reads"] == []
    assert report["dynamodb_calls"] == []
    assert report["stepfunctions_calls"] == []


def test_a_lambda_init_creates_the_clients_every_request_uses(tmp_path: Path) -> None:
    report = _start("functions.export_jobs.app", tmp_path, init="on-demand")
    # Jobs and items tables, the cursor key reader; not Step Functions'. The DynamoDB client (the idempotency
    # table's too) and Secrets Manager's are the process's two clients.
    assert report["at_init"] == {"tables": 2, "dynamodb": 1, "clients": 2, "secrets": 1, "stepfunctions": 0}
    assert report["registered"] is False  # not Lambda's Python runtime: no hooks, nothing else changes
    # Every page request signs cursors with the cursor key: it is read at init, once.
    assert report["cursor_key_reads"] == ["cold-cursor"]


def test_an_init_that_cannot_read_the_cursor_key_still_starts(tmp_path: Path) -> None:
    # The first request reads it again and answers its own error; the init does not fail for it.
    report = _start("functions.export_items.app", tmp_path, init="on-demand", secret_status=400)
    assert report["cursor_key_reads"] == ["cold-cursor"]
    assert report["export_item_versions"] == ["v3"]


def test_an_init_whose_warm_up_read_is_refused_still_starts(tmp_path: Path) -> None:
    # The first request makes the read itself and answers its own error; the init does not fail for it.
    report = _start("functions.export_items.app", tmp_path, init="on-demand", dynamodb_status=400)
    assert report["dynamodb_calls"] == ["GetItem"]
    assert report["sent"] == []
    assert report["export_item_versions"] == ["v3"]


def test_an_init_whose_step_functions_read_is_refused_still_starts(tmp_path: Path) -> None:
    # The first job event makes its call itself; the init does not fail for it.
    report = _start("functions.export_job_events.app", tmp_path, init="on-demand", states_status=400)
    assert report["stepfunctions_calls"] == ["DescribeStateMachine"]
    assert report["sent"] == []
    assert set(report["services"]) >= {"events", "workflow"}


@pytest.mark.parametrize(
    ("module", "services"),
    [
        ("functions.export_jobs.app", {"jobs", "entry_job_items", "accounting_settings", "idempotency", "workflow"}),
        ("functions.export_items.app", {"export_items"}),
        ("functions.export_job_events.app", {"events", "idempotency", "workflow"}),
    ],
)
def test_a_lambda_init_builds_the_services_its_requests_use_and_no_other(
    tmp_path: Path, module: str, services: set[str]
) -> None:
    """Built at init, the first request finds them ready; another function's services are not built."""
    report = _start(module, tmp_path, init="on-demand")
    built = set(report["services"])
    assert services <= built
    assert not built & {"subscriptions", "webhook_delivery", "admin_jobs", "lifecycle", "executions"}
    # Reading export items needs no workflow.
    assert ("workflow" in built) is (module != "functions.export_items.app")
    # No model, serializer or route of ours makes pydantic or FastAPI read a builtin's text signature.
    assert report["text_signatures"] == []
    # The DynamoDB reads its requests make are made once, for a key that is never stored.
    assert report["dynamodb_calls"] == WARMED_READS[module]
    assert report["stepfunctions_calls"] == WARMED_STEP_FUNCTIONS.get(module, [])
    assert report["sent"] == []


@pytest.mark.parametrize("module", FUNCTION_MODULES)
def test_a_lambda_init_imports_none_of_the_heavy_modules_its_function_does_not_need(
    tmp_path: Path, module: str
) -> None:
    report = _start(module, tmp_path, init="on-demand")
    assert sorted(NOT_AT_INIT[module] & set(report["modules"])) == []
    # The init leaves the collector as it found it.
    assert report["gc"] == {"enabled": True, "frozen": 0}


def test_no_model_defaults_to_a_builtin_factory() -> None:
    """`default_factory=dict` (or list, set) makes pydantic read the builtin's text signature, which
    runs Python's tokenizer, whose first use compiles its regular expressions: a few ms of the first cold
    start that builds such a model. An empty default (`Field(default={})`) is copied per instance at no
    such cost."""
    import export_api

    for found in pkgutil.walk_packages(export_api.__path__, "export_api."):
        importlib.import_module(found.name)
    models = [m for m in _subclasses(BaseModel) if m.__module__.startswith("export_api.")]
    assert len(models) > 100
    builtin_factories = [
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if field.default_factory in (dict, list, set, tuple, frozenset)
    ]
    assert builtin_factories == []


def _subclasses(cls: type[BaseModel]) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_the_authorizer_init_creates_its_key_reader_and_the_credentials_reader(tmp_path: Path) -> None:
    # Every request reads the key set and its company's usage key (DynamoDB: the credentials table).
    report = _start("functions.authorizer.app", tmp_path, init="on-demand")
    assert report["at_init"] == {"tables": 0, "dynamodb": 1, "clients": 2, "secrets": 1, "stepfunctions": 0}
    assert report["text_signatures"] == []


def test_snapstart_hooks_fill_the_snapshot_and_refresh_after_restore(tmp_path: Path) -> None:
    report = _start("functions.export_jobs.app", tmp_path, init="snap-start", runtime=True)
    assert report["registered"] is True
    # Before the snapshot: every client the function may use (Secrets Manager, DynamoDB, Step Functions).
    assert report["in_snapshot"] == {"tables": 3, "dynamodb": 1, "clients": 2, "secrets": 1, "stepfunctions": 1}
    # No secret in the snapshot: the cursor key is read by the first request after a restore.
    assert report["cursor_key_reads_in_snapshot"] == []
    # After a restore: randomness re-seeded, and new clients in place of the snapshot's.
    assert report["reseeded"] is True
    assert report["new_clients"] is True
    assert report["after_restore"] == report["in_snapshot"]


def test_an_app_refuses_a_route_that_would_run_in_a_worker_thread() -> None:
    """A plain-function route would run in anyio's thread pool: a thread hop per request and anyio's
    thread machinery at every cold start, where a function serves one request at a time."""
    router = APIRouter()

    @router.get("/blocking")
    def blocking() -> dict[str, str]:
        return {}

    with pytest.raises(TypeError, match=r"/blocking \(blocking\) is a plain function: declare it `async def`"):
        create_app("threads", [router])


def test_a_snapshot_holds_every_versions_export_item_models(tmp_path: Path) -> None:
    report = _start("functions.export_items.app", tmp_path, init="snap-start", runtime=True)
    assert report["export_item_versions"] == ["v3"]
    assert report["export_item_versions_in_snapshot"] == ["v0", "v1", "v2", "v3"]


def test_the_admin_init_leaves_the_entry_models_to_the_requests_that_use_them(tmp_path: Path) -> None:
    # Health, settings, jobs and executions never read an entry; a snapshot holds the models built.
    on_demand = _start("functions.admin.app", tmp_path, init="on-demand")
    assert on_demand["admin_entry_models"] is False
    snapped = _start("functions.admin.app", tmp_path, init="snap-start", runtime=True)
    assert snapped["admin_entry_models"] is False
    assert snapped["admin_entry_models_in_snapshot"] is True
    # The entry models too (in the snapshot) read no builtin's text signature.
    assert on_demand["text_signatures"] == snapped["text_signatures"] == []


def test_the_admin_init_routes_the_test_helpers_only_where_they_are_enabled(tmp_path: Path) -> None:
    # Disabled (the template's default), their paths do not exist: tests/test_test_helpers.py checks the 404s.
    disabled = _start("functions.admin.app", tmp_path, init="on-demand")
    assert "export_api.http.test_helpers" not in disabled["modules"]
    enabled = _start("functions.admin.app", tmp_path, init="on-demand", environment={"TEST_HELPERS": "enabled"})
    assert "export_api.http.test_helpers" in enabled["modules"]
    assert enabled["text_signatures"] == []
