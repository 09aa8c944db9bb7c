"""Trace an export job's lifecycle execution the way the Step Functions console shows it.

    python -m export_api_local.trace <jobId> [--endpoint-url http://127.0.0.1:5000] [--json]

The execution is named after the job, so the job id is all it takes: status, timings, the number of
state transitions, and the history (states entered/exited, tasks scheduled/submitted/succeeded/timed
out) with timestamps. Works against the local emulator (--endpoint-url, or AWS_ENDPOINT_URL) and
against AWS (the default credential chain). The state machine is --state-machine-arn,
STATE_MACHINE_ARN, or the one whose name says export-job-lifecycle / ExportJobLifecycle.
The same view over HTTP: GET /admin/export-jobs/{jobId}/execution (docs/admin-api.openapi.yaml).
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import boto3
from export_api.models.executions import ExecutionEvent, JobExecution
from export_api.repositories.stepfunctions import ExecutionNotFound, StepFunctionsRepository

_STATE_MACHINE_HINTS = ("export-job-lifecycle", "exportjoblifecycle")


def use_endpoint(endpoint_url: str | None, region: str | None) -> None:
    """Point every client this process makes at `endpoint_url` (the emulator), with fake credentials."""
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")


def find_state_machine(explicit: str | None) -> str:
    if explicit:
        return explicit
    if os.environ.get("STATE_MACHINE_ARN"):
        return os.environ["STATE_MACHINE_ARN"]
    sfn = boto3.client("stepfunctions")
    found = [
        str(machine["stateMachineArn"])
        for page in sfn.get_paginator("list_state_machines").paginate()
        for machine in page["stateMachines"]
        if any(hint in str(machine["name"]).lower() for hint in _STATE_MACHINE_HINTS)
    ]
    if len(found) != 1:
        raise SystemExit(
            f"Found {len(found)} job lifecycle state machines ({', '.join(found) or 'none'}): "
            "name one with --state-machine-arn or STATE_MACHINE_ARN."
        )
    return found[0]


def _detail(event: ExecutionEvent) -> str:
    details: dict[str, Any] = event.details or {}
    if "error" in details or "cause" in details:
        text = ": ".join(str(details[k]) for k in ("error", "cause") if details.get(k))
    elif event.type in ("TaskScheduled", "TaskStarted"):
        text = f"{details.get('resourceType', '')}:{details.get('resource', '')}"
    elif event.type in ("TaskSucceeded", "TaskSubmitted", "ExecutionSucceeded"):
        text = str(details.get("output", ""))
    else:
        text = ""
    return text if len(text) <= 90 else text[:87] + "..."


def render(execution: JobExecution) -> str:
    """The console's view, as text: a header and one line per history event."""
    lines = [
        f"Execution         {execution.execution_arn}",
        f"Status            {execution.status}"
        + (f"  ({execution.error}: {execution.cause})" if execution.error or execution.cause else ""),
        f"Started           {execution.start_date.isoformat()}",
    ]
    if execution.stop_date:
        elapsed = (execution.stop_date - execution.start_date).total_seconds()
        lines.append(f"Stopped           {execution.stop_date.isoformat()}  ({elapsed:.3f} s)")
    if execution.current_state:
        lines.append(f"Current state     {execution.current_state}")
    lines.append(f"State transitions {execution.state_transitions}")
    lines.append("")
    lines.append(f"{'#':>4}  {'+ms':>8}  {'event':<28}{'state':<22}detail")
    for event in execution.events:
        offset = (event.timestamp - execution.start_date).total_seconds() * 1000
        line = f"{event.id:>4}  {offset:>8.0f}  {event.type:<28}{event.state_name or '':<22}{_detail(event)}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export_api_local.trace", description=__doc__.split("\n\n")[0])
    parser.add_argument("job_id", help="the export job's id (= its execution's name)")
    parser.add_argument("--endpoint-url", help="the AWS emulator, e.g. http://127.0.0.1:5000")
    parser.add_argument("--region")
    parser.add_argument("--state-machine-arn")
    parser.add_argument("--json", action="store_true", help="the admin endpoint's JSON instead of a table")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    use_endpoint(args.endpoint_url, args.region)
    arn = find_state_machine(args.state_machine_arn)
    try:
        execution = StepFunctionsRepository(arn).job_execution(args.job_id)
    except ExecutionNotFound:
        print(f"No execution named {args.job_id} for {arn}.", file=sys.stderr)
        return 1
    if args.json:
        body = execution.model_dump(mode="json", by_alias=True, exclude_none=True)
        stream.write(json.dumps(body, indent=2) + "\n")
    else:
        stream.write(render(execution) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
