"""Configuration from the environment, read once per cold start.

Secrets and table names have no default here: a function that lacks one fails closed. On Lambda
(`AWS_LAMBDA_FUNCTION_NAME` set) each function checks what it needs at init and refuses to start
(export_api.bootstrap); elsewhere the first use raises. Local defaults live in the local tooling
(export_api_local), which provisions the tables and secrets it names.

A frozen dataclass of the standard library, not a pydantic model: the authorizers read these settings
too, and their layers ship no pydantic (benchmarks/README.md, "Package size").
"""

import dataclasses
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal


class ConfigurationError(RuntimeError):
    """A deployment error in the function's configuration: never answered with a default."""


class MissingConfiguration(ConfigurationError):
    """A setting the code needs is not configured."""


class InvalidConfiguration(ConfigurationError, ValueError):
    """A setting is configured with a value it cannot take."""


# A field's value before `__post_init__` reads it from the environment (or takes its default).
_FROM_ENVIRONMENT: Any = object()


def _setting(
    default: object,
    *,
    minimum: int | None = None,
    min_length: int | None = None,
    pattern: str | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    """A field read from the environment variable of its name in upper case, unless given as an argument."""
    constraints = {"minimum": minimum, "min_length": min_length, "pattern": pattern, "choices": choices}
    return dataclasses.field(default=_FROM_ENVIRONMENT, metadata={"default": default, **constraints})


def _parse(name: str, kind: type, raw: str) -> object:
    if kind is bool:
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise InvalidConfiguration(f"{name.upper()} must be true or false, not {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise InvalidConfiguration(f"{name.upper()} must be an integer, not {raw!r}") from None
    return raw


def _check(field: dataclasses.Field[Any], value: object) -> None:
    name, rules = field.name.upper(), field.metadata
    if value is None:
        return
    if rules["minimum"] is not None and isinstance(value, int) and value < rules["minimum"]:
        raise InvalidConfiguration(f"{name} must be at least {rules['minimum']}, not {value}")
    if isinstance(value, str):
        if rules["min_length"] is not None and len(value) < rules["min_length"]:
            raise InvalidConfiguration(f"{name} must be at least {rules['min_length']} characters, not {value!r}")
        if rules["pattern"] is not None and not re.fullmatch(rules["pattern"], value):
            raise InvalidConfiguration(f"{name} must match {rules['pattern']}, not {value!r}")
        if rules["choices"] and value not in rules["choices"]:
            raise InvalidConfiguration(f"{name} must be one of {', '.join(rules['choices'])}, not {value!r}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """Each field from the environment variable of its name in upper case; keyword arguments win."""

    jobs_table_name: str | None = _setting(None, min_length=3)
    items_table_name: str | None = _setting(None, min_length=3)
    # Idempotency-Key records (services/idempotency.py): the first answer to a key, replayed for this long.
    idempotency_table_name: str | None = _setting(None, min_length=3)
    idempotency_expires_after_seconds: int = _setting(86_400, minimum=1)
    # Secrets Manager secret (ARN or name) holding the key that signs pagination cursors.
    cursor_secret_arn: str | None = _setting(None, min_length=1)
    # How long a secret read from Secrets Manager is cached in the function (Powertools parameters).
    secrets_max_age_seconds: int = _setting(300, minimum=0)
    # This service's public URL (`https://api.example.com/prod`), for the links in export items (`_links`);
    # unset, the URL the request came in on (host and stage) is used.
    public_base_url: str | None = _setting(None, pattern=r"^https?://[^\s]+$")
    # API Gateway stage prefix stripped by Mangum ("" when the stage is not in the path).
    api_base_path: str = _setting("/")
    # ExportJob.expiresIn: seconds a job (pending or in progress) may go without any action (an event, an
    # item update) before it fails with `job_expired`. 3600 is Pleo's published example.
    job_expires_in_seconds: int = _setting(3_600, minimum=1)
    # The job lifecycle state machine (ExportJobLifecycle): every job's lifecycle is an execution of it. Unset,
    # creating a job or applying an event fails (MissingConfiguration).
    state_machine_arn: str | None = _setting(None)
    # Seconds a started job may go without its closing event before it fails with `service_timeout`.
    job_stuck_timeout_seconds: int = _setting(86_400, minimum=1)
    default_page_limit: int = _setting(50, minimum=1)
    max_page_limit: int = _setting(100, minimum=1)
    # Offset paging reads offset + limit items per request: deeper pages go by cursor.
    max_page_offset: int = _setting(1_000, minimum=0)
    # Authentication (functions/authorizer): API keys live in their own table, as digests.
    credentials_table_name: str | None = _setting(None, min_length=3)
    # Secrets Manager secret (ARN or name) holding the JWKS of the public keys that verify bearer
    # tokens (ES256, by `kid`). The private key is never given to a function.
    jwt_public_keys_arn: str | None = _setting(None, min_length=1)
    # The API Gateway usage plan of each tier (`standard=<id>,high=<id>`): a company's requests are metered
    # against its tier's plan (docs/rate-limits.md). Unset: companies cannot be given a usage plan.
    usage_plan_ids: str | None = _setting(None, pattern=r"^[a-z]+=[A-Za-z0-9]+(,[a-z]+=[A-Za-z0-9]+)*$")
    jwt_issuer: str = _setting("https://export-api.local/")
    jwt_audience: str = _setting("export-api")
    # Webhooks (docs/decisions.md, "Webhooks"): subscriptions, messages and attempts in their own table.
    webhooks_table_name: str | None = _setting(None, min_length=3)
    # The delivery queue and its dead-letter queue (SQS). Unset: job events are not published.
    webhook_queue_url: str | None = _setting(None)
    webhook_dead_letter_queue_url: str | None = _setting(None)
    # Seconds to wait before each retry of a failed delivery; its length is the number of retries.
    webhook_retry_schedule: str = _setting("5,300,1800,7200,18000,36000", pattern=r"^\d+(,\d+)*$")
    # A subscription whose deliveries have failed for this long is set INACTIVE (3 days).
    webhook_deactivate_after_seconds: int = _setting(259_200, minimum=0)
    # After a secret rotation the previous secret also signs for this long.
    webhook_secret_grace_seconds: int = _setting(86_400, minimum=0)
    webhook_max_subscriptions_per_company: int = _setting(25, minimum=1)
    # Local development only (`make run`): plain http and loopback receivers are allowed. Never on AWS.
    webhook_local_mode: bool = _setting(False)

    @property
    def usage_plans(self) -> dict[str, str]:
        """Usage plan id by tier."""
        pairs = (pair.partition("=") for pair in (self.usage_plan_ids or "").split(",") if pair)
        return {tier: plan_id for tier, _, plan_id in pairs}

    @property
    def webhook_retry_delays(self) -> tuple[int, ...]:
        return tuple(int(seconds) for seconds in self.webhook_retry_schedule.split(","))

    # Test helpers (docs/admin-api.openapi.yaml, "Test helpers"): test clocks, fault injection, a job in
    # one call. Template parameter TestHelpers; `make run` enables them. Disabled, their routes answer 404
    # and no request of the Export API reads anything for them.
    test_helpers: Literal["enabled", "disabled"] = _setting("disabled", choices=("enabled", "disabled"))

    @property
    def test_helpers_enabled(self) -> bool:
        return self.test_helpers == "enabled"

    # Admin tokens carry their own audience: an Export API token is never an admin token, and back.
    jwt_admin_audience: str = _setting("export-api-admin")
    # A token whose `exp - iat` exceeds this is refused, whoever signed it.
    jwt_max_lifetime_seconds: int = _setting(86_400, minimum=60)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is _FROM_ENVIRONMENT:
                default = field.metadata["default"]
                raw = os.environ.get(field.name.upper())
                # An empty variable leaves an optional setting unset (a template's `!If` gives "").
                if raw is None or (raw == "" and default is None):
                    value = default
                else:
                    value = _parse(field.name, str if default is None else type(default), raw)
                # Frozen: the dataclass's own way to set a field during its construction.
                object.__setattr__(self, field.name, value)
            _check(field, value)

    def required(self, name: str) -> str:
        """The value of setting `name`, which must be configured (environment variable NAME)."""
        value = getattr(self, name)
        if not value:
            raise MissingConfiguration(f"{name.upper()} is not set")
        return str(value)

    def missing(self, names: Iterable[str]) -> list[str]:
        return [name.upper() for name in names if not getattr(self, name)]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
