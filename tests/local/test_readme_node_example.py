"""README.md's Node test of `export-api-sandbox` ("Test your integration"), run as it is written."""

import re
import shutil
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
    result = subprocess.run(
        [str(NODE), "--test", str(test_file)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "# pass 1" in result.stdout
