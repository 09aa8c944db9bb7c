"""FastAPI's check for pydantic v1 models, without importing `pydantic.v1` while nothing has.

FastAPI refuses pydantic v1 models, and to find them it imports `pydantic.v1` the first time it builds a
route with a typed parameter: ~17 ms of CPU on every cold start, in a codebase that defines no v1 model.
A class (or an instance) can only be a pydantic v1 model once `pydantic.v1` is imported, so until then
the check answers "no" without importing it; after that, FastAPI's own check runs unchanged.

FastAPI binds these checks by name in the modules that use them (`fastapi._compat.shared`, re-exported,
and `fastapi.encoders`), so each is replaced where it is looked up. Should FastAPI move or drop them,
nothing is replaced and FastAPI's behaviour stays as it is: tests/test_cold_start.py then reports that
`pydantic.v1` is imported again.
"""

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

Check = Callable[[Any], bool]

_CHECKS = ("is_pydantic_v1_model_class", "is_pydantic_v1_model_instance")


def _only_once_imported(check: Check) -> Check:
    def deferred(candidate: Any) -> bool:
        return "pydantic.v1" in sys.modules and check(candidate)

    deferred.__wrapped__ = check  # type: ignore[attr-defined]
    return deferred


def _replace(module: ModuleType) -> None:
    for name in _CHECKS:
        check = getattr(module, name, None)
        if callable(check) and not hasattr(check, "__wrapped__"):
            setattr(module, name, _only_once_imported(check))


def defer_pydantic_v1_checks() -> None:
    from fastapi import encoders
    from fastapi._compat import shared

    _replace(shared)
    _replace(encoders)
