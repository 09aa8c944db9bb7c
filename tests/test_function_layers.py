"""Each function imports only what its layers ship (template.yaml: Globals' Layers plus its own).

A package a function imports but its layers lack fails on Lambda only: here the whole suite runs in one
environment that has every layer's packages. Two checks, per function:

- its init in a fresh interpreter that can import, of the packages installed here, only what the
  Lambda runtime has and its layers ship (a meta path finder refuses the others, as Lambda's file
  system would): the handler module, the services it builds at init and the work it
  leaves to a SnapStart snapshot. A library's optional import (httpx's CLI, say) is refused and must
  be survived, as on Lambda;
- what its requests may import later: the layer's modules reachable from its handler, following the
  imports made inside functions too, and the container's services the reachable code asks for by name.
"""

import ast
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any, TypeGuard

import pytest
from packaging.utils import canonicalize_name

from export_api_local.template import ROOT, load_template, resources_of_type
from tests.support.probe import probe_report
from tests.test_layer_lock import locked

# What Lambda's python3.12 runtime has: the AWS SDK and its dependencies (layers/shared/Makefile leaves
# them out of the layer), and the runtime's SnapStart hooks.
RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3", "snapshot_restore_py"}
)
# Libraries only the authorizers, the webhook delivery or the tooling use.
NOT_FOR_API_FUNCTIONS = frozenset({"jwt", "cryptography", "cffi", "httpx", "httpcore", "standardwebhooks"})
LAYER = ROOT / "layers" / "shared"
CONTAINER = LAYER / "export_api" / "services" / "container.py"


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    directory: Path
    module: str
    attribute: str
    layers: tuple[str, ...]
    api: bool

    def __str__(self) -> str:
        return self.name


def _ref(value: Any) -> str:
    if not (isinstance(value, dict) and set(value) == {"Ref"}):
        raise AssertionError(f"a layer is referenced by !Ref, not {value!r}")
    return str(value["Ref"])


def functions() -> list[LambdaFunction]:
    shared = [_ref(layer) for layer in load_template()["Globals"]["Function"].get("Layers", [])]
    found = []
    for name, properties in resources_of_type("AWS::Serverless::Function").items():
        module, attribute = properties["Handler"].rsplit(".", 1)
        own = [_ref(layer) for layer in properties.get("Layers", [])]
        events = properties.get("Events", {}).values()
        found.append(
            LambdaFunction(
                name=name,
                directory=ROOT / properties["CodeUri"],
                module=module,
                attribute=attribute,
                layers=tuple(shared + own),
                api=any(event["Type"] == "Api" for event in events),
            )
        )
    return sorted(found, key=lambda function: function.name)


@cache
def _import_names() -> dict[str, frozenset[str]]:
    """Distribution (canonical name) -> the top-level modules it installs, from this environment."""
    names: dict[str, set[str]] = {}
    for module, distributions in packages_distributions().items():
        for distribution in distributions:
            names.setdefault(canonicalize_name(distribution), set()).add(module)
    return {distribution: frozenset(modules) for distribution, modules in names.items()}


def layer_modules(layer: str) -> frozenset[str]:
    """The top-level modules a layer of the template ships: its lock's packages and its own source."""
    content = ROOT / resources_of_type("AWS::Serverless::LayerVersion")[layer]["ContentUri"]
    modules = {module for name in locked(content / "requirements.txt") for module in _import_names().get(name, ())}
    modules |= {path.parent.name for path in content.glob("*/__init__.py")}
    return frozenset(modules)


def provided(function: LambdaFunction) -> frozenset[str]:
    own = {path.stem for path in function.directory.glob("*.py")}
    return frozenset(own).union(RUNTIME, *(layer_modules(layer) for layer in function.layers))


FUNCTIONS = functions()
API_FUNCTIONS = [function for function in FUNCTIONS if function.api]


def test_the_template_is_read() -> None:
    assert {function.name for function in API_FUNCTIONS} == {
        "AdminFunction",
        "ExportItemsFunction",
        "ExportJobEventsFunction",
        "ExportJobsFunction",
        "SubscriptionsFunction",
    }
    assert len(FUNCTIONS) == 9
    authorizer = next(function for function in FUNCTIONS if function.name == "AuthorizerFunction")
    assert {"jwt", "cryptography", "export_api", "aws_lambda_powertools", "app", "admin"} <= provided(authorizer)
    assert not {"pydantic", "fastapi", "starlette", "mangum"} & provided(authorizer)


@pytest.mark.parametrize("function", API_FUNCTIONS, ids=str)
def test_api_functions_ship_no_token_or_webhook_library(function: LambdaFunction) -> None:
    assert not provided(function) & NOT_FOR_API_FUNCTIONS


# Runs in the function's directory (sys.path[0]); argv: the layer's source, the handler module, the
# installed packages (JSON) and those of them the function may import (JSON). Prints the packages imported
# and those refused.
INIT_PROBE = """
import importlib, json, sys
layer, module_name = sys.argv[1], sys.argv[2]
installed, allowed = frozenset(json.loads(sys.argv[3])), frozenset(json.loads(sys.argv[4]))
sys.path.insert(1, layer)
refused = set()
# The interpreter's start (site's .pth hooks) is no import of the function's.
at_start = {name.partition(".")[0] for name in sys.modules}

class OnlyTheLayers:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in installed and top not in allowed:
            refused.add(top)
            raise ModuleNotFoundError(f"No module named {name!r} (not in this function's layers)", name=name)
        return None

sys.meta_path.insert(0, OnlyTheLayers())
module = importlib.import_module(module_name)
function = module.FUNCTION
if function.services is not None:
    function.services()
for work in function.before_snapshot:
    work()
imported = ({name.partition(".")[0] for name in sys.modules} - at_start) & installed
print("REPORT " + json.dumps({"imported": sorted(imported), "refused": sorted(refused)}))
"""

