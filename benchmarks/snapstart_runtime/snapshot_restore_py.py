"""A stand-in for the module of Lambda's Python runtime that takes SnapStart hooks (`snapshot_restore_py`),
on the path of a cold start child measuring SnapStart (benchmarks/coldstart.py): it keeps the hooks, and
the child runs them where Lambda would (before the snapshot; after a restore)."""

from collections.abc import Callable
from typing import Any

before: list[Callable[[], Any]] = []
after: list[Callable[[], Any]] = []


def register_before_snapshot(hook: Callable[[], Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    before.append(lambda: hook(*args, **kwargs))
    return hook


def register_after_restore(hook: Callable[[], Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
    after.append(lambda: hook(*args, **kwargs))
    return hook
