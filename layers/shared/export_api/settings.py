"""Configuration from the environment, read once per cold start.

Secrets and table names have no default here: a function that lacks one fails closed. On Lambda
(`AWS_LAMBDA_FUNCTION_NAME` set) each function checks what it needs at init and refuses to start
(export_api.bootstrap); elsewhere the first use raises. Local defaults live in the local tooling
(export_api_local), which provisions the tables and secrets it names.
"""

import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator


class MissingConfiguration(RuntimeError):
    """A setting the code needs is not configured: a deployment error, never a default."""


class Settings(BaseModel):
    """Each field from the environment variable of its name in upper case; keyword arguments win.

    Plain pydantic, not pydantic-settings: reading a few variables does not need its sources (dotenv,
    secrets directories, CLI), whose import alone costs the authorizer's cold start tens of milliseconds.
    """

    jobs_table_name: str | None = Field(default=None, min_length=3)
    items_table_name: str | None = Field(default=None, min_length=3)
    # Idempotency-Key records (services/idempotency.py): the first answer to a key, replayed for this long.
    idempotency_table_name: str | None = Field(default=None, min_length=3)
    idempotency_expires_after_seconds: int = Field(default=86_400, ge=1)
    # Secrets Manager secret (ARN or name) holding the key that signs pagination cursors.
    cursor_secret_arn: str | None = Field(default=None, min_length=1)
    # How long a secret read from Secrets Manager is cached in the function (Powertools parameters).
    secrets_max_age_seconds: int = Field(default=300, ge=0)
    # This service's public URL (`https://api.example.com/prod`), for the links in export items (`_links`);
    # unset, the URL the request came in on (host and stage) is used.
    public_base_url: Annotated[str | None, BeforeValidator(lambda v: v or None)] = Field(
        default=None, pattern=r"^https?://[^\s]+$"
    )
    # API Gateway stage prefix stripped by Mangum ("" when the stage is not in the path).
    api_base_path: str = "/"
    # ExportJob.expiresIn: seconds a job (pending or in progress) may go without any action (an event, an
    # item update) before it fails with `job_expired`. 3600 is Pleo's published example.
    job_expires_in_seconds: int = Field(default=3_600, ge=1)
    # The job lifecycle state machine (ExportJobLifecycle): every job's lifecycle is an execution of it. Unset,
    # creating a job or applying an event fails (MissingConfiguration).
    state_machine_arn: str | None = None
    # Seconds a started job may go without its closing event before it fails with `service_timeout`.
    job_stuck_timeout_seconds: int = Field(default=86_400, ge=1)
    default_page_limit: int = Field(default=50, ge=1)
    max_page_limit: int = Field(default=100, ge=1)
    # Offset paging reads offset + limit items per request: deeper pages go by cursor.
    max_page_offset: int = Field(default=1_000, ge=0)
    # Authentication (functions/authorizer): API keys live in their own table, as digests.
    credentials_table_name: str | None = Field(default=None, min_length=3)
    # Secrets Manager secret (ARN or name) holding the JWKS of the public keys that verify bearer
    # tokens (ES256, by `kid`). The private key is never given to a function.
    jwt_public_keys_arn: str | None = Field(default=None, min_length=1)
    # The API Gateway usage plan of each tier (`standard=<id>,high=<id>`): a company's requests are metered
    # against its tier's plan (docs/rate-limits.md). Unset: companies cannot be given a usage plan.
    usage_plan_ids: str | None = Field(default=None, pattern=r"^[a-z]+=[A-Za-z0-9]+(,[a-z]+=[A-Za-z0-9]+)*$")
    jwt_issuer: str = "https://export-api.local/"
    jwt_audience: str = "export-api"
    # Webhooks (docs/decisions.md, "Webhooks"): subscriptions, messages and attempts in their own table.
    webhooks_table_name: str | None = Field(default=None, min_length=3)
    # The delivery queue and its dead-letter queue (SQS). Unset: job events are not published.
    webhook_queue_url: str | None = None
    webhook_dead_letter_queue_url: str | None = None
    # Seconds to wait before each retry of a failed delivery; its length is the number of retries.
    webhook_retry_schedule: str = Field(default="5,300,1800,7200,18000,36000", pattern=r"^\d+(,\d+)*$")
    # A subscription whose deliveries have failed for this long is set INACTIVE (3 days).
    webhook_deactivate_after_seconds: int = Field(default=259_200, ge=0)
    # After a secret rotation the previous secret also signs for this long.
    webhook_secret_grace_seconds: int = Field(default=86_400, ge=0)
    webhook_max_subscriptions_per_company: int = Field(default=25, ge=1)
    # Local development only (`make run`): plain http and loopback receivers are allowed. Never on AWS.
    webhook_local_mode: bool = False

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
    test_helpers: Literal["enabled", "disabled"] = "disabled"

    @property
    def test_helpers_enabled(self) -> bool:
        return self.test_helpers == "enabled"

    # Admin tokens carry their own audience: an Export API token is never an admin token, and back.
    jwt_admin_audience: str = "export-api-admin"
    # A token whose `exp - iat` exceeds this is refused, whoever signed it.
    jwt_max_lifetime_seconds: int = Field(default=86_400, ge=60)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, values: Any) -> Any:
        given = dict(values) if isinstance(values, dict) else {}
        environment = {name: os.environ[name.upper()] for name in cls.model_fields if name.upper() in os.environ}
        return {**environment, **given}

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
