"""The functions' environment under `make run` (from template.yaml), and events/env.local.json for
`sam local start-api`, which must agree with it."""

import json
from typing import Any

import pytest

from export_api_local.config import LocalConfig
from export_api_local.emulator import secret_name, table_name
from export_api_local.environment import STACK_NAME, Resolver, Unresolvable, declared_variables, function_environment
from export_api_local.template import ROOT, load_template, resources_of_type

ENV_LOCAL = ROOT / "events" / "env.local.json"


def test_resolver_reads_parameters_resources_and_pseudo_parameters() -> None:
    resolver = Resolver(
        region="eu-north-1",
        physical_ids={"JobsTable": "local-jobs"},
        attributes={"SomeMachine": {"Name": "machine"}},
        parameter_overrides={"LogLevel": "DEBUG"},
    )
    assert resolver.resolve({"Ref": "JobsTable"}) == "local-jobs"
    assert resolver.resolve({"Ref": "JobExpiresInSeconds"}) == "3600"
    assert resolver.resolve({"Ref": "LogLevel"}) == "DEBUG"
    assert resolver.resolve({"Fn::GetAtt": "SomeMachine.Name"}) == "machine"
    assert resolver.resolve({"Fn::GetAtt": ["SomeMachine", "Name"]}) == "machine"
    assert resolver.resolve({"Fn::Sub": "${AWS::StackName}-${AWS::Region}-${SomeMachine.Name}"}) == (
        f"{STACK_NAME}-eu-north-1-machine"
    )
    assert resolver.resolve(True) == "true"
    for unresolvable in (
        {"Ref": "NotProvisioned"},
        {"Fn::Sub": "{{resolve:secretsmanager:${JobsTable}:SecretString}}"},
        {"Fn::GetAtt": "JobsTable.StreamArn"},
    ):
        with pytest.raises(Unresolvable):
            resolver.resolve(unresolvable)


def test_function_environment_resolves_what_the_template_declares() -> None:
    physical = {logical_id: f"local-{logical_id}" for logical_id in resources_of_type("AWS::DynamoDB::Table")}
    environment, unresolved = function_environment(
        Resolver(region="eu-west-1", physical_ids=physical), {"POWERTOOLS_TRACE_DISABLED": "true"}
    )
    assert environment["JOBS_TABLE_NAME"] == "local-JobsTable"
    assert environment["ITEMS_TABLE_NAME"] == "local-ItemsTable"
    assert environment["POWERTOOLS_TRACE_DISABLED"] == "true"
    # A secret the emulator has not provisioned has no local value: the variable is left unset.
    assert "CURSOR_SECRET_ARN" in unresolved
    assert "CURSOR_SECRET_ARN" not in environment
    assert set(environment) | set(unresolved) >= set(declared_variables())


def _env_local() -> dict[str, Any]:
    parameters: dict[str, Any] = json.loads(ENV_LOCAL.read_text())["Parameters"]
    return parameters


def test_env_local_sets_only_variables_the_template_declares() -> None:
    # `sam local` overrides declared variables only: anything else in the file would be ignored.
    assert set(_env_local()) <= set(declared_variables())


def test_env_local_points_at_make_run() -> None:
    parameters, config = _env_local(), LocalConfig()
    assert parameters["AWS_ENDPOINT_URL"].endswith(f":{config.aws_port}")
    assert parameters["JOBS_TABLE_NAME"] == table_name("JobsTable", {"JobsTable": config.jobs_table_name})
    assert parameters["ITEMS_TABLE_NAME"] == table_name("ItemsTable", {"ItemsTable": config.items_table_name})
    for variable, logical_id in (("CREDENTIALS_TABLE_NAME", "CredentialsTable"),):
        if variable in parameters:
            assert parameters[variable] == table_name(logical_id, {})
    # The same secrets as the functions under make run (read at run time from the emulator), so demo
    # tokens and cursors work against either.
    for variable, logical_id in (("CURSOR_SECRET_ARN", "CursorSecret"), ("JWT_PUBLIC_KEYS_ARN", "JwtPublicKeys")):
        assert parameters[variable] == secret_name(logical_id)
    # Secret values are in no variable: only where to read them.
    assert not {"CURSOR_SECRET", "JWT_SECRET"} & set(declared_variables())


def test_env_local_names_the_state_machine_make_run_creates() -> None:
    machines = resources_of_type("AWS::Serverless::StateMachine")
    if "STATE_MACHINE_ARN" not in _env_local():
        assert not machines
        return
    (properties,) = machines.values()
    region = LocalConfig().region
    name = Resolver(region=region).resolve(properties["Name"])
    assert _env_local()["STATE_MACHINE_ARN"] == f"arn:aws:states:{region}:123456789012:stateMachine:{name}"


def test_the_template_declares_the_endpoint_variable_empty() -> None:
    # Empty on AWS (boto3 uses the regional endpoints); sam local overrides it from env.local.json.
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["AWS_ENDPOINT_URL"] == ""


def test_make_run_and_sam_local_enable_the_test_helpers_the_template_leaves_off() -> None:
    assert load_template()["Parameters"]["TestHelpers"]["Default"] == "disabled"
    physical = {logical_id: f"local-{logical_id}" for logical_id in resources_of_type("AWS::DynamoDB::Table")}
    resolver = Resolver(region="eu-west-1", physical_ids=physical, parameter_overrides={"TestHelpers": "enabled"})
    environment, _ = function_environment(resolver, {})
    assert environment["TEST_HELPERS"] == "enabled"
    assert _env_local()["TEST_HELPERS"] == "enabled"
