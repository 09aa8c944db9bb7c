"""Where the console reads from: the project's admin operations, called through the local gateway with
the operator's own credential (so the admin authorizer decides, exactly as over HTTP), and the AWS
emulator's Step Functions API for the state machine's definition (what an operator's tooling reads)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import anyio
import boto3

from export_api_local.gateway import Gateway, HttpRequest
from export_api_local.template import ROOT

ASL_FILE = ROOT / "statemachine" / "export_job.asl.json"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    raw: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        if isinstance(self.body, dict) and self.body.get("message"):
            return str(self.body["message"])
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class AdminApi:
    gateway: Gateway
    authorization: str | None
    host: str

    async def get(self, path: str, query: Sequence[tuple[str, str]] = ()) -> Answer:
        headers = [("host", self.host), ("accept", "application/json")]
        if self.authorization:
            headers.append(("authorization", self.authorization))
        request = HttpRequest(method="GET", path=path, query=list(query), headers=headers)
        response = await anyio.to_thread.run_sync(self.gateway.handle, request)
        try:
            body = response.json()
        except ValueError:
            body = None
        return Answer(response.status, body, response.body)


@cache
def _stepfunctions() -> Any:
    return boto3.client("stepfunctions")


def _describe(state_machine_arn: str) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(
        _stepfunctions().describe_state_machine(stateMachineArn=state_machine_arn)["definition"]
    )
    return definition


async def state_machine_definition(state_machine_arn: str | None) -> dict[str, Any]:
    """The definition the execution ran (DescribeStateMachine); the repository's ASL without one."""
    if state_machine_arn:
        return await anyio.to_thread.run_sync(_describe, state_machine_arn)
    definition: dict[str, Any] = json.loads(ASL_FILE.read_text())
    return definition
