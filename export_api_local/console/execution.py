"""What an execution did, read from its history (the admin API's JobExecution): the states it
entered in order, how long each took, which transitions it took, where it is or where it failed."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from export_api_local.console.graph import Visit

STOPPED_BADLY = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Step:
    """One state entered, in order."""

    number: int
    state: str
    entered: datetime
    milliseconds: float
    current: bool
    failed: bool
    errored: bool


@dataclass(frozen=True)
class Path:
    steps: list[Step]
    visits: dict[str, Visit]
    taken: set[tuple[str, str]]


def path_of(execution: dict[str, Any], now: datetime | None = None) -> Path:
    status = str(execution.get("status", ""))
    stop = _when(execution["stopDate"]) if execution.get("stopDate") else (now or datetime.now(UTC))
    entered: list[tuple[str, datetime, datetime | None]] = []
    errored: set[int] = set()
    for event in execution.get("events", []):
        kind = str(event.get("type", ""))
        state = event.get("stateName")
        if kind.endswith("StateEntered") and state:
            entered.append((str(state), _when(event["timestamp"]), None))
        elif kind.endswith("StateExited") and entered and entered[-1][2] is None:
            name, start, _ = entered[-1]
            entered[-1] = (name, start, _when(event["timestamp"]))
        elif entered and not kind.startswith("Execution") and kind.endswith(("Failed", "TimedOut")):
            errored.add(len(entered) - 1)
    steps: list[Step] = []
    for index, (state, start, end) in enumerate(entered):
        last = index == len(entered) - 1
        steps.append(
            Step(
                number=index + 1,
                state=state,
                entered=start,
                milliseconds=max(0.0, ((end or stop) - start).total_seconds() * 1000),
                current=last and end is None and status == "RUNNING",
                failed=last and status in STOPPED_BADLY,
                errored=index in errored,
            )
        )
    visits: dict[str, Visit] = {}
    for step in steps:
        visit = visits.setdefault(step.state, Visit())
        visit.order.append(step.number)
        visit.milliseconds += step.milliseconds
        visit.current = visit.current or step.current
        visit.failed = visit.failed or step.failed
        visit.errored = visit.errored or step.errored
    taken = {(a.state, b.state) for a, b in itertools.pairwise(steps)}
    return Path(steps, visits, taken)
