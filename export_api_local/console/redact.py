"""Execution data made readable and safe to show: JSON strings parsed, secrets and task tokens hidden.

A waiting task's token resumes the execution (SendTaskSuccess): whoever reads it can finish a job's
wait, so no page shows one. Keys are matched by name, at any depth, including inside JSON strings
(Step Functions reports a task's parameters and a state's input and output as JSON text).
"""

import json
import re
from typing import Any

REDACTED = "«redacted»"
_SECRET_KEY = re.compile(r"token|secret|password|authorization|api[-_]?key|credential|signature", re.IGNORECASE)


def readable(value: Any) -> Any:
    """`value` with JSON text parsed (when it is a JSON object or array) and secrets replaced."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return readable(json.loads(text))
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        return {key: REDACTED if _SECRET_KEY.search(str(key)) else readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    return value


def pretty(value: Any) -> str:
    return json.dumps(readable(value), indent=2, ensure_ascii=False, sort_keys=False)
