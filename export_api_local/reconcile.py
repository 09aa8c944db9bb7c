"""Reconcile an export job with its lifecycle execution (docs/workflow.md, "When they diverge").

    python -m export_api_local.reconcile <jobId> [<jobId> ...] [--endpoint-url http://127.0.0.1:5000]

Reads the job record, then starts its execution if it has none, or resumes the execution's wait if
the job has already moved past it (resuming failed when the event was applied). Safe to repeat.
Prints one JSON outcome per job; exits 1 if a job does not exist, 2 if one has diverged (its
execution ended while the job is open). Tables come from JOBS_TABLE_NAME / ITEMS_TABLE_NAME, the
state machine as for export_api_local.trace. The same over HTTP:
POST /admin/export-jobs/{jobId}/execution/reconcile.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO
from uuid import UUID

from export_api.models.executions import ReconcileAction
from export_api.services.container import build_services
from export_api.settings import Settings

from export_api_local.config import apply_local_defaults
from export_api_local.trace import find_state_machine, use_endpoint


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export_api_local.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("job_ids", nargs="+", type=UUID, metavar="jobId")
    parser.add_argument("--endpoint-url", help="the AWS emulator, e.g. http://127.0.0.1:5000")
    parser.add_argument("--region")
    parser.add_argument("--state-machine-arn")
    args = parser.parse_args(argv)
    stream = out or sys.stdout
    use_endpoint(args.endpoint_url, args.region)
    apply_local_defaults()
    settings = Settings(state_machine_arn=find_state_machine(args.state_machine_arn))
    services = build_services(settings)
    status = 0
    for job_id in args.job_ids:
        job = services.jobs.jobs.get(job_id)
        if job is None:
            print(f"Export job {job_id} does not exist in table {settings.jobs_table_name}.", file=sys.stderr)
            status = max(status, 1)
            continue
        outcome = services.jobs.workflow.reconcile(job)
        stream.write(json.dumps(outcome.model_dump(mode="json", by_alias=True, exclude_none=True)) + "\n")
        if outcome.action is ReconcileAction.DIVERGED:
            status = 2
    return status


if __name__ == "__main__":
    raise SystemExit(main())