# Enough configuration for every function's settings (on Lambda a missing one refuses the init); no
# request is made.
ENVIRONMENT = {
    "AWS_LAMBDA_FUNCTION_NAME": "layers-probe",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    # As Lambda's default: the X-Ray SDK is imported.
    "POWERTOOLS_TRACE_DISABLED": "false",
    "JOBS_TABLE_NAME": "jobs-table",
    "ITEMS_TABLE_NAME": "items-table",
    "IDEMPOTENCY_TABLE_NAME": "idempotency-table",
    "WEBHOOKS_TABLE_NAME": "webhooks-table",
    "CREDENTIALS_TABLE_NAME": "credentials-table",
    "CURSOR_SECRET_ARN": "cursor-secret",
    "JWT_PUBLIC_KEYS_ARN": "jwt-public-keys",
    "STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:lifecycle",
    "WEBHOOK_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/deliveries",
    "WEBHOOK_DEAD_LETTER_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/deliveries-dlq",
}


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS, ids=str)
def test_the_init_imports_only_what_the_layers_ship(function: LambdaFunction) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), **ENVIRONMENT}
    installed = json.dumps(sorted(packages_distributions()))
    allowed = json.dumps(sorted(provided(function)))
    report = probe_report(INIT_PROBE, [str(LAYER), function.module, installed, allowed], env, function.directory)
    assert set(report["imported"]) <= provided(function)
    assert "export_api" in report["imported"]


def _imports(tree: ast.AST) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, names imported from it) of every import made when the code runs: not those only a type
    checker reads (under `if TYPE_CHECKING:`)."""
    type_checking = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for statement in node.body
        for child in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, tuple(alias.name for alias in node.names)


def _source(module: str, function: LambdaFunction) -> Path | None:
    parts = module.split(".")
    for root in (function.directory, LAYER):
        for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def _container_services() -> dict[str, ast.AST]:
    """The container's services (its cached properties), each built where the code first asks for it."""
    tree = ast.parse(CONTAINER.read_text())
    (services,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Services"]
    return {node.name: node for node in services.body if isinstance(node, ast.FunctionDef)}


def _asks_for_a_service(node: ast.AST, services: dict[str, ast.AST], in_container: bool) -> TypeGuard[ast.Attribute]:
    """`services.jobs`, `s.jobs` (a `building` selector), `get_services().jobs` or, in the container,
    `self.jobs`: an attribute of the container by name, not any attribute that shares a service's name
    (`session.events`, `settings.test_helpers`)."""
    if not (isinstance(node, ast.Attribute) and node.attr in services and not node.attr.startswith("__")):
        return False
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id in ("services", "s") or (in_container and owner.id == "self")
    return isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_services"


def reachable_imports(function: LambdaFunction) -> dict[str, set[str]]:
    """Top-level module -> the files of the layer or the function that import it, over the code the
    function's handler can reach. The container is entered by service: only those the reachable code
    names (`services.jobs`) are followed."""
    services = _container_services()
    found: dict[str, set[str]] = {}
    seen_files: set[Path] = set()
    seen_services: set[str] = set()
    pending: list[tuple[ast.AST, str]] = []

    def visit_file(path: Path) -> None:
        if path in seen_files:
            return
        seen_files.add(path)
        tree = ast.parse(path.read_text())
        if path == CONTAINER:
            # Its module-level code only; each service's body is visited when asked for.
            tree.body = [node for node in tree.body if not (isinstance(node, ast.ClassDef) and node.name == "Services")]
        pending.append((tree, str(path.relative_to(ROOT))))

    visit_file(function.directory / f"{function.module.replace('.', '/')}.py")
    while pending:
        tree, where = pending.pop()
        for module, names in _imports(tree):
            found.setdefault(module.partition(".")[0], set()).add(where)
            for candidate in (module, *(f"{module}.{name}" for name in names)):
                source = _source(candidate, function)
                if source is not None:
                    visit_file(source)
        for node in ast.walk(tree):
            in_container = where.startswith(str(CONTAINER.relative_to(ROOT)))
            if _asks_for_a_service(node, services, in_container) and node.attr not in seen_services:
                seen_services.add(node.attr)
                visit_file(CONTAINER)
                pending.append((services[node.attr], f"{CONTAINER.relative_to(ROOT)}:{node.attr}"))
    return found


@pytest.mark.parametrize("function", FUNCTIONS, ids=str)
def test_what_its_requests_import_its_layers_ship(function: LambdaFunction) -> None:
    imports = reachable_imports(function)
    missing = {
        module: sorted(where)
        for module, where in imports.items()
        if module not in provided(function) and module not in sys.stdlib_module_names
    }
    assert missing == {}


@pytest.mark.slow
def test_the_reachable_code_is_followed_by_service() -> None:
    """The webhook delivery reaches httpx through the container's `webhook_delivery`; no API function
    asks for that service, and only the authorizers reach the token verifier."""
    by_name = {function.name: reachable_imports(function) for function in FUNCTIONS}
    assert "httpx" in by_name["WebhookDeliveryFunction"]
    assert "jwt" in by_name["AuthorizerFunction"]
    assert "jwt" in by_name["AdminAuthorizerFunction"]
    for function in API_FUNCTIONS:
        assert not set(by_name[function.name]) & NOT_FOR_API_FUNCTIONS, function.name
    # The admin API's webhook redelivery reaches the subscriptions service, which queues the message
    # again: neither signed nor sent there.
    assert "layers/shared/export_api/services/subscriptions.py" in by_name["AdminFunction"]["export_api"]
