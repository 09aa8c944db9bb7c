"""Test setup: AWS emulated by moto, tables created from template.yaml's own definitions, and the
ExportJobLifecycle state machine provisioned from template.yaml (tests/support/workflow.py): every job a
test creates through the handlers is driven by a Step Functions execution, as in production."""

import os

# Settings are read once per process: set them before any application module is imported.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "JOBS_TABLE_NAME": "test-jobs",
        "ITEMS_TABLE_NAME": "test-items",
        "IDEMPOTENCY_TABLE_NAME": "test-idempotency",
        "WEBHOOKS_TABLE_NAME": "test-webhooks",
        # Secrets Manager names: the secrets are made per session (tests/support/keys.py).
        "CURSOR_SECRET_ARN": "test-cursor-secret",
        "JWT_PUBLIC_KEYS_ARN": "test-jwt-public-keys",
        "CREDENTIALS_TABLE_NAME": "test-credentials",
        "POWERTOOLS_SERVICE_NAME": "export-api-tests",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "ExportApiTests",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

import contextlib
from collections.abc import Iterator
from typing import cast

import boto3
import pytest
from export_api.repositories import aws
from export_api.services.container import get_services
from export_api.settings import get_settings
from moto import mock_aws
from moto.core.config import DefaultConfig

from export_api_local import moto_lock
from export_api_local.queues import SqsEventSource, create_queues
from export_api_local.stack import EMULATOR_CONFIG
from export_api_local.template import table_definition
from tests.support import keys
from tests.support.api import ApiClient
from tests.support.data import Company
from tests.support.webhooks import Webhooks, delivery_mapping
from tests.support.workflow import end_running_executions, provision_lifecycle, workflow_threads_marked


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, each run's order kept otherwise (pytest-randomly's shuffle included): xdist
    hands out tests in this order, so the longest ones start early and the workers finish together
    instead of one waiting out a long test that happened to come last."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


TABLES = {
    "JobsTable": "test-jobs",
    "ItemsTable": "test-items",
    "IdempotencyTable": "test-idempotency",
    "WebhooksTable": "test-webhooks",
}


@pytest.fixture(scope="session")
def aws_mock() -> Iterator[None]:
    # moto's DynamoDB is not thread-safe; DynamoDB is (export_api_local/moto_lock.py).
    moto_lock.install()
    with mock_aws(config=cast(DefaultConfig, EMULATOR_CONFIG)):
        keys.create_secrets(boto3.client("secretsmanager"))
        # The state machine does not depend on the tables, nor on the job limits (each execution's input
        # carries them): one per session (per xdist worker: each has its own moto).
        os.environ.update(provision_lifecycle().environment())
        get_settings.cache_clear()
        get_services.cache_clear()
        with workflow_threads_marked():
            yield


@contextlib.contextmanager
def fresh_tables() -> Iterator[None]:
    """The template's tables, empty, for as long as the block runs; no execution outlives them."""
    aws.reset_clients()
    # Settings and services as the environment is now: a previous test may have changed and restored it.
    get_settings.cache_clear()
    get_services.cache_clear()
    client = boto3.client("dynamodb")
    for logical_id, name in TABLES.items():
        client.create_table(**table_definition(logical_id, name))
    try:
        yield
    finally:
        end_running_executions()
        for name in TABLES.values():
            client.delete_table(TableName=name)


@pytest.fixture
def tables(aws_mock: None) -> Iterator[None]:
    with fresh_tables():
        yield


@pytest.fixture
def webhooks(tables: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhooks]:
    """The template's delivery queues in moto, job events published to them, and WebhookDeliveryFunction
    run on them by an in-process event source mapping. Local mode: receivers on 127.0.0.1 are allowed;
    retries come at once (a two-retry schedule of 0 s)."""
    sqs = boto3.client("sqs")
    queues = create_queues(sqs, stack_name="test")
    monkeypatch.setenv("WEBHOOK_QUEUE_URL", queues["WebhookDeliveryQueue"].url)
    monkeypatch.setenv("WEBHOOK_DEAD_LETTER_QUEUE_URL", queues["WebhookDeliveryDeadLetterQueue"].url)
    monkeypatch.setenv("WEBHOOK_RETRY_SCHEDULE", "0,0")
    monkeypatch.setenv("WEBHOOK_LOCAL_MODE", "true")
    get_settings.cache_clear()
    get_services.cache_clear()
    mapping = delivery_mapping()
    source = SqsEventSource(sqs, mapping, queues[mapping.queue], "eu-west-1")
    try:
        yield Webhooks(ApiClient(), sqs, queues, source)
    finally:
        for queue in queues.values():
            sqs.delete_queue(QueueUrl=queue.url)
        monkeypatch.undo()
        get_settings.cache_clear()
        get_services.cache_clear()


@pytest.fixture
def api(tables: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def company(api: ApiClient) -> Company:
    """A company with 30 accounting entries, and a caller holding every export scope for it."""
    return Company.create(api, entries=30)


@pytest.fixture
def other_company(api: ApiClient) -> Company:
    return Company.create(api, entries=5)
