from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, Field
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
    # This service's public URL (`https://api.example.com/prod`), for the links in export items (`_links`);
    # unset, the URL the request came in on (host and stage) is used.
    public_base_url: Annotated[str | None, BeforeValidator(lambda v: v or None)] = Field(
        default=None, pattern=r"^https?://[^\s]+$"
    )
    # API Gateway stage prefix stripped by Mangum ("" when the stage is not in the path).
    api_base_path: str = "/"
    # Seconds a pending job waits for `started` before it expires (ExportJob.expiresIn).
    job_expires_in_seconds: int = Field(default=86_400, ge=1)
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
