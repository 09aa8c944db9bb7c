"""A probe: Python code run in a fresh interpreter that prints one `REPORT <json>` line of what it saw."""

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def probe_report(
    code: str, arguments: Sequence[str], env: Mapping[str, str], cwd: Path | None = None
) -> dict[str, Any]:
    """Run `code` with `arguments` (sys.argv[1:]); its REPORT line, parsed. Fails with its stderr when it fails."""
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("REPORT ")]
    report: dict[str, Any] = json.loads(line.removeprefix("REPORT "))
    return report
