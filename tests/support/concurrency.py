"""Real threads calling the handlers at once, the way concurrent Lambda invocations hit DynamoDB."""

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")

JOIN_SECONDS = 120.0


def run_concurrently(work: Sequence[T], call: Callable[[T], R]) -> list[R]:
    """`call(w)` for each `w` in a thread of its own, all released together; results in `work`'s order.

    Raises the first exception a thread raised (after all have finished).
    """
    barrier = threading.Barrier(len(work))
    results: list[R | None] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int, argument: T) -> None:
        # Mangum runs the ASGI app on the thread's event loop; a new thread has none.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            barrier.wait()
            results[index] = call(argument)
        except BaseException as error:
            errors.append(error)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    threads = [threading.Thread(target=run, args=(i, w), daemon=True) for i, w in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a request thread did not finish"
    if errors:
        raise errors[0]
    return cast(list[R], results)
