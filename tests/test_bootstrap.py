"""export_api.bootstrap: a function's declaration built into its Lambda handler, the steps in order.

In-process, against moto: the Lambda environment is set for each test (`AWS_LAMBDA_INITIALIZATION_TYPE`,
`AWS_LAMBDA_FUNCTION_NAME`) and a stand-in for the runtime's `snapshot_restore_py` records the hooks.
"""

import json
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.logging import correlation_paths
from export_api.bootstrap import CURSORS, GET_ITEM, QUERY, TABLES, Function, build
from export_api.http.app import HttpApi
from export_api.repositories import aws
from export_api.services.container import building, get_services
from export_api.settings import MissingConfiguration, get_settings
from fastapi import APIRouter

Hook = Callable[[], None]


def _step(answer: dict[str, Any]) -> Callable[[Any, Any], dict[str, Any]]:
    def step(event: Any, context: Any) -> dict[str, Any]:
        del event, context
        return answer

    return step


class Runtime:
    """Lambda's `snapshot_restore_py`, as far as the builder uses it."""

    def __init__(self, timeline: list[str]) -> None:
        self.before: list[Hook] = []
        self.after: list[Hook] = []
        self.module = ModuleType("snapshot_restore_py")
        self.module.register_before_snapshot = self._before  # type: ignore[attr-defined]
        self.module.register_after_restore = self._after  # type: ignore[attr-defined]
        self.timeline = timeline

    def _before(self, hook: Hook) -> Hook:
        self.timeline.append("snapstart hooks")
        self.before.append(hook)
        return hook

    def _after(self, hook: Hook) -> Hook:
        self.after.append(hook)
        return hook


@pytest.fixture
def lambda_init(monkeypatch: pytest.MonkeyPatch, aws_mock: None) -> Iterator[tuple[list[str], Runtime]]:
    """A Lambda on-demand init with Lambda's Python runtime; every DynamoDB call is put on the timeline."""
    timeline: list[str] = []
    runtime = Runtime(timeline)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime.module)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "BootstrapTestFunction")
    aws.reset_clients()
    get_services.cache_clear()
    get_settings.cache_clear()

    def dynamodb_call(model: Any, **_: Any) -> None:
        built = get_services.cache_info().currsize
        timeline.append(f"{model.name} (services built: {built})")

    aws.dynamodb().meta.events.register("before-call.dynamodb", dynamodb_call)
    yield timeline, runtime
    monkeypatch.undo()
    aws.reset_clients()
    get_services.cache_clear()
    get_settings.cache_clear()


def _ping_router(timeline: list[str]) -> APIRouter:
    router = APIRouter()

    @router.get("/ping")
    async def ping() -> dict[str, str]:
        timeline.append("request")
        return {"pong": "yes"}

    return router


def _event(path: str) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path, "requestId": "req-1"},
        "body": None,
        "isBase64Encoded": False,
    }


def _log_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_an_init_runs_settings_clients_services_warm_up_hooks_in_that_order(
    tables: None, lambda_init: tuple[list[str], Runtime], capsys: pytest.CaptureFixture[str]
) -> None:
    timeline, runtime = lambda_init
    handler = build(
        Function(
            service="bootstrap-test",
            settings=(TABLES, CURSORS),
            api=HttpApi(title="Bootstrap test", routers=(_ping_router(timeline),)),
            services=building(lambda s: s.health),
            warm=(GET_ITEM, QUERY),
            correlation_id_path=correlation_paths.API_GATEWAY_REST,
        )
    )
    # The reads are made after the services are built, the hooks registered after the reads.
    assert timeline == ["GetItem (services built: 1)", "Query (services built: 1)", "snapstart hooks"]
    assert aws.table.cache_info().currsize == 2
    assert aws.secrets_provider.cache_info().currsize == 1
    assert len(runtime.before) == len(runtime.after) == 1

    response = handler(_event("/ping"), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"pong": "yes"}
    assert response["headers"]["X-Request-Id"] == "req-1"
    assert timeline[-1] == "request"
    # Instrumented last: the request's log context carries the service and API Gateway's request id.
    from export_api.observability import get_logger

    get_logger("bootstrap-test").info("after the request")
    (line,) = [x for x in _log_lines(capsys.readouterr().out) if x.get("message") == "after the request"]
    assert line["service"] == "bootstrap-test"


def test_a_missing_setting_stops_the_init_before_any_client(
    lambda_init: tuple[list[str], Runtime], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    timeline, runtime = lambda_init
    monkeypatch.delenv("ITEMS_TABLE_NAME")
    monkeypatch.delenv("CURSOR_SECRET_ARN")
    get_settings.cache_clear()
    aws.reset_clients()

    with pytest.raises(MissingConfiguration, match="ITEMS_TABLE_NAME, CURSOR_SECRET_ARN"):
        build(Function(service="bootstrap-test", settings=(TABLES, CURSORS), step=_step({})))

    (line,) = [x for x in _log_lines(capsys.readouterr().out) if x.get("missing_configuration")]
    assert line["level"] == "ERROR"
    assert line["missing_configuration"] == ["ITEMS_TABLE_NAME", "CURSOR_SECRET_ARN"]
    assert aws.dynamodb.cache_info().currsize == 0
    assert aws.table.cache_info().currsize == 0
    assert timeline == []
    assert runtime.before == []


def test_a_warm_up_that_fails_is_logged_and_the_init_goes_on(
    lambda_init: tuple[list[str], Runtime], capsys: pytest.CaptureFixture[str]
) -> None:
    # No table in moto: DynamoDB refuses the read (ResourceNotFoundException).
    timeline, _ = lambda_init
    handler = build(Function(service="bootstrap-test", settings=(TABLES,), step=_step({"ok": True}), warm=(GET_ITEM,)))
    assert handler({}, None) == {"ok": True}
    warnings = [x for x in _log_lines(capsys.readouterr().out) if x.get("level") == "WARNING"]
    assert [x["message"] for x in warnings] == ["DynamoDB reads not warmed at init; the first request makes them"]
    assert timeline[-1] == "snapstart hooks"


def test_the_snapshot_hooks_run_what_the_init_left_and_refresh_the_clients(
    tables: None, lambda_init: tuple[list[str], Runtime]
) -> None:
    _, runtime = lambda_init
    left_to_first_use: list[str] = []
    build(
        Function(
            service="bootstrap-test",
            settings=(TABLES,),
            step=_step({}),
            before_snapshot=(lambda: left_to_first_use.append("built"),),
        )
    )
    assert left_to_first_use == []
    before = aws.dynamodb()
    for hook in runtime.before:
        hook()
    assert left_to_first_use == ["built"]
    for hook in runtime.after:
        hook()
    assert aws.dynamodb() is not before
    assert aws.table.cache_info().currsize == 2


def test_outside_a_lambda_init_the_builder_creates_no_client_and_registers_no_hook(
    lambda_init: tuple[list[str], Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline, runtime = lambda_init
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    aws.reset_clients()
    handler = build(Function(service="bootstrap-test", settings=(TABLES,), step=_step({"ok": 1}), warm=(GET_ITEM,)))
    assert handler({}, None) == {"ok": 1}
    assert aws.dynamodb.cache_info().currsize == 0
    assert timeline == []
    assert runtime.before == runtime.after == []


def test_a_function_is_routers_or_a_step() -> None:
    with pytest.raises(TypeError, match="neither an HttpApi nor a step handler"):
        build(Function(service="nothing", settings=()))
