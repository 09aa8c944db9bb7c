"""The in-process invoke hook: moto Lambda Invoke runs the handler template.yaml names."""

import io
import json
import uuid
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from export_api_local import lambda_hook
from export_api_local.stack import emulation_config
from tests.workflow.conftest import Lifecycle


def invoke(name: str, payload: Any) -> tuple[Any, str | None]:
    response = boto3.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def create_function(name: str) -> str:
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    created = boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": code.getvalue()}
    )
    return str(created["FunctionArn"])


def test_template_handler_is_the_one_template_yaml_names() -> None:
    from functions.job_workflow import app

    assert lambda_hook.template_handler("JobWorkflowFunction") is app.handler


def test_the_workflow_function_runs_for_real(lifecycle: Lifecycle) -> None:
    name = lifecycle.stack.function_arns["JobWorkflowFunction"]
    # A step for a job that does not exist fails the way the state machine sees it: errorType.
    body, error = invoke(name, {"action": "finalize_job", "jobId": str(uuid.uuid4())})
    assert error == "Unhandled"
    assert body["errorType"] == "WorkflowStepFailed"
    assert "does not exist" in body["errorMessage"]
    body, error = invoke(name, {"action": "no_such_step"})
    assert (error, body["errorType"]) == ("Unhandled", "ValidationError")
    assert [i.logical_id for i in list(lifecycle.stack.hook.invocations)[-2:]] == ["JobWorkflowFunction"] * 2


def test_registered_unregistered_and_unknown_functions(tables: None) -> None:
    with emulation_config():
        hook = lambda_hook.install()
        arn = create_function("hook-registered")
        create_function("hook-unregistered")
        seen: list[tuple[str, Any]] = []

        def handler(event: Any, context: Any) -> dict[str, Any]:
            return {"got": event, "function": context.function_name, "arn": context.invoked_function_arn}

        hook.register("hook-registered", "HookTest", handler)
        with hook.intercept(lambda logical_id, event: seen.append((logical_id, event))):
            by_name, error = invoke("hook-registered", {"n": 1})
            by_arn, _ = invoke(arn, {"n": 2})
        assert error is None
        assert by_name == {"got": {"n": 1}, "function": "hook-registered", "arn": arn}
        assert by_arn["got"] == {"n": 2}
        assert seen == [("HookTest", {"n": 1}), ("HookTest", {"n": 2})]

        # Not registered: moto's own Docker-less Lambda, which echoes the payload.
        assert invoke("hook-unregistered", {"n": 3}) == ({"n": 3}, None)
        # Unknown: an error, as on AWS (moto's simple backend alone would echo that too).
        with pytest.raises(ClientError) as raised:
            invoke("hook-no-such-function", {})
        assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
