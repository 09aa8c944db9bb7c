"""Step Functions: a job's execution (named after the job), the callbacks that resume its waits, and
its history. The only module that talks to Step Functions."""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from export_api.models.executions import ExecutionEvent, JobExecution
from export_api.repositories import aws

# The task is not waiting any more: it completed (the other side resumed it), timed out, or its
# execution ended. Nothing to retry.
_TOKEN_GONE = frozenset({"InvalidToken", "TaskDoesNotExist", "TaskTimedOut"})
_TRANSIENT = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalServerError",
        "InternalFailure",
        "RequestTimeout",
    }
)


class TaskTokenGone(Exception):
    """The task a token belongs to no longer waits (completed, timed out, or its execution ended)."""


class ExecutionsUnavailable(Exception):
    """Step Functions throttled the call or failed transiently: retrying later may succeed."""


class ExecutionNotFound(Exception):
    """No execution has the job's name."""


def _reraise(error: ClientError | BotoCoreError) -> NoReturn:
    translated = _translate(error)
    if translated is error:
        raise error
    raise translated from error


def _translate(error: Exception) -> Exception:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        if code in _TOKEN_GONE:
            return TaskTokenGone(code)
        if code in _TRANSIENT or status >= 500:
            return ExecutionsUnavailable(f"{code}: {error}")
        if code == "ExecutionDoesNotExist":
            return ExecutionNotFound(str(error))
        return error
    if isinstance(error, BotoCoreError):
        # Connection errors and read timeouts.
        return ExecutionsUnavailable(str(error))
    return error


class StepFunctionsRepository:
    def __init__(self, state_machine_arn: str | None) -> None:
        self.state_machine_arn = state_machine_arn

    def execution_arn(self, name: str) -> str:
        if not self.state_machine_arn:
            raise ValueError("No state machine is configured (STATE_MACHINE_ARN).")
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"

    def start_execution(self, name: str, execution_input: Mapping[str, Any]) -> str:
        """Start the execution `name`; one that already exists counts as started (one per job)."""
        try:
            response = aws.stepfunctions().start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(execution_input)
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return self.execution_arn(name)
            _reraise(error)
        except BotoCoreError as error:
            _reraise(error)
        return str(response["executionArn"])

    def send_task_success(self, token: str, output: Mapping[str, Any]) -> None:
        """Complete a waiting task. Raises TaskTokenGone or ExecutionsUnavailable."""
        try:
            aws.stepfunctions().send_task_success(taskToken=token, output=json.dumps(output))
        except (ClientError, BotoCoreError) as error:
            _reraise(error)

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        """Fail a waiting task with `error` (the state's Catch decides where it goes). Raises TaskTokenGone
        or ExecutionsUnavailable."""
        try:
            aws.stepfunctions().send_task_failure(taskToken=token, error=error, cause=cause)
        except (ClientError, BotoCoreError) as failure:
            _reraise(failure)

    def describe_execution(self, name: str) -> dict[str, Any]:
        """Raises ExecutionNotFound."""
        try:
            response: dict[str, Any] = aws.stepfunctions().describe_execution(executionArn=self.execution_arn(name))
        except (ClientError, BotoCoreError) as error:
            _reraise(error)
        return response

    def execution_history(self, name: str) -> list[dict[str, Any]]:
        """Every event of the execution, oldest first (paged by nextToken, 1,000 per call)."""
        events: list[dict[str, Any]] = []
        request: dict[str, Any] = {"executionArn": self.execution_arn(name), "maxResults": 1000}
        try:
            while True:
                response = aws.stepfunctions().get_execution_history(**request)
                events.extend(response.get("events", []))
                if not response.get("nextToken"):
                    return events
                request["nextToken"] = response["nextToken"]
        except (ClientError, BotoCoreError) as error:
            _reraise(error)

    def job_execution(self, name: str) -> JobExecution:
        """The execution named `name` with its history, shaped like the console's view. Raises ExecutionNotFound."""
        return to_job_execution(self.describe_execution(name), self.execution_history(name))


def _json(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return redact_task_tokens(json.loads(value))
    except ValueError:
        return value


REDACTED = "<redacted>"


def redact_task_tokens(value: Any) -> Any:
    """`value` with every task token replaced: a task token resumes (or fails) a waiting execution, so
    a trace shown over the admin API must not carry one. Tokens sit under a `taskToken` key, in
    objects and in the JSON text of `parameters`, `input` and `output`."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if "tasktoken" in str(k).lower().replace("_", "") else redact_task_tokens(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_task_tokens(v) for v in value]
    if isinstance(value, str) and value[:1] in ("{", "[") and "oken" in value:
        try:
            return json.dumps(redact_task_tokens(json.loads(value)))
        except ValueError:
            return value
    return value


def _event(raw: dict[str, Any], state: str | None) -> ExecutionEvent:
    details = next((v for k, v in raw.items() if k.endswith("EventDetails") and isinstance(v, dict)), None)
    return ExecutionEvent(
        id=int(raw["id"]),
        type=str(raw["type"]),
        timestamp=raw["timestamp"],
        previous_event_id=int(raw["previousEventId"]) if raw.get("previousEventId") is not None else None,
        state_name=state,
        details=redact_task_tokens(details) if details is not None else None,
    )


def to_job_execution(description: dict[str, Any], history: list[dict[str, Any]]) -> JobExecution:
    events: list[ExecutionEvent] = []
    current: str | None = None
    transitions = 0
    for raw in history:
        kind = str(raw["type"])
        if kind.endswith("StateEntered"):
            current = str(raw.get("stateEnteredEventDetails", {}).get("name") or "") or None
            transitions += 1
            events.append(_event(raw, current))
        elif kind.endswith("StateExited"):
            events.append(_event(raw, str(raw.get("stateExitedEventDetails", {}).get("name") or "") or current))
            current = None
        else:
            events.append(_event(raw, current))
    start: datetime = description["startDate"]
    return JobExecution(
        job_id=description["name"],
        execution_arn=description["executionArn"],
        state_machine_arn=description["stateMachineArn"],
        status=description["status"],
        start_date=start,
        stop_date=description.get("stopDate"),
        input=_json(description.get("input")),
        output=_json(description.get("output")),
        error=description.get("error"),
        cause=description.get("cause"),
        state_transitions=transitions,
        current_state=current if description["status"] == "RUNNING" else None,
        events=events,
    )
