"""The functions' environment, read from template.yaml the way `sam local` reads it.

Every function of the local service runs in this one process, so their variables are merged (Globals
first, then each function's own). Intrinsic functions are resolved against what the emulator
provisioned: `!Ref JobsTable` is the local table's name, `!Ref SomeParameter` its default (or an
override), `${AWS::Region}` the local region. A value that cannot be resolved locally (a Secrets
Manager dynamic reference, say) must come from `overrides`, else the variable is left out and named in
the returned `unresolved` list.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from export_api_local.template import load_template, resources_of_type

ACCOUNT_ID = "123456789012"
STACK_NAME = "export-api-local"


class Unresolvable(Exception):
    pass


@dataclass
class Resolver:
    """Resolves the intrinsic functions template.yaml uses in environment variables."""

    region: str
    # Logical id -> physical id (table name, state machine ARN, ...), as provisioned locally.
    physical_ids: Mapping[str, str] = field(default_factory=dict)
    # Logical id -> {attribute: value}, for Fn::GetAtt.
    attributes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)

    def pseudo(self, name: str) -> str:
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": STACK_NAME,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name not in values:
            raise Unresolvable(name)
        return values[name]

    def ref(self, name: str) -> str:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameter_overrides:
            return str(self.parameter_overrides[name])
        parameters = load_template().get("Parameters") or {}
        if name in parameters:
            if "Default" not in parameters[name]:
                raise Unresolvable(f"parameter {name} has no default")
            return str(parameters[name]["Default"])
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise Unresolvable(f"resource {name} is not provisioned locally")

    def get_att(self, target: Any) -> str:
        logical_id, attribute = target.split(".", 1) if isinstance(target, str) else target
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise Unresolvable(f"{logical_id}.{attribute}") from None

    def sub(self, spec: Any) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.resolve(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(name)
            return self.ref(name)

        resolved = re.sub(r"\$\{([^}]+)\}", replace, text)
        if "{{resolve:" in resolved:
            raise Unresolvable("dynamic reference (Secrets Manager / SSM)")
        return resolved

    def resolve(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            text = str(value)
            if "{{resolve:" in text:
                raise Unresolvable("dynamic reference (Secrets Manager / SSM)")
            return text
        if isinstance(value, dict) and len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self.ref(argument)
            if name == "Fn::GetAtt":
                return self.get_att(argument)
            if name == "Fn::Sub":
                return self.sub(argument)
            if name == "Fn::Join":
                separator, parts = argument
                return str(separator).join(self.resolve(p) for p in parts)
        raise Unresolvable(f"unsupported value {value!r}")


def declared_variables() -> dict[str, Any]:
    """Every variable the template declares for its functions: Globals, then each function's own."""
    template = load_template()
    declared: dict[str, Any] = dict(
        (((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get("Variables") or {}
    )
    for properties in resources_of_type("AWS::Serverless::Function").values():
        declared.update(((properties.get("Environment") or {}).get("Variables")) or {})
    return declared


def function_environment(resolver: Resolver, overrides: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The variables to set for the functions, and the names of those that could not be resolved."""
    environment: dict[str, str] = {}
    unresolved: list[str] = []
    for name, value in declared_variables().items():
        if name in overrides:
            environment[name] = overrides[name]
            continue
        try:
            environment[name] = resolver.resolve(value)
        except Unresolvable:
            unresolved.append(name)
    for name, value in overrides.items():
        environment.setdefault(name, value)
    return environment, unresolved
