"""The project's contract (spec/export-api.openapi.yaml) describes exactly Pleo's published Export API v32.1.0.

The published structure lives beside the repository in the steering checkout (`../shared/spec`), which a
clone from GitHub does not have: the comparison is skipped there, and only there. Everything the project adds
is marked `x-project-addition: true` and is left out of the comparison.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.contract import CONTRACT, METHODS, contract

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT.parent / "shared" / "spec" / "pleo-export-api-v32.1.0.facts.yaml"
# Prose is the project's own; only the interface is compared.
_PROSE = {"description", "summary", "example", "examples", "title"}


def _published() -> dict[str, Any]:
    if not PUBLISHED.is_file():
        pytest.skip("the published structure is not beside this clone (../shared/spec)")
    with PUBLISHED.open() as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/parameters/"):
        return spec["components"]["parameters"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _interface(node: Any, spec: dict[str, Any]) -> Any:
    """The node without prose and without the project's marked additions."""
    node = _resolve(spec, node)
    if isinstance(node, dict):
        return {
            # A published `pattern` that is no regular expression is kept under this name (decisions.md).
            ("pattern" if key == "x-published-pattern" else key): _interface(value, spec)
            for key, value in node.items()
            if key not in _PROSE and not (isinstance(_resolve(spec, value), dict) and _addition(spec, value))
        }
    if isinstance(node, list):
        return [_interface(value, spec) for value in node if not _addition(spec, value)]
    return node


def _addition(spec: dict[str, Any], node: Any) -> bool:
    node = _resolve(spec, node)
    if isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/components/responses/"):
        node = spec["components"]["responses"][node["$ref"].rsplit("/", 1)[-1]]
    return isinstance(node, dict) and node.get("x-project-addition") is True


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_the_same_operations() -> None:
    published = _operations(_published())
    ours = _operations(contract())
    assert sorted(ours) == sorted(published)
    assert {k: op["operationId"] for k, op in ours.items()} == {k: op["operationId"] for k, op in published.items()}


def test_the_same_parameters_bodies_and_responses() -> None:
    published_spec = _published()
    ours_spec = contract()
    published = _operations(published_spec)
    for key, operation in _operations(ours_spec).items():
        theirs = published[key]
        for part in ("parameters", "requestBody", "responses", "deprecated", "x-exclude", "tags"):
            # An operation whose only parameter is an addition has none of the published ones.
            assert (_interface(operation.get(part), ours_spec) or None) == (
                _interface(theirs.get(part), published_spec) or None
            ), (
                key,
                part,
            )


def test_the_same_schemas_and_security() -> None:
    published = _published()
    ours = contract()
    assert _interface(ours["components"]["schemas"], ours) == _interface(published["components"]["schemas"], published)
    assert ours["security"] == published["security"]
    for name, scheme in published["components"]["securitySchemes"].items():
        assert _interface(ours["components"]["securitySchemes"][name], ours) == _interface(scheme, published)


def test_additions_are_marked_and_documented() -> None:
    """What the project adds to an operation is one of the documented additions, each marked."""
    ours = contract()
    for response in ours["components"]["responses"].values():
        assert response["x-project-addition"] is True
        assert response["description"]
    for parameter in ours["components"]["parameters"].values():
        assert parameter["x-project-addition"] is True
    assert CONTRACT.is_relative_to(ROOT)
