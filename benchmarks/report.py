"""The one table of figures, and the JSON written next to it."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class Row:
    """One line of the table: what was measured, against what, and whether it meets the goal."""

    section: str
    case: str
    measured: str
    reference: str = ""
    ratio: float | None = None
    goal: str = ""
    verdict: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def verdict(ok: bool, miss: str = "OVER") -> str:
    return "ok" if ok else miss


COLUMNS = ("section", "case", "measured", "reference", "ratio", "goal", "verdict")


def _cells(row: Row) -> list[str]:
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
    return [row.section, row.case, row.measured, row.reference, ratio, row.goal, row.verdict]


def render(rows: list[Row]) -> str:
    ordered = sorted(rows, key=lambda r: r.section.split()[0])
    table = [list(COLUMNS), *(_cells(r) for r in ordered)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() or "unknown"


def document(rows: list[Row], config: dict[str, Any], seconds: float) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "config": config,
        "seconds": round(seconds, 1),
        "rows": [asdict(r) for r in rows],
    }


def write(doc: dict[str, Any], directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"bench-{stamp}.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path
