"""README.md's Node test of `export-api-sandbox` ("Test your integration"), run as it is written."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(NODE is None, reason="no Node on PATH")]


def test_the_readme_node_test_passes_against_the_sandbox(tmp_path: Path) -> None:
    section = (ROOT / "README.md").read_text().split("## Test your integration", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```js\n(.*?)```", section, flags=re.DOTALL)
    test_file = tmp_path / "sandbox.test.mjs"
    test_file.write_text(example)
    # A session of its own: on a timeout the sandbox the example spawned goes down with Node, not orphaned.
    with subprocess.Popen(
        [str(NODE), "--test", str(test_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as node:
        try:
            stdout, stderr = node.communicate(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGKILL)
    assert node.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "# pass 1" in stdout
