"""`export-api-sandbox`: the sandbox the pytest fixture starts (export_api_local.sandbox), for a test suite
in any language. It prints one JSON line once it serves (or writes it to `--output`), and serves until
Ctrl-C or SIGTERM:

    {"baseUrl": "http://127.0.0.1:41811", "companyId": "...", "bearerToken": "...", "apiKey": "...",
     "adminToken": "..."}

`bearerToken` and `apiKey` are the company's (the key as the basic-auth user name, empty password);
`adminToken` calls the admin API's test helpers (docs/admin-api.openapi.yaml). A port in use exits 1
with a message, before anything starts; a stop that takes over 30 s (a request that never ends) exits 3.
"""

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from export_api_local.emulator import PortInUse
from export_api_local.sandbox import running_sandbox


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="export-api-sandbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="the API's port (default: a free one)")
    parser.add_argument("--aws-port", type=int, default=0, help="the AWS emulator's port (default: a free one)")
    parser.add_argument("--output", type=Path, help="write the JSON line to this file (mode 600) instead of stdout")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter, as sam deploy --parameter-overrides takes it (repeatable)",
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="serve every company unmetered")
    arguments = parser.parse_args(argv)
    for pair in arguments.parameter:
        if "=" not in pair or pair.startswith("="):
            parser.error(f"--parameter takes NAME=VALUE, not {pair!r}")
    return arguments


def _publish(line: str, output: Path | None) -> None:
    if output is None:
        print(line, flush=True)
        return
    temporary = output.with_name(output.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(line + "\n")
    temporary.replace(output)  # a reader polling for the file never sees half of it


STOP_TIMEOUT = 30.0


def _abandon() -> None:
    print(f"export-api-sandbox: not stopped within {STOP_TIMEOUT:g} s, exiting anyway", file=sys.stderr, flush=True)
    os._exit(3)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    overrides = dict(pair.split("=", 1) for pair in arguments.parameter)
    try:
        with running_sandbox(
            parameter_overrides=overrides,
            rate_limits=not arguments.no_rate_limits,
            port=arguments.port,
            aws_port=arguments.aws_port,
        ) as sandbox:
            company = sandbox.company
            line = json.dumps(
                {
                    "baseUrl": sandbox.base_url,
                    "companyId": company.company_id,
                    "bearerToken": company.bearer_token,
                    "apiKey": company.api_key,
                    "adminToken": sandbox.admin_token,
                }
            )
            _publish(line, arguments.output)
            stop.wait()
            # The stop is bounded: a test suite waiting on this process must not wait on a stuck request.
            watchdog = threading.Timer(STOP_TIMEOUT, _abandon)
            watchdog.daemon = True
            watchdog.start()
    except PortInUse as error:
        print(f"export-api-sandbox: {error} Pass --port / --aws-port to use other ports.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
