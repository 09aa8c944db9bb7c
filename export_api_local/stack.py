"""The lifecycle part of template.yaml, created in the AWS emulator (moto): every function as a Lambda
function whose Invoke runs its real handler (export_api_local.lambda_hook), and the ExportJobLifecycle
state machine from its DefinitionUri with its DefinitionSubstitutions resolved.

    with mock_aws(config=EMULATOR_CONFIG):          # or a ThreadedMotoServer, see below
        stack = provision(settings)
        # handlers in this process pick the state machine up from STATE_MACHINE_ARN:
        os.environ.update(stack.environment())

moto executes state machines only when configured to: `mock_aws(config=EMULATOR_CONFIG)`, or
`emulation_config()` inside an already running in-process mock, or for a ThreadedMotoServer
`POST /moto-api/config` with EMULATOR_CONFIG. A server's Task states call back to
`http://localhost:$MOTO_PORT`, so set MOTO_PORT to the server's port. Tables are not created here
(template.table_definition gives their definitions).
"""

import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from unittest.mock import patch

import boto3
from export_api.settings import Settings
from moto.core.config import default_user_config

from export_api_local import lambda_hook
from export_api_local.template import ROOT, load_template, resources_of_type

# What moto needs to run ExportJobLifecycle for real, without Docker.
EMULATOR_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
DEFAULT_STACK_NAME = "export-api-local"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
_STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@contextmanager
def emulation_config() -> Iterator[None]:
    """Switch an in-process moto mock that is already running to EMULATOR_CONFIG, for the block.

    What `mock_aws(config=...)` does when it starts; a nested mock_aws would keep the config after
    it stops (moto restores it only when the outermost mock stops).
    """
    with patch.dict(default_user_config, EMULATOR_CONFIG):
        yield


