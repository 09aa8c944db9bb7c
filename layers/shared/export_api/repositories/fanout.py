"""Independent DynamoDB requests of one operation sent side by side, a bounded number at a time.

boto3 clients are thread-safe, and a request spends nearly all its time waiting for DynamoDB's answer:
a few threads cut a big job's hundreds of batch requests to a few dozen round trips. Each call runs in a
copy of the caller's context (the request's log keys, its trace segment, a meter's marks), and every call
has finished before `fan_out` returns or raises, so nothing of the operation is still running behind it.
"""

import contextvars
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Requests in flight at once for one operation: 16 keeps a 10,000-entry job's 400 writes to 25 round
#: trips. The clients' connection pools hold as many (repositories/aws.py), so no call opens a connection
#: of its own.
MAX_WORKERS = 16
#: Tries of a batch request whose answer leaves part of it unprocessed (throttled partitions).
UNPROCESSED_ATTEMPTS = 8
_UNPROCESSED_BACKOFF_SECONDS = 0.05
_MAX_UNPROCESSED_BACKOFF_SECONDS = 1.0


def fan_out(call: Callable[[T], R], parts: Sequence[T], workers: int = MAX_WORKERS) -> list[R]:
    """`call` of every part, at most `workers` at a time; results in the parts' order. One part is called
    in the caller's thread. The first error is raised once every call has ended."""
    if len(parts) <= 1:
        return [call(part) for part in parts]
    with ThreadPoolExecutor(max_workers=min(workers, len(parts))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, call, part) for part in parts]
        # Leaving the block waits for every call, failed or not.
        return [future.result() for future in futures]


def unprocessed_backoff(attempt: int) -> None:
    """Sleep before sending again what DynamoDB left unprocessed on try `attempt` (0-based): full jitter,
    capped, as AWS advises for BatchWriteItem's UnprocessedItems and BatchGetItem's UnprocessedKeys."""
    time.sleep(random.uniform(0, min(_MAX_UNPROCESSED_BACKOFF_SECONDS, _UNPROCESSED_BACKOFF_SECONDS * 2**attempt)))
