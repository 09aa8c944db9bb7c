"""The layer changes no global state at import and reaches into no library's private names.

A function starts through export_api.bootstrap only; importing a package of the layer leaves the
interpreter, FastAPI and pydantic as they were. The layer uses FastAPI, Starlette, pydantic and botocore
through their public, documented APIs: the next release of any of them can move a private name.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from export_api_local.template import ROOT

LAYER = ROOT / "layers" / "shared" / "export_api"
LIBRARIES = ("fastapi", "starlette", "pydantic", "pydantic_core", "botocore", "boto3", "mangum")

# Imports the layer's packages, then reports the state the earlier versions of the layer changed.
IMPORT_PROBE = """
import gc, json, sys
import fastapi._compat.shared as shared
import fastapi.encoders as encoders
import fastapi.utils as utils
import fastapi.routing as routing
own = {
    "class_check": shared.is_pydantic_v1_model_class,
    "instance_check": shared.is_pydantic_v1_model_instance,
}
import export_api, export_api.http
import pkgutil, importlib
if "--all" in sys.argv:
    for found in pkgutil.walk_packages(export_api.__path__, "export_api."):
        importlib.import_module(found.name)
print("REPORT " + json.dumps({
    "gc_enabled": gc.isenabled(),
    "gc_frozen": gc.get_freeze_count(),
    "class_check_is_fastapis": shared.is_pydantic_v1_model_class is own["class_check"]
        and shared.is_pydantic_v1_model_class.__module__ == "fastapi._compat.shared",
    "instance_check_is_fastapis": shared.is_pydantic_v1_model_instance is own["instance_check"]
        and encoders.is_pydantic_v1_model_instance is own["instance_check"],
    "annotation_check_is_fastapis": utils.annotation_is_pydantic_v1.__module__ == "fastapi._compat.shared",
    "wrapped": [
        name for name in ("is_pydantic_v1_model_class", "is_pydantic_v1_model_instance")
        for module in (shared, encoders) if hasattr(getattr(module, name, None), "__wrapped__")
    ],
    "endpoint_contexts": len(routing._endpoint_context_cache),
    "snapshot_runtime": "snapshot_restore_py" in sys.modules,
}))
"""


@pytest.mark.parametrize("what", ["export_api, export_api.http", "every module of the layer"])
def test_importing_the_layer_changes_no_global_state(what: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]),
        # As in a Lambda init: nothing may depend on it at import either.
        AWS_LAMBDA_INITIALIZATION_TYPE="on-demand",
    )
    argv = [sys.executable, "-c", IMPORT_PROBE] + (["--all"] if what.startswith("every") else [])
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("REPORT ")]
    report = json.loads(line.removeprefix("REPORT "))
    assert report == {
        "gc_enabled": True,
        "gc_frozen": 0,
        "class_check_is_fastapis": True,
        "instance_check_is_fastapis": True,
        "annotation_check_is_fastapis": True,
        "wrapped": [],
        "endpoint_contexts": 0,
        "snapshot_runtime": False,
    }


def private_uses(source: str) -> list[str]:
    """Every reach into a private name in `source`: an underscore attribute of anything but `self` or
    `cls` (the layer's own objects keep theirs behind methods), `getattr`/`setattr`/`hasattr`/`delattr`
    of an underscore name, an import of a library's private module or name, and the collector."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "gc" or (_library(alias.name) and any(map(_private, alias.name.split(".")))):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and _library(node.module):
            names = [node.module, *(alias.name for alias in node.names)]
            if any(_private(part) for name in names for part in name.split(".")):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(a.name for a in node.names)}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _library(module: str) -> bool:
    return module.split(".")[0] in LIBRARIES


SOURCES = sorted(LAYER.rglob("*.py")) + sorted((ROOT / "functions").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_reaches_into_a_private_name(path: Path) -> None:
    assert private_uses(path.read_text()) == []


def test_the_scan_finds_each_kind_of_private_use() -> None:
    source = """
import gc
import fastapi._compat
from fastapi._compat import shared
from fastapi.routing import _endpoint_context_cache
from botocore import _helpers
from starlette.routing import Route
routing._endpoint_context_cache[1] = {}
model.__pydantic_validator__
getattr(routing, "_endpoint_context_cache", None)
self._mine
"""
    assert sorted(int(use.split(":")[0]) for use in private_uses(source)) == [2, 3, 4, 5, 6, 8, 10]


def test_the_layer_has_no_import_cycle() -> None:
    """Module-level imports between the layer's modules form no cycle (imports inside functions and
    under TYPE_CHECKING are not made at import)."""
    graph: dict[str, set[str]] = {}
    for path in LAYER.rglob("*.py"):
        parts = path.relative_to(LAYER.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[module] = set()
        for node in ast.parse(path.read_text()).body:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            graph[module].update(t for t in targets if t.startswith("export_api"))
    for module in graph:
        graph[module] = {t for t in graph[module] if t in graph and t != module}
    assert len(graph) > 50

    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " -> ".join([*visiting[visiting.index(module) :], module])
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
