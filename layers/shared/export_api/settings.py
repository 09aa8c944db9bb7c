from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Configuration from the environment, read once per cold start."""

    jobs_table_name: str = Field(default="export-api-jobs", min_length=3)
    items_table_name: str = Field(default="export-api-items", min_length=3)
    # Idempotency-Key records (services/idempotency.py): the first answer to a key, replayed for this long.
    idempotency_table_name: str = Field(default="export-api-idempotency", min_length=3)
    idempotency_expires_after_seconds: int = Field(default=86_400, ge=1)
    # Signs pagination cursors so a cursor cannot be forged or replayed against another query.
    cursor_secret: str = Field(default="local-development-cursor-secret", min_length=16)
    # API Gateway stage prefix stripped by Mangum ("" when the stage is not in the path).
    api_base_path: str = "/"
    # ExportJob.expiresIn: seconds a job (pending or in progress) may go without any action (an event, an
    # item update) before it fails with `job_expired`. 3600 is Pleo's published example.
    job_expires_in_seconds: int = Field(default=3_600, ge=1)
    # The job lifecycle state machine (ExportJobLifecycle). Unset: lifecycles run inline, in the calling process.
    state_machine_arn: str | None = None
    # Seconds a started job may go without its closing event before it fails with `service_timeout`.
    job_stuck_timeout_seconds: int = Field(default=86_400, ge=1)
    default_page_limit: int = Field(default=50, ge=1)
    max_page_limit: int = Field(default=100, ge=1)
    max_page_offset: int = Field(default=10_000, ge=0)
    # Authentication (functions/authorizer): API keys live in their own table, hashed.
    credentials_table_name: str = Field(default="export-api-credentials", min_length=3)
    # HS256 signing secret of bearer tokens; from Secrets Manager on AWS (template.yaml).
    jwt_secret: str = Field(default="local-development-jwt-secret-change-me", min_length=32)
    jwt_issuer: str = "https://export-api.local/"
    jwt_audience: str = "export-api"
    # Webhooks (docs/decisions.md, "Webhooks"): subscriptions, messages and attempts in their own table.
    webhooks_table_name: str = Field(default="export-api-webhooks", min_length=3)
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
    def webhook_retry_delays(self) -> tuple[int, ...]:
        return tuple(int(seconds) for seconds in self.webhook_retry_schedule.split(","))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
