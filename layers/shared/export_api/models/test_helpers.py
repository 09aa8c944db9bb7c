"""Test helpers (docs/admin-api.openapi.yaml, "Test helpers"): a company's test clock, the faults
injected into its requests, and the request for a job in one call."""

from datetime import datetime
from enum import IntEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from export_api.models.base import ContractModel, RequestModel

# A day of a year's seconds at most per advance: enough for any deadline the template allows (the
# stuck limit is a day by default), small enough that a typo does not push a clock past datetime's range.
MAX_ADVANCE_SECONDS = 366 * 86_400
# Requests a fault answers at most, and its longest delay: below API Gateway's 29-second timeout, so
# the delayed request is still answered by the function, not by the gateway.
MAX_FAULT_COUNT = 1_000
MAX_FAULT_DELAY_MILLISECONDS = 25_000
# Faults pending per company: each request of the company reads them all.
MAX_FAULTS_PER_COMPANY = 25
# Accounting entries of a job made in one call (each is ingested, then the job is created with them).
MAX_SAMPLE_JOB_ENTRIES = 1_000
# Operation name of a fault that applies to every operation of the Export API.
ANY_OPERATION = "*"


class FaultStatus(IntEnum):
    """The answers a fault may give: a rate limit, and the 5xx a client must retry."""

    TOO_MANY_REQUESTS = 429
    INTERNAL_SERVER_ERROR = 500
    SERVICE_UNAVAILABLE = 503
    GATEWAY_TIMEOUT = 504


class AdvanceClock(RequestModel):
    seconds: Annotated[int, Field(ge=1, le=MAX_ADVANCE_SECONDS, strict=True)]


class CompanyClock(ContractModel):
    """A company's test clock: real time plus every advance so far."""

    company_id: UUID
    advanced_seconds: int
    now: datetime


class ClockAdvanced(CompanyClock):
    # The company's open job, whose deadlines the advance moved (absent when it had none).
    open_job_id: UUID | None = None


class CreateFault(RequestModel):
    """The next `count` requests of the company to `operation` answer `status`, or are delayed."""

    operation: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^(\*|[A-Za-z][A-Za-z0-9]*)$")] = (
        ANY_OPERATION
    )
    count: Annotated[int, Field(ge=1, le=MAX_FAULT_COUNT, strict=True)] = 1
    status: FaultStatus | None = None
    delay_milliseconds: Annotated[int, Field(ge=1, le=MAX_FAULT_DELAY_MILLISECONDS, strict=True)] | None = None
    # Only with 429: the Retry-After the answer carries.
    retry_after_seconds: Annotated[int, Field(ge=0, le=3_600, strict=True)] | None = None

    @model_validator(mode="after")
    def _one_effect(self) -> Self:
        if (self.status is None) == (self.delay_milliseconds is None):
            raise ValueError("give exactly one of status and delayMilliseconds")
        if self.retry_after_seconds is not None and self.status is not FaultStatus.TOO_MANY_REQUESTS:
            raise ValueError("retryAfterSeconds goes with status 429 only")
        return self


class Fault(ContractModel):
    id: str
    company_id: UUID
    operation: str
    remaining: int
    created_at: datetime
    created_by: str
    status: FaultStatus | None = None
    delay_milliseconds: int | None = None
    retry_after_seconds: int | None = None

    def applies_to(self, operation_id: str) -> bool:
        """`updateExportJobItems` names that operation in every version (`updateExportJobItemsV3`...)."""
        if self.operation == ANY_OPERATION:
            return True
        return operation_id == self.operation or operation_id.rstrip("0123456789").removesuffix("V") == self.operation


class TestHelpersState(ContractModel):
    """What the console shows of a company: its clock and its pending faults."""

    clock: CompanyClock
    faults: list[Fault]


class SampleEntries(RequestModel):
    type: Annotated[str, Field(min_length=1, max_length=40)]
    count: Annotated[int, Field(ge=1, le=MAX_SAMPLE_JOB_ENTRIES, strict=True)]


class CreateSampleJob(RequestModel):
    entries: Annotated[list[SampleEntries], Field(min_length=1, max_length=10)]
    employee_id: UUID | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        total = sum(group.count for group in self.entries)
        if total > MAX_SAMPLE_JOB_ENTRIES:
            raise ValueError(f"at most {MAX_SAMPLE_JOB_ENTRIES} entries in all, not {total}")
        return self
