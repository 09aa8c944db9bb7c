"""template.yaml is operable and hardened: logs, traces, alarms, limits, least privilege; and
checkov and cfn-lint find nothing that has no written reason."""

import json
import os
import re
import shutil
import subprocess
import tomllib
from typing import Any

import pytest

from export_api_local.template import ROOT, load_template

TOOLS = ROOT / ".venv-tools" / "bin"
# Actions that take no resource-level permission: a "*" resource is the only way to grant them.
RESOURCELESS_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def resources(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in load_template()["Resources"].items() if r["Type"] == resource_type}


def functions() -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources("AWS::Serverless::Function").items()}


def statements(properties: dict[str, Any]) -> list[dict[str, Any]]:
    policies = properties.get("Policies") or []
    return [s for p in policies if isinstance(p, dict) for s in p.get("Statement", [])]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def alarms() -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources("AWS::CloudWatch::Alarm").items()}


def alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads."""
    if "MetricName" in alarm:
        return [(alarm["Namespace"], alarm["MetricName"], alarm.get("Dimensions", []))]
    found = []
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            found.append((metric["Namespace"], metric["MetricName"], metric.get("Dimensions", [])))
    return found


# Data at rest, least privilege ------------------------------------------------------------------


def test_tables_are_encrypted_and_recoverable() -> None:
    tables = resources("AWS::DynamoDB::Table")
    assert set(tables) >= {"JobsTable", "ItemsTable", "CredentialsTable"}
    for name, table in tables.items():
        properties = table["Properties"]
        assert properties["SSESpecification"]["SSEEnabled"] is True, name
        assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name


def test_no_wildcard_action_and_no_wildcard_resource_on_data() -> None:
    owners = {**functions(), **{n: r["Properties"] for n, r in resources("AWS::Serverless::StateMachine").items()}}
    checked = 0
    for name, properties in owners.items():
        for statement in statements(properties):
            actions = as_list(statement["Action"])
            assert not [a for a in actions if "*" in a], (name, statement.get("Sid"), actions)
            if statement.get("Resource") == "*" or "*" in as_list(statement.get("Resource")):
                assert set(actions) <= RESOURCELESS_ACTIONS, (name, statement.get("Sid"), actions)
            checked += 1
    assert checked >= 10


# Limits -----------------------------------------------------------------------------------------


def test_the_stage_is_throttled_and_access_logged() -> None:
    api = load_template()["Resources"]["ExportApi"]["Properties"]
    (settings,) = api["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert settings["DataTraceEnabled"] is False, "request and response bodies stay out of the logs"
    assert api["TracingEnabled"] is True
    access = api["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": "ExportApiAccessLogs.Arn"}
    fields = json.loads(access["Format"])
    assert fields["requestId"] == "$context.requestId", "the X-Request-Id and the functions' correlation_id"
    assert {"status", "responseLatency", "principalId", "integrationError", "xrayTraceId"} <= fields.keys()


def test_reserved_concurrency_is_a_parameter_where_it_protects_downstream() -> None:
    expected = {
        "ExportJobsFunction": "ApiReservedConcurrency",
        "ExportJobEventsFunction": "ApiReservedConcurrency",
        "ExportItemsFunction": "ApiReservedConcurrency",
        "AdminFunction": "ApiReservedConcurrency",
        "JobWorkflowFunction": "WorkflowReservedConcurrency",
    }
    for name, parameter in expected.items():
        condition, value, otherwise = functions()[name]["ReservedConcurrentExecutions"]["Fn::If"]
        assert value == {"Ref": parameter}, name
        assert otherwise == {"Ref": "AWS::NoValue"}, name
        assert load_template()["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, "0"]}]}


# Logs and traces ----------------------------------------------------------------------------------


def test_every_log_group_has_a_retention() -> None:
    groups = {n: r["Properties"] for n, r in resources("AWS::Logs::LogGroup").items()}
    for name, group in groups.items():
        assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}, name
    # Each function's own group, so that Lambda does not create one that never expires.
    names = {json.dumps(g["LogGroupName"]) for g in groups.values()}
    for function in functions():
        assert json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"}) in names, function
    assert {"ExportApiAccessLogs", "ExportApiExecutionLogs", "ExportJobLifecycleLogs"} <= groups.keys()


def test_functions_log_json_with_metrics_and_trace() -> None:
    globals_ = load_template()["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    variables = globals_["Environment"]["Variables"]
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "ExportApi"
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Ref": "PowertoolsTraceDisabled"}
    assert load_template()["Parameters"]["PowertoolsTraceDisabled"]["Default"] == "false"


def test_the_state_machine_logs_and_traces() -> None:
    machine = load_template()["Resources"]["ExportJobLifecycle"]["Properties"]
    assert machine["Tracing"] == {"Enabled": True}
    logging = machine["Logging"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False, "inputs and outputs carry task tokens"
    (destination,) = logging["Destinations"]
    assert destination["CloudWatchLogsLogGroup"]["LogGroupArn"] == {"Fn::GetAtt": "ExportJobLifecycleLogs.Arn"}
    granted = {a for s in statements(machine) for a in as_list(s["Action"])}
    assert {"logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeLogGroups"} <= granted


def test_api_logging_waits_for_the_account_role() -> None:
    template = load_template()
    assert template["Resources"]["ExportApi"]["DependsOn"] == "ApiGatewayAccountReady"
    ready = template["Resources"]["ApiGatewayAccountReady"]["Metadata"]["Account"]
    assert ready == {"Fn::If": ["CreateApiGatewayCloudWatchRole", {"Ref": "ApiGatewayAccount"}, ""]}
    role = template["Resources"]["ApiGatewayCloudWatchRole"]
    assert role["DeletionPolicy"] == "Retain", "the account setting outlives the stack"


# Alarms -------------------------------------------------------------------------------------------


def test_every_alarm_notifies_the_optional_topic() -> None:
    template = load_template()
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert template["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    notify = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert alarms()
    for name, alarm in alarms().items():
        assert alarm["AlarmActions"] == notify, name
        assert alarm["OKActions"] == notify, name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_api_alarms_on_5xx_rate_and_p99_latency() -> None:
    rate = alarms()["ApiServerErrorRateAlarm"]
    assert {m[1] for m in alarm_metrics(rate)} == {"5XXError", "Count"}
    assert "errors / requests" in rate["Metrics"][0]["Expression"]
    latency = alarms()["ApiLatencyP99Alarm"]
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    for alarm in (rate, latency):
        for _, _, dimensions in alarm_metrics(alarm):
            assert {d["Name"] for d in dimensions} == {"ApiName", "Stage"}
    api_name = load_template()["Resources"]["ExportApi"]["Properties"]["Name"]
    assert {"Name": "ApiName", "Value": api_name} in latency["Dimensions"]


def test_every_function_alarms_on_errors_and_throttles() -> None:
    watched: dict[str, set[str]] = {}
    for alarm in alarms().values():
        for namespace, metric, dimensions in alarm_metrics(alarm):
            if namespace == "AWS/Lambda":
                (dimension,) = dimensions
                assert dimension["Name"] == "FunctionName"
                watched.setdefault(dimension["Value"]["Ref"], set()).add(metric)
    assert watched == {name: {"Errors", "Throttles"} for name in functions()}


def test_executions_alarm_on_failures_and_timeouts() -> None:
    read = {
        metric
        for alarm in alarms().values()
        for namespace, metric, dimensions in alarm_metrics(alarm)
        if namespace == "AWS/States"
        and dimensions == [{"Name": "StateMachineArn", "Value": {"Ref": "ExportJobLifecycle"}}]
    }
    assert {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"} <= read


# The checkers ---------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = TOOLS / name
    if path.exists():
        return str(path)
    if os.environ.get("CI"):
        pytest.fail(f"{path} is missing: `make test` installs it (make check-template)")
    pytest.skip(f"{name}: run `make check-template` once to install the template checkers")


@pytest.mark.slow
def test_checkov_fails_nothing_and_every_skip_has_a_reason() -> None:
    result = subprocess.run(
        [_tool("checkov"), "-f", "template.yaml", "--framework", "cloudformation", "--output", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert result.returncode == 0, result.stderr[-2000:]
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the template's skip comments are read"
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.strip()) > 20, (check["check_id"], check["resource"], reason)
    # Every skip in the template is written as `# checkov:skip=CKV_ID: reason`.
    text = (ROOT / "template.yaml").read_text()
    for found in re.finditer(r"checkov:skip=(\w+)(.*)", text):
        assert re.match(r": \S.{20,}", found.group(2)), found.group(0)


@pytest.mark.slow
def test_cfn_lint_is_clean() -> None:
    linter = shutil.which("cfn-lint") if not (TOOLS / "cfn-lint").exists() else None
    result = subprocess.run(
        [linter or _tool("cfn-lint"), "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_samconfig_environments_name_real_parameters_with_allowed_values() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    parameters = load_template()["Parameters"]
    for environment in ("dev", "prod"):
        deploy = config[environment]["deploy"]["parameters"]
        assert deploy["stack_name"] == f"export-api-{environment}"
        assert "CAPABILITY_IAM" in deploy["capabilities"]
        for override in deploy["parameter_overrides"]:
            name, _, value = override.partition("=")
            assert name in parameters, (environment, name)
            declared = parameters[name]
            if "AllowedValues" in declared:
                assert value in [str(v) for v in declared["AllowedValues"]], (environment, override)
            if "MinValue" in declared:
                assert float(value) >= declared["MinValue"], (environment, override)
            if "MaxValue" in declared:
                assert float(value) <= declared["MaxValue"], (environment, override)
    prod = dict(o.split("=", 1) for o in config["prod"]["deploy"]["parameters"]["parameter_overrides"])
    assert int(prod["ApiReservedConcurrency"]) > 0
    assert int(prod["WorkflowReservedConcurrency"]) > 0
    assert int(prod["LogRetentionInDays"]) >= 365
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
