"""Configuration of the local service (`make run`): environment variables with embedded defaults.

Every setting can be overridden from the environment; nothing else needs configuring. The application
itself (the Lambda handlers) still reads its own settings (export_api.settings) from the environment
that `export_api_local.environment` prepares from template.yaml.
"""

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from export_api_local.template import ROOT

# The demo companies have fixed ids, so a walk-through can name them.
DEMO_COMPANY_IDS = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
)


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {raw!r}") from None


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from None


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw not in {"0", "false", "no", "off"}


def _overrides(raw: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for word in raw.split():
        name, separator, value = word.partition("=")
        if not separator or not name:
            raise SystemExit(f"PARAMETER_OVERRIDES takes Name=value pairs separated by spaces, not {word!r}")
        pairs.append((name, value))
    return tuple(pairs)


@dataclass(frozen=True)
class LocalConfig:
    # The Export API gateway (`sam local start-api` uses 3000 too).
    host: str = "127.0.0.1"
    port: int = 3000
    # The AWS emulator (moto server): DynamoDB, Step Functions, Lambda.
    aws_host: str = "127.0.0.1"
    aws_port: int = 5000
    region: str = "eu-west-1"
    # Seconds a job may go without any action before it expires (ExportJob.expiresIn, JOB_EXPIRES_IN_SECONDS).
    job_expires_in_seconds: int = 3_600
    # Seconds a started job may go without its closing event before the workflow fails it (service_timeout).
    job_stuck_timeout_seconds: int = 86_400
    # API Gateway's integration timeout: a handler call that takes longer answers 504.
    handler_timeout_seconds: float = 29.0
    # Demo data loaded at start through the API.
    demo: bool = True
    demo_entries_per_company: int = 800
    demo_company_ids: tuple[str, ...] = DEMO_COMPANY_IDS
    # Lifetime of the demo bearer tokens written to demo.json (the authorizers accept at most 24 h).
    demo_token_ttl_seconds: int = 86_400
    # Where demo.json (ids and credentials) is written.
    state_dir: Path = field(default_factory=lambda: ROOT / ".local")
    jobs_table_name: str = "export-api-jobs"
    items_table_name: str = "export-api-items"
    log_level: str = "WARNING"
    # Template parameters that differ from template.yaml's defaults, as `sam deploy --parameter-overrides`
    # takes them (`UsagePlanRateLimit=5 AnonymousRateLimit=50`): the usage plans and the web ACL's
    # anonymous rule the gateway enforces are read from them.
    parameter_overrides: tuple[tuple[str, str], ...] = ()
    # Per-company usage plans and the anonymous rate rule, enforced by the gateway as on AWS.
    rate_limits: bool = True
    # A function setting already in this process's environment wins over the template's, as with `sam
    # local`; the sandbox, which lives in a test process, takes the template's (with the local names).
    shell_settings_win: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "LocalConfig":
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            host=env.get("EXPORT_API_HOST") or defaults.host,
            port=_int(env, "EXPORT_API_PORT", defaults.port),
            aws_host=env.get("AWS_EMULATOR_HOST") or defaults.aws_host,
            aws_port=_int(env, "AWS_EMULATOR_PORT", defaults.aws_port),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or defaults.region,
            job_expires_in_seconds=_int(env, "JOB_EXPIRES_IN_SECONDS", defaults.job_expires_in_seconds),
            job_stuck_timeout_seconds=_int(env, "JOB_STUCK_TIMEOUT_SECONDS", defaults.job_stuck_timeout_seconds),
            handler_timeout_seconds=_float(env, "HANDLER_TIMEOUT_SECONDS", defaults.handler_timeout_seconds),
            demo=_flag(env, "DEMO_DATA", defaults.demo),
            demo_entries_per_company=_int(env, "DEMO_ENTRIES_PER_COMPANY", defaults.demo_entries_per_company),
            demo_token_ttl_seconds=_int(env, "DEMO_TOKEN_TTL_SECONDS", defaults.demo_token_ttl_seconds),
            state_dir=Path(env.get("LOCAL_STATE_DIR") or defaults.state_dir),
            jobs_table_name=env.get("JOBS_TABLE_NAME") or defaults.jobs_table_name,
            items_table_name=env.get("ITEMS_TABLE_NAME") or defaults.items_table_name,
            log_level=(env.get("LOCAL_LOG_LEVEL") or defaults.log_level).upper(),
            parameter_overrides=_overrides(env.get("PARAMETER_OVERRIDES", "")),
            rate_limits=_flag(env, "RATE_LIMITS", defaults.rate_limits),
        )

    @property
    def base_url(self) -> str:
        return f"http://{_connectable(self.host)}:{self.port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{_connectable(self.aws_host)}:{self.aws_port}"

    @property
    def demo_file(self) -> Path:
        return self.state_dir / "demo.json"


def _connectable(host: str) -> str:
    """An address a client on this machine can connect to, for a server listening on `host`."""
    return "127.0.0.1" if host in {"0.0.0.0", "", "::"} else host


def apply_local_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Table and secret names of `make run`'s emulator, for the operator CLIs (credentials, trace,
    reconcile) run against it: a value already in the environment (a deployed stack's) wins. The
    application itself has no defaults (export_api.settings)."""
    from export_api_local.emulator import secret_name, table_name

    env = os.environ if environ is None else environ
    defaults = LocalConfig.from_env(env)
    local = {
        "JOBS_TABLE_NAME": table_name("JobsTable", {"JobsTable": defaults.jobs_table_name}),
        "ITEMS_TABLE_NAME": table_name("ItemsTable", {"ItemsTable": defaults.items_table_name}),
        "IDEMPOTENCY_TABLE_NAME": table_name("IdempotencyTable", {}),
        "CREDENTIALS_TABLE_NAME": table_name("CredentialsTable", {}),
        "CURSOR_SECRET_ARN": secret_name("CursorSecret"),
        "JWT_PUBLIC_KEYS_ARN": secret_name("JwtPublicKeys"),
    }
    for name, value in local.items():
        env.setdefault(name, value)
