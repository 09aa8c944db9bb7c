"""`make run`: the whole service on this machine, with no Docker and no AWS account.

Start-up, in order:
1. the AWS emulator (moto's server) on AWS_EMULATOR_PORT (5000), with Step Functions execution on;
2. the template's resources in it: the DynamoDB tables, the SQS queues, and the workflow (state machine and the
   in-process Lambda hook: `provision_workflow`);
3. the functions' environment, from template.yaml with the local physical ids (`environment.py`), and
   the SQS event source mappings polled in this process (`queues.py`: WebhookDeliveryFunction);
4. the gateway (template routes, authorizers), demo credentials, and demo data made through the
   gateway with them (`demo.py`);
5. `.local/demo.json`, then the HTTP server on EXPORT_API_PORT (3000) until Ctrl-C.
"""

import asyncio
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from export_api_local import usage_plans
from export_api_local.config import LocalConfig
from export_api_local.emulator import AwsEmulator, PortInUse, ensure_port_free
from export_api_local.environment import Resolver, function_environment
from export_api_local.gateway import Gateway, Limits
from export_api_local.queues import Queue, SqsEventSource, create_queues, sqs_mappings
from export_api_local.template import ROOT, resources_of_type

# The job events a subscription can ask for (export_api.models.webhooks.WebhookEventType).
EVENT_TYPES = (
    "v1.export-job.created",
    "v1.export-job.started",
    "v1.export-job.completed",
    "v1.export-job.completed-with-errors",
    "v1.export-job.failed",
    "v1.export-job.expired",
)


@dataclass
class Provisioned:
    """What the emulator holds: logical id -> physical id (for !Ref) and attributes (for !GetAtt)."""

    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    state_machine_arn: str | None = None
    # Variables the provisioning asks the functions' environment to have (e.g. STATE_MACHINE_ARN).
    environment: dict[str, str] = field(default_factory=dict)
    # The template's SQS queues, by logical id.
    queues: dict[str, Queue] = field(default_factory=dict)


def process_environment(config: LocalConfig, endpoint: str) -> dict[str, str]:
    """Variables of this process that make every AWS client (the app's, moto's own) use the emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_REGION": config.region,
        # Fixed fake credentials: nothing here may reach a real AWS account.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        # moto's Step Functions service integrations call back to localhost:$MOTO_PORT.
        "MOTO_PORT": str(config.aws_port),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "export-api-local",
    }


def provision_workflow(config: LocalConfig, provisioned: Provisioned, say: Callable[[str], None]) -> None:
    """The lifecycle workflow (export_api_local.stack): the state machine from template.yaml, and the
    functions as Lambda functions whose Invoke runs their handlers in-process."""
    from export_api.settings import Settings

    from export_api_local import stack as stack_module

    settings = Settings(
        job_expires_in_seconds=config.job_expires_in_seconds,
        job_stuck_timeout_seconds=config.job_stuck_timeout_seconds,
    )
    stack = stack_module.provision(settings, region=config.region)
    provisioned.state_machine_arn = str(stack.state_machine_arn)
    provisioned.environment.update(stack.environment())
    state_machine = next(iter(resources_of_type("AWS::Serverless::StateMachine")), None)
    if state_machine:
        name = provisioned.state_machine_arn.rsplit(":", 1)[-1]
        provisioned.physical_ids[state_machine] = provisioned.state_machine_arn
        provisioned.attributes[state_machine] = {"Arn": provisioned.state_machine_arn, "Name": name}
    for logical_id, arn in stack.function_arns.items():
        provisioned.physical_ids[logical_id] = str(arn).rsplit(":", 1)[-1]
        provisioned.attributes[logical_id] = {"Arn": str(arn)}
    say(f"Workflow: state machine {provisioned.state_machine_arn}")


def provision_secrets(emulator: AwsEmulator, provisioned: Provisioned, say: Callable[[str], None]) -> None:
    """The template's secrets in the emulator (the functions read them at run time, as on AWS), and a
    token signing key made for this run: the demo's and the credentials CLI's tokens are signed with it."""
    from export_api_local.signing_keys import SigningKeys

    arns = emulator.create_secrets()
    provisioned.physical_ids.update(arns)
    if "JwtSigningKey" in arns and "JwtPublicKeys" in arns:
        keys = SigningKeys(emulator.client("secretsmanager"), arns["JwtSigningKey"], arns["JwtPublicKeys"])
        kid = keys.rotate()
        say(f"Secrets: {', '.join(sorted(arns))} (token signing key {kid}, made for this run)")


# The stack name of the emulator's API Gateway resources (usage plans, keys).
LOCAL_STACK = "export-api-local"


def gateway_limits(config: LocalConfig, emulator: AwsEmulator) -> Limits:
    """The usage plans (per company) and the web ACL's anonymous rule, unless RATE_LIMITS is off."""
    if not config.rate_limits:
        return Limits()
    parameters = usage_plans.template_parameters(dict(config.parameter_overrides))
    return Limits(
        usage_plans=usage_plans.UsagePlanMeter(emulator.client("apigateway")),
        anonymous=usage_plans.AnonymousRateLimit(int(parameters["AnonymousRateLimit"])),
    )


