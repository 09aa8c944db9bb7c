"""The state machine as declared: template.yaml wiring, the ASL's shape, and a 10,000-entry job's records."""

import json
import uuid
from typing import Any

from export_api.models.enums import ExportJobStatus
from export_api.models.jobs import ExportJob
from export_api.repositories.jobs import JobsRepository
from export_api.repositories.stepfunctions import StepFunctionsRepository
from export_api.services.workflow import StepFunctionsJobWorkflow

from export_api_local.template import ROOT, load_template

ASL = json.loads((ROOT / "statemachine" / "export_job.asl.json").read_text())


def resource(logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = load_template()["Resources"][logical_id]
    return found


def test_template_declares_the_state_machine_and_its_rights() -> None:
    machine = resource("ExportJobLifecycle")
    assert machine["Type"] == "AWS::Serverless::StateMachine"
    properties = machine["Properties"]
    assert properties["Type"] == "STANDARD"
    assert (ROOT / properties["DefinitionUri"]).is_file()
    assert properties["DefinitionSubstitutions"] == {
        # The published alias: a SnapStart snapshot serves published versions only.
        "JobWorkflowFunctionArn": {"Ref": "JobWorkflowFunction.Alias"}
    }
    # The state machine may invoke the workflow function, and no other function.
    policies = properties["Policies"]
    assert {"LambdaInvokePolicy": {"FunctionName": {"Ref": "JobWorkflowFunction"}}} in policies
    other_actions = [
        action
        for policy in policies
        for statement in policy.get("Statement", [])
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]
    assert not [a for a in other_actions if a.lower().startswith("lambda:")]
    jobs = resource("ExportJobsFunction")["Properties"]
    assert jobs["Environment"]["Variables"]["STATE_MACHINE_ARN"] == {"Ref": "ExportJobLifecycle"}
    assert {"StepFunctionsExecutionPolicy": {"StateMachineName": {"Fn::GetAtt": "ExportJobLifecycle.Name"}}} in jobs[
        "Policies"
    ]
    events = resource("ExportJobEventsFunction")["Properties"]
    statements = [s for p in events["Policies"] if isinstance(p, dict) for s in p.get("Statement", [])]
    resume = next(s for s in statements if s.get("Sid") == "ResumeJobLifecycle")
    # It only ever resumes a wait (tests/security/test_least_privilege.py).
    assert resume["Action"] == ["states:SendTaskSuccess"]
    assert resume["Resource"] == {"Ref": "ExportJobLifecycle"}
    # And reads the state machine's description once, at init (export_api.bootstrap's warm-up).
    warm = next(s for s in statements if s.get("Sid") == "WarmJobLifecycleClient")
    assert warm["Action"] == ["states:DescribeStateMachine"]
    assert warm["Resource"] == {"Ref": "ExportJobLifecycle"}


def test_every_task_calls_the_workflow_function_with_jsonpath_only() -> None:
    assert "QueryLanguage" not in ASL
    for name, state in ASL["States"].items():
        assert "QueryLanguage" not in state, name
        if state["Type"] == "Task":
            assert state["Parameters"]["FunctionName"] == "${JobWorkflowFunctionArn}", name
            assert state["Retry"], name
    for wait in ("AwaitStart", "AwaitFinish"):
        state = ASL["States"][wait]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
        assert state["Parameters"]["Payload"]["taskToken.$"] == "$$.Task.Token"
        assert "TimeoutSecondsPath" in state
        # Its own timeout, or a test clock that moved the job's deadline (services/test_helpers.py): both
        # are judged by CheckDeadline.
        assert state["Catch"][0]["ErrorEquals"] == ["States.Timeout", "JobDeadlineMoved"]
        assert state["Catch"][0]["Next"] == "CheckDeadline"


def test_a_10000_entry_job_starts_with_a_small_input() -> None:
    """The execution's input names the job, not its entries (its items are in DynamoDB already)."""
    job = ExportJob.model_validate(
        {
            "id": uuid.uuid4(),
            "companyId": uuid.uuid4(),
            "status": ExportJobStatus.PENDING,
            "createdAt": "2026-10-01T00:00:00Z",
            "lastUpdatedAt": "2026-10-01T00:00:00Z",
            "expiresIn": 3_600,
            "isInteractive": True,
            "numberOfItems": 10_000,
            "vendorBasedBookkeeping": False,
        }
    )
    workflow = StepFunctionsJobWorkflow(StepFunctionsRepository(None), JobsRepository("test-jobs"), 86_400)
    execution_input = workflow.execution_input(job)
    assert len(json.dumps(execution_input)) < 1_000  # Step Functions' input limit is 256 KB
    # The first wait's length: the job's deadline, long past for this one (a wait lasts at least a second).
    assert execution_input["job"] == {"status": "pending", "secondsLeft": 1}
