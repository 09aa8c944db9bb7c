"""README.md's "Test your integration" example, run as it is written there: the test it defines is
collected from this module."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text().split("## Test your integration", 1)[1].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    (block,) = blocks
    return block


exec(compile(_example(), str(README), "exec"))
