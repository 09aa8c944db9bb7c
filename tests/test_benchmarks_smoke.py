"""The benchmarks (benchmarks/, `make bench`) run end to end on tiny sizes.

Only the shape of the output is checked: the figures are measurements, never asserted.
"""

import json
from pathlib import Path

from benchmarks.config import QUICK
from benchmarks.report import COLUMNS, render, write
from benchmarks.runner import run_all


def test_benchmarks_run_on_tiny_sizes(aws_mock: None, tmp_path: Path) -> None:
    rows, document = run_all(QUICK)

    sections = {row.section.split()[0] for row in rows}
    assert sections == {"1", "2", "3", "4"}  # 5 (package size) needs the package index: off in QUICK
    for row in rows:
        assert row.case, row
        assert row.measured, row
    table = render(rows).splitlines()
    assert table[0].split() == list(COLUMNS)
    assert len(table) == len(rows) + 2
    path = write(document, tmp_path)
    assert json.loads(path.read_text())["rows"][0]["section"] == rows[0].section