@dataclass(frozen=True)
class ProvisionedStack:
    stack_name: str
    region: str
    state_machine_logical_id: str
    state_machine_name: str
    state_machine_arn: str
    # template.yaml logical id -> Lambda function ARN
    function_arns: Mapping[str, str]
    # The settings given to provision(), with state_machine_arn set.
    settings: Settings
    hook: lambda_hook.LambdaInvokeHook

    def environment(self) -> dict[str, str]:
        """What the handlers' process needs in its environment to drive jobs through the state machine."""
        return {
            "STATE_MACHINE_ARN": self.state_machine_arn,
            "JOB_STUCK_TIMEOUT_SECONDS": str(self.settings.job_stuck_timeout_seconds),
            "JOB_EXPIRES_IN_SECONDS": str(self.settings.job_expires_in_seconds),
        }

    def physical_ids(self) -> dict[str, str]:
        """What `!Ref <logical id>` resolves to: a function's name, the state machine's ARN."""
        ids = {logical_id: arn.rsplit(":", 1)[-1] for logical_id, arn in self.function_arns.items()}
        ids[self.state_machine_logical_id] = self.state_machine_arn
        return ids

    def attributes(self) -> dict[str, dict[str, str]]:
        """What `!GetAtt <logical id>.<attribute>` resolves to."""
        found = {logical_id: {"Arn": arn} for logical_id, arn in self.function_arns.items()}
        found[self.state_machine_logical_id] = {"Arn": self.state_machine_arn, "Name": self.state_machine_name}
        return found

    def execution_arn(self, job_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{job_id}"


@cache
def _placeholder_code() -> bytes:
    # The code is never run from the zip (the hook imports the handler), but CreateFunction wants one.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Invoked in-process by export_api_local.lambda_hook.\n")
    return buffer.getvalue()


def _sub(text: str, stack_name: str, region: str, account_id: str) -> str:
    pseudo = {
        "AWS::StackName": stack_name,
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::Partition": "aws",
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in pseudo:
            raise ValueError(f"Cannot resolve ${{{name}}} locally in {text!r}")
        return pseudo[name]

    return re.sub(r"\$\{([^}]+)\}", replace, text)


def _role(iam: Any, name: str, trust: Mapping[str, Any]) -> str:
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def _function(lambda_client: Any, name: str, role_arn: str, properties: Mapping[str, Any], runtime: str) -> str:
    try:
        return str(lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
    except lambda_client.exceptions.ResourceNotFoundException:
        created = lambda_client.create_function(
            FunctionName=name,
            Runtime=str(properties.get("Runtime") or runtime),
            Role=role_arn,
            Handler=str(properties.get("Handler", "app.handler")),
            Code={"ZipFile": _placeholder_code()},
            Description=str(properties.get("Description", ""))[:256],
        )
        return str(created["FunctionArn"])


def _substitution(value: Any, function_arns: Mapping[str, str], parameters: Mapping[str, str], where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        logical_id, attribute = target.split(".", 1) if isinstance(target, str) else target
        if attribute == "Arn" and logical_id in function_arns:
            return function_arns[logical_id]
    if isinstance(value, dict) and "Ref" in value:
        logical_id, _, attribute = str(value["Ref"]).partition(".")
        if attribute == "Alias" and logical_id in function_arns:
            # The published alias (AutoPublishAlias): the emulator publishes no versions, the function serves.
            return function_arns[logical_id]
        if value["Ref"] in parameters:
            return parameters[value["Ref"]]
        if value["Ref"] in function_arns:
            return function_arns[value["Ref"]].rsplit(":", 1)[-1]
    raise ValueError(f"Cannot resolve {where} = {value!r} locally")


def provision(
    settings: Settings,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str | None = None,
) -> ProvisionedStack:
    """Create (or update: it is idempotent) the template's functions and state machine in the emulator.

    boto3 clients are made here, so they follow moto's in-process mock or AWS_ENDPOINT_URL.
    """
    session = boto3.session.Session(region_name=region)
    region_name = session.region_name or "eu-west-1"
    iam = session.client("iam")
    lambda_client = session.client("lambda", region_name=region_name)
    sfn = session.client("stepfunctions", region_name=region_name)
    account_id = str(session.client("sts", region_name=region_name).get_caller_identity()["Account"])
    hook = lambda_hook.install()

    globals_ = (load_template().get("Globals") or {}).get("Function") or {}
    runtime = str(globals_.get("Runtime", "python3.12"))
    lambda_role = _role(iam, f"{stack_name}-functions", _LAMBDA_TRUST)
    function_arns: dict[str, str] = {}
    for logical_id, properties in resources_of_type("AWS::Serverless::Function").items():
        name = f"{stack_name}-{logical_id}"[:64]
        function_arns[logical_id] = _function(lambda_client, name, lambda_role, properties, runtime)
        hook.register(name, logical_id)

    parameters = {
        "JobExpiresInSeconds": str(settings.job_expires_in_seconds),
        "JobStuckTimeoutSeconds": str(settings.job_stuck_timeout_seconds),
    }
    machines = resources_of_type("AWS::Serverless::StateMachine")
    if len(machines) != 1:
        raise ValueError(f"Expected one state machine in template.yaml, found {sorted(machines)}")
    logical_id, properties = next(iter(machines.items()))
    definition = (ROOT / str(properties["DefinitionUri"])).read_text()
    for key, value in (properties.get("DefinitionSubstitutions") or {}).items():
        definition = definition.replace(
            "${" + key + "}", _substitution(value, function_arns, parameters, f"{logical_id}.{key}")
        )
    # The same definition without its layout: whitespace means nothing to Step Functions, and moto's ASL
    # parser, which reads the definition again for each execution, spends a third of its time on it.
    definition = json.dumps(json.loads(definition), separators=(",", ":"))
    raw_name = properties.get("Name", f"{stack_name}-{logical_id}")
    name = (
        _sub(raw_name["Fn::Sub"], stack_name, region_name, account_id) if isinstance(raw_name, dict) else str(raw_name)
    )
    states_role = _role(iam, f"{stack_name}-{logical_id}"[:64], _STATES_TRUST)
    arn = f"arn:aws:states:{region_name}:{account_id}:stateMachine:{name}"
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
    except sfn.exceptions.StateMachineDoesNotExist:
        arn = sfn.create_state_machine(
            name=name, definition=definition, roleArn=states_role, type=properties.get("Type", "STANDARD")
        )["stateMachineArn"]
    else:
        sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=states_role)

    return ProvisionedStack(
        stack_name=stack_name,
        region=region_name,
        state_machine_logical_id=logical_id,
        state_machine_name=name,
        state_machine_arn=arn,
        function_arns=function_arns,
        settings=dataclasses.replace(settings, state_machine_arn=arn),
        hook=hook,
    )
