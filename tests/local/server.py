"""`make run`'s server as a subprocess on free ports (export_api_local.process), for the tests that drive
it over HTTP: the test process's environment, less the settings the session set for its in-process tests.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from export_api_local.process import ServerProcess, free_port, server_output, server_process

__all__ = ["RunningServer", "free_port", "running_server", "server_output"]

RunningServer = ServerProcess

# Variables the test session sets for the in-process tests; the server picks its own.
SESSION_ONLY = (
    "JOBS_TABLE_NAME",
    "ITEMS_TABLE_NAME",
    "IDEMPOTENCY_TABLE_NAME",
    "WEBHOOKS_TABLE_NAME",
    "CURSOR_SECRET_ARN",
    "JWT_PUBLIC_KEYS_ARN",
    "CREDENTIALS_TABLE_NAME",
    "AWS_ENDPOINT_URL",
    "MOTO_PORT",
)


@contextmanager
def running_server(
    state: Path, demo_entries: int, settings: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """Start `python -m export_api_local` with its state in `state` (and `settings` in its environment),
    yield it once it is ready."""
    environment = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY and not k.startswith("POWERTOOLS_")}
    environment.update({"DEMO_ENTRIES_PER_COMPANY": str(demo_entries), **dict(settings or {})})
    with server_process(state, environment) as server:
        yield server
