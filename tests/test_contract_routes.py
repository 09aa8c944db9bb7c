"""Every operation of the contract is routed by template.yaml to a function whose FastAPI app serves it,
under the contract's operationId, with the contract's parameters; and nothing else is routed."""

import importlib
from functools import cache
from typing import Any

import pytest
from export_api.bootstrap import Function
from export_api.http.app import create_app
from fastapi import FastAPI

from export_api_local.template import Route, routes
from tests.support.contract import ADMIN_CONTRACT, WEBHOOKS_CONTRACT, contract, load_spec, operations, spec_for

CONTRACT_OPERATIONS = operations(contract())
ADMIN_OPERATIONS = operations(load_spec(ADMIN_CONTRACT))
WEBHOOK_OPERATIONS = operations(load_spec(WEBHOOKS_CONTRACT))
ALL_OPERATIONS = CONTRACT_OPERATIONS + ADMIN_OPERATIONS + WEBHOOK_OPERATIONS


@cache
def served(module: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path) -> OpenAPI operation, as the function's own FastAPI app describes it (with the test
    helpers' routes, which it serves where they are enabled)."""
    function: Function = importlib.import_module(module).FUNCTION
    assert function.api is not None
    app: FastAPI = create_app(function.api.title, function.api.all_routers())
    return {
        (method.upper(), path): operation
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    }


def route_of(method: str, path: str) -> Route:
    found = [r for r in routes() if r.method == method.upper() and r.path == path]
    assert len(found) == 1, f"template.yaml routes {method.upper()} {path} {len(found)} times"
    return found[0]


def parameter_names(
    spec: dict[str, Any], operation: dict[str, Any], location: str, shared: list[dict[str, Any]] | None = None
) -> set[str]:
    """Names of an operation's parameters in one location, with those its path item declares for all."""
    names = set()
    for parameter in (shared or []) + operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        if parameter["in"] == location:
            names.add(parameter["name"])
    return names


def test_every_operation_of_the_contract_has_its_own_operation_id() -> None:
    # How many there are is the published spec's business (tests/test_published_contract.py).
    assert len({op["operationId"] for _, _, op in CONTRACT_OPERATIONS}) == len(CONTRACT_OPERATIONS)


@pytest.mark.parametrize(
    ("path", "method", "operation"),
    ALL_OPERATIONS,
    ids=[op["operationId"] for _, _, op in ALL_OPERATIONS],
)
def test_operation_is_routed_and_served(path: str, method: str, operation: dict[str, Any]) -> None:
    route = route_of(method, path)
    app_operation = served(route.module).get((method.upper(), path))
    assert app_operation is not None, f"{route.module} does not serve {method.upper()} {path}"
    assert app_operation["operationId"] == operation["operationId"]
    assert bool(app_operation.get("deprecated")) == bool(operation.get("deprecated"))
    spec = spec_for(path)
    for location in ("path", "query"):
        documented = parameter_names(spec, operation, location, spec["paths"][path].get("parameters"))
        assert parameter_names(spec, app_operation, location) == documented, location


def test_every_template_route_is_documented() -> None:
    documented = {(method.upper(), path) for path, method, _ in ALL_OPERATIONS}
    routed = {(route.method, route.path) for route in routes()}
    assert routed == documented


def test_each_resource_group_has_its_own_function() -> None:
    functions: dict[str, set[str]] = {}
    for route in routes():
        group = route.path.split("/")[2] if route.path.startswith("/v") else "admin"
        functions.setdefault(group, set()).add(route.function)
    assert all(len(names) == 1 for names in functions.values()), functions
    # Export jobs (and job items), job events, export items, webhook subscriptions, admin.
    assert len({name for names in functions.values() for name in names}) == 5


def test_apps_serve_nothing_beyond_their_routes() -> None:
    for module in {route.module for route in routes()}:
        routed = {(r.method, r.path) for r in routes() if r.module == module}
        assert set(served(module)) == routed, module