def start_emulator(config: LocalConfig, say: Callable[[str], None]) -> tuple[AwsEmulator, Provisioned]:
    emulator = AwsEmulator(config.aws_host, config.aws_port, config.region)
    emulator.start()
    emulator.configure({"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
    provisioned = Provisioned()
    tables = emulator.create_tables({"JobsTable": config.jobs_table_name, "ItemsTable": config.items_table_name})
    provisioned.physical_ids.update(tables)
    say(f"AWS emulator on {emulator.endpoint}: tables {', '.join(tables.values())}")
    provision_secrets(emulator, provisioned, say)
    plans = usage_plans.provision(emulator.client("apigateway"), LOCAL_STACK, dict(config.parameter_overrides))
    provisioned.physical_ids.update(plans)
    say(f"  usage plans {', '.join(sorted(plans))}")
    queues = create_queues(emulator.client("sqs"))
    for logical_id, queue in queues.items():
        # !Ref of a queue is its URL; !GetAtt gives its ARN and name.
        provisioned.physical_ids[logical_id] = queue.url
        provisioned.attributes[logical_id] = {"Arn": queue.arn, "QueueName": queue.name, "QueueUrl": queue.url}
    provisioned.queues.update(queues)
    if queues:
        say(f"  queues {', '.join(q.name for q in queues.values())}")
    provision_workflow(config, provisioned, say)
    return emulator, provisioned


def configure_functions(config: LocalConfig, provisioned: Provisioned, say: Callable[[str], None]) -> dict[str, str]:
    resolver = Resolver(
        region=config.region,
        physical_ids=provisioned.physical_ids,
        attributes=provisioned.attributes,
        parameter_overrides={
            "JobExpiresInSeconds": str(config.job_expires_in_seconds),
            "JobStuckTimeoutSeconds": str(config.job_stuck_timeout_seconds),
            "LogLevel": config.log_level,
            # Test clocks, fault injection and a job in one call for integrators (admin API); TEST_HELPERS=disabled
            # in the shell turns them off.
            "TestHelpers": "enabled",
            # PARAMETER_OVERRIDES wins, as `sam deploy --parameter-overrides` does.
            **dict(config.parameter_overrides),
        },
    )
    # No X-Ray daemon or CloudWatch here: tracing and EMF metrics off (POWERTOOLS_METRICS_DISABLED=false shows them).
    # Webhooks may go to plain http and loopback receivers here (a subscriber on 127.0.0.1), never on AWS.
    overrides = {
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "WEBHOOK_LOCAL_MODE": "true",
        **provisioned.environment,
    }
    environment, unresolved = function_environment(resolver, overrides)
    if unresolved:
        # The functions refuse what they need and lack (export_api.bootstrap names it).
        say(f"Not resolvable locally, left unset: {', '.join(sorted(unresolved))}")
    # This process's AWS settings (process_environment: the emulator's endpoint) stay as they are.
    process_settings = process_environment(config, config.aws_endpoint)
    for name, value in environment.items():
        if config.shell_settings_win or name in process_settings:
            os.environ.setdefault(name, value)
        else:
            os.environ[name] = value
    return environment


def start_event_sources(
    config: LocalConfig, emulator: AwsEmulator, provisioned: Provisioned, say: Callable[[str], None]
) -> list[SqsEventSource]:
    """The template's SQS event source mappings, polled in this process (WebhookDeliveryFunction)."""
    if not provisioned.queues:
        return []
    sqs = emulator.client("sqs")
    sources = []
    for mapping in sqs_mappings():
        source = SqsEventSource(sqs, mapping, provisioned.queues[mapping.queue], config.region)
        source.start()
        sources.append(source)
        say(f"  {mapping.function} polls {provisioned.queues[mapping.queue].name}")
    return sources


def webhooks_guide(config: LocalConfig) -> dict[str, Any]:
    """demo.json's `webhooks`: how to subscribe a receiver and verify what it gets."""
    return {
        "subscribe": {
            "method": "POST",
            "url": f"{config.base_url}/v1/subscriptions",
            "headers": {"Authorization": "Bearer <companies[i].bearerToken>", "Content-Type": "application/json"},
            "body": {"endpointUrl": "http://127.0.0.1:8000/hook", "eventTypes": list(EVENT_TYPES)},
        },
        "secret": f"GET {config.base_url}/v1/subscriptions/<id>/secret",
        "deliveries": f"GET {config.base_url}/v1/subscriptions/<id>/deliveries",
        "eventTypes": list(EVENT_TYPES),
        "verify": "standardwebhooks.webhooks.Webhook(secretKey).verify(body, headers) (README: Webhooks)",
        "note": "Locally plain http and 127.0.0.1 receivers are allowed; on AWS only public https endpoints.",
    }


def load_demo(config: LocalConfig, gateway: Gateway, say: Callable[[str], None]) -> dict[str, Any]:
    """Demo credentials and data; the document written to .local/demo.json."""
    from export_api_local.demo import DemoCredentials, DemoLoader

    company_ids = config.demo_company_ids if config.demo else ()
    credentials = DemoCredentials.mint(company_ids, timedelta(seconds=config.demo_token_ttl_seconds))
    companies: list[dict[str, Any]] = []
    if config.demo:
        say(f"Loading demo data through the API ({config.demo_entries_per_company} entries per company)...")
        loader = DemoLoader(gateway, credentials, config.demo_entries_per_company, progress=lambda m: say("  " + m))
        companies = [company.as_json(credentials) for company in loader.load(company_ids)]
    return {
        "baseUrl": config.base_url,
        "awsEndpoint": config.aws_endpoint,
        "region": config.region,
        "companies": companies,
        "admin": {"bearerToken": credentials.admin_token},
        "webhooks": webhooks_guide(config),
    }


def write_demo_file(config: LocalConfig, document: dict[str, Any]) -> None:
    """The file holds an admin token and API keys: readable by its owner only, from its first byte on."""
    config.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = config.demo_file.with_suffix(".json.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps(document, indent=2) + "\n")
    temporary.replace(config.demo_file)  # readers never see half a file


def banner(config: LocalConfig, gateway: Gateway, provisioned: Provisioned) -> str:
    try:
        demo = config.demo_file.relative_to(ROOT)
    except ValueError:
        demo = config.demo_file
    identity = (
        "template.yaml's Lambda authorizers: use a bearerToken or apiKey from the demo file"
        if gateway.uses_authorizer
        else "template.yaml declares no authorizer: requests reach the functions with no identity"
    )
    workflow = provisioned.state_machine_arn or "no state machine provisioned"
    lines = [
        "",
        "Export API is running (Ctrl-C stops it)",
        f"  API           {config.base_url}   ({len(gateway.routes)} routes from template.yaml)",
        f"  Swagger UI    {config.base_url}/docs   (admin API: {config.base_url}/docs/admin)",
        f"  Job console   {config.base_url}/console   (sign in with admin.bearerToken of the demo file)",
        f"  AWS emulator  {config.aws_endpoint}   (region {config.region}, any credentials)",
        f"  Workflow      {workflow}",
        f"  Demo data     {demo}   (company ids, job ids, credentials)",
        f"  Credentials   {identity}",
        "",
        f'  TOKEN=$(jq -r ".companies[0].bearerToken" {demo})',
        f"  curl -H \"Authorization: Bearer $TOKEN\" '{config.base_url}/v3/export-jobs?statuses=pending'",
        f"  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region {config.region} "
        f"--endpoint-url {config.aws_endpoint} dynamodb list-tables",
        "",
    ]
    return "\n".join(lines)


def serve(config: LocalConfig, app: Any, on_ready: Callable[[], None]) -> None:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            lifespan="off",
            # "info": uvicorn's start line and one line per request (ACCESS_LOG=0 leaves those out).
            log_level="debug" if config.log_level == "DEBUG" else "info",
            access_log=os.environ.get("ACCESS_LOG", "1").lower() not in {"0", "false", "no", "off"},
            timeout_graceful_shutdown=5,
        )
    )

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            on_ready()
        await task

    asyncio.run(run())


@dataclass
class LocalService:
    """Everything but the HTTP server: the emulator and what it holds, the functions' environment, the
    event sources, the gateway, and the demo document (written to demo.json)."""

    config: LocalConfig
    emulator: AwsEmulator
    provisioned: Provisioned
    sources: list[SqsEventSource]
    gateway: Gateway
    document: dict[str, Any]

    def app(self) -> Any:
        from export_api_local.asgi import LocalApp

        return LocalApp(self.gateway, self.config.handler_timeout_seconds)

    def stop(self) -> None:
        for source in self.sources:
            source.stop()
        self.emulator.stop()


def start_service(config: LocalConfig, say: Callable[[str], None]) -> LocalService:
    """Start-up steps 1 to 5 (module docstring) but the HTTP server; the ports must be free. Sets this
    process's AWS environment (every client goes to the emulator) and the functions' environment."""
    os.environ.update(process_environment(config, config.aws_endpoint))
    emulator, provisioned = start_emulator(config, say)
    sources: list[SqsEventSource] = []
    try:
        configure_functions(config, provisioned, say)
        # What start-up made so far (moto's backends, botocore's service models, the modules) lives as
        # long as the process: out of the collector's reach, the demo's and every request's collections
        # stop walking it.
        gc.freeze()
        sources = start_event_sources(config, emulator, provisioned, say)
        gateway = Gateway(region=config.region)
        document = load_demo(config, gateway, say)
        # The demo is loaded as the operator would: its requests count against no company's plan.
        gateway = replace(gateway, limits=gateway_limits(config, emulator))
        if provisioned.state_machine_arn:
            document["stateMachineArn"] = provisioned.state_machine_arn
        write_demo_file(config, document)
    except BaseException:
        for source in sources:
            source.stop()
        emulator.stop()
        raise
    return LocalService(config, emulator, provisioned, sources, gateway, document)


def main() -> int:
    config = LocalConfig.from_env()
    started = time.monotonic()

    def say(message: str) -> None:
        print(message, flush=True)

    # SIGTERM stops the service the way Ctrl-C does (clean shutdown, emulator stopped).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        ensure_port_free(config.host, config.port, "The Export API")
        ensure_port_free(config.aws_host, config.aws_port, "The AWS emulator")
    except PortInUse as error:
        say(f"{error} Set EXPORT_API_PORT / AWS_EMULATOR_PORT to use other ports.")
        return 1
    service: LocalService | None = None
    try:
        service = start_service(config, say)
        ready = service

        def on_ready() -> None:
            say(banner(config, ready.gateway, ready.provisioned))
            say(f"Ready in {time.monotonic() - started:.1f} s.")

        serve(config, service.app(), on_ready=on_ready)
    except KeyboardInterrupt:
        pass
    finally:
        if service is not None:
            service.stop()
        say("Export API stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
