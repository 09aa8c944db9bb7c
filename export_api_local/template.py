"""Reads template.yaml: the DynamoDB tables to create and the routes each function serves."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.CSafeLoader):
    """YAML loader (libyaml's: ten times the pure-Python one's speed on the template) that keeps
    intrinsic functions (!Ref, !GetAtt, !Sub, ...) as plain values."""


def _intrinsic(loader: yaml.CSafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def load_template() -> dict[str, Any]:
    with TEMPLATE.open() as handle:
        template: dict[str, Any] = yaml.load(handle, Loader=_CloudFormationLoader)
    return template


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource.get("Properties", {})
        for name, resource in load_template()["Resources"].items()
        if resource["Type"] == resource_type
    }


def table_definition(logical_id: str, table_name: str) -> dict[str, Any]:
    """CreateTable arguments for a table of the template, under the given name."""
    properties = resources_of_type("AWS::DynamoDB::Table")[logical_id]
    definition: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    return definition


@dataclass(frozen=True)
class Route:
    function: str
    module: str
    method: str
    path: str
    pattern: re.Pattern[str]
    #: Logical id of the Lambda authorizer function guarding the route, None for a public route.
    authorizer_function: str | None = None
    #: Whether API Gateway meters the route by a usage plan (`Auth.ApiKeyRequired`, the event's or the API's).
    api_key_required: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method.upper() != self.method:
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def _path_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(regex)


def function_handler_path(logical_id: str) -> tuple[str, str]:
    """The Python module and attribute of a function's handler (CodeUri + Handler)."""
    properties = resources_of_type("AWS::Serverless::Function")[logical_id]
    handler_module, _, attribute = str(properties.get("Handler", "app.handler")).rpartition(".")
    return ".".join((*Path(properties["CodeUri"]).parts, handler_module)), attribute


def _authorizer_function(api_logical_id: str, event_auth: dict[str, Any] | None) -> str | None:
    auth = resources_of_type("AWS::Serverless::Api").get(api_logical_id, {}).get("Auth") or {}
    name = (event_auth or {}).get("Authorizer", auth.get("DefaultAuthorizer"))
    if not name or name == "NONE":
        return None
    arn = auth["Authorizers"][name]["FunctionArn"]
    # !Ref Function.Alias (the published alias) loads as {"Ref": "Function.Alias"}; !GetAtt Function.Arn
    # as {"Fn::GetAtt": "Function.Arn"}, its long form as ["Function", "Arn"].
    target = arn["Ref"] if "Ref" in arn else arn["Fn::GetAtt"]
    return str(target.split(".")[0] if isinstance(target, str) else target[0])


def gateway_response(response_type: str) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers API Gateway sends for one of its own responses (UNAUTHORIZED, ...)."""
    for api in resources_of_type("AWS::Serverless::Api").values():
        configured = (api.get("GatewayResponses") or {}).get(response_type)
        if configured:
            headers = (configured.get("ResponseParameters") or {}).get("Headers") or {}
            return (
                int(configured["StatusCode"]),
                str(configured["ResponseTemplates"]["application/json"]),
                {name: str(value).strip("'") for name, value in headers.items()},
            )
    defaults = {"UNAUTHORIZED": (401, '{"message":"Unauthorized"}'), "ACCESS_DENIED": (403, '{"message":"Forbidden"}')}
    status, body = defaults[response_type]
    return status, body, {"Content-Type": "application/json"}


@cache
def routes() -> tuple[Route, ...]:
    """Every Api event of every function, with the Python module of its handler and its authorizer."""
    found = []
    for name in resources_of_type("AWS::Serverless::Function"):
        properties = resources_of_type("AWS::Serverless::Function")[name]
        module, _ = function_handler_path(name)
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            path = event["Properties"]["Path"]
            method = event["Properties"]["Method"].upper()
            api = event["Properties"].get("RestApiId", {}).get("Ref", "")
            auth = event["Properties"].get("Auth") or {}
            authorizer = _authorizer_function(api, auth)
            api_auth = resources_of_type("AWS::Serverless::Api").get(api, {}).get("Auth") or {}
            key_required = bool(auth.get("ApiKeyRequired", api_auth.get("ApiKeyRequired", False)))
            found.append(Route(name, module, method, path, _path_pattern(path), authorizer, key_required))
    return tuple(found)
