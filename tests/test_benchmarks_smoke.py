"""The benchmarks (benchmarks/, `make bench`) run end to end on tiny sizes.

Only the shape of the output is checked: the figures are measurements, never asserted. The soak's
verdicts are asserted: they say whether anything was lost, not how fast it went. The run is a
process of its own, as `make bench` is: it provisions a state machine, starts a moto server and
changes settings, none of which should leak into the other tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_benchmarks_run_on_tiny_sizes(tmp_path: Path) -> None:
    # The environment a shell gives `make bench`: none of this test process's settings (its table names,
    # its state machine) reach the run.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")])
    # The full run draws the big jobs' plot; the quick run's figures must not replace it.
    plot = ROOT / "benchmarks" / "bigjobs.svg"
    drawn = plot.read_bytes() if plot.exists() else None
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (plot.read_bytes() if plot.exists() else None) == drawn

    (written,) = tmp_path.glob("bench-*.json")
    rows = json.loads(written.read_text())["rows"]
    # 5 (package size) needs the package index, 9 (startup) starts the whole stack nine times: not in --quick.
    assert {row["section"].split()[0] for row in rows} == {"1", "2", "3", "4", "6", "8", "10", "11"}
    for row in rows:
        assert row["case"], row
        assert row["measured"], row
    # The soak's reconciliation is not a figure but a finding: against `make run`'s server no answer is a
    # 5xx, no item is lost or doubled, every webhook event arrives and every table agrees.
    soak = [row for row in rows if row["section"].startswith("8") and row["goal"]]
    assert soak, rows
    assert [row for row in soak if row["verdict"] != "ok"] == [], soak
    table = result.stdout.splitlines()
    assert table[0].split() == ["section", "case", "measured", "reference", "ratio", "goal", "verdict"]
    assert len([line for line in table if line[:1].isdigit()]) == len(rows)


def test_only_takes_a_comma_separated_list_of_known_sections() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "size,bogus", "--no-write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown section 'bogus'" in result.stderr
