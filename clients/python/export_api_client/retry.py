"""When and how long to wait before trying a request again.

Exponential backoff with full jitter (so many clients throttled at once do not retry in step), never
shorter than the server's `Retry-After`. Every write carries an `Idempotency-Key`, so a write is
retried exactly like a read: the service replays the first answer instead of acting twice.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from export_api_client.errors import error_type

# Connection refused, dropped mid-request, timeouts: all safe to retry with an idempotency key.
RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (httpx.TransportError,)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    #: A `Retry-After` longer than this is cut to it (a client should not sleep for an hour).
    max_retry_after: float = 120.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))
    #: 422 IDEMPOTENCY_KEY_IN_USE: the first attempt of this very request is still running.
    retry_error_types: frozenset[str] = field(default_factory=lambda: frozenset({"IDEMPOTENCY_KEY_IN_USE"}))
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def retries_response(self, response: httpx.Response, body: object) -> bool:
        return response.status_code in self.retry_statuses or error_type(body) in self.retry_error_types

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        backoff = self.rng.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        server = parse_retry_after(retry_after)
        if server is None:
            return backoff
        return min(max(server, backoff), self.max_retry_after)


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); garbage is ignored."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
