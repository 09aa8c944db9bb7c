"""2. Scaling: what one page costs for a small and a big job (company), first page and deep by cursor.

A flat cost is a ratio of 1 between the big and the small case (goal ≤ 1.1). Offset pages are
measured too: DynamoDB cannot skip items, so `offset=k` reads k + limit + 1 items.
"""

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from export_api.http.pagination import cursor_codec
from export_api.settings import get_settings

from benchmarks.access import describe
from benchmarks.api import Answer, Identity, request
from benchmarks.config import Sizes
from benchmarks.data import MotoWriter, seed_company_jobs, seed_job
from benchmarks.meter import Figures, Meter
from benchmarks.report import Row, verdict

SECTION = "2 scaling"
FLAT = 1.1


def deep_index(count: int, page: int) -> int:
    """An index deep in a list whose next page is still full and followed by another."""
    return max(0, min(int(count * 0.9), count - page - 2))


def cursor_at(first_page: Answer, position: str) -> str:
    """A cursor for `position` in the query `first_page` answered: its fingerprint, signed anew.

    Walking 100,000 items page by page to get there would be what a client does, but seeding is
    not what is measured; the cursor is the one the API would have issued at that position.
    """
    end_cursor = str(first_page.body["pagination"]["endCursor"])
    payload = json.loads(base64.b32decode(end_cursor.split("~")[0]))
    return cursor_codec(get_settings()).encode(position, str(payload["q"]))


@dataclass
class Subject:
    """A job (or company) seeded at one size, with the positions of its list in order."""

    label: str
    size: int
    identity: Identity
    path: str
    positions: list[str]
    query: dict[str, Any]


def _measure(meter: Meter, run: Callable[[], Answer]) -> tuple[Figures, Answer]:
    with meter.measure() as figures:
        answer = run()
    if answer.status != 200:
        raise AssertionError(f"answered {answer.status}: {answer.body}")
    return figures, answer


def _ratio(big: float, small: float) -> float:
    return big / small if small else (1.0 if big == small else float("inf"))


def _compare(case: str, small: tuple[Subject, Figures], big: tuple[Subject, Figures]) -> Row:
    (s, fs), (b, fb) = small, big
    requests = _ratio(fb.requests(), fs.requests())
    units = _ratio(fb.read_units + fb.write_units, fs.read_units + fs.write_units)
    ratio = max(requests, units)
    return Row(
        section=SECTION,
        case=case,
        measured=f"{b.size:,}: {describe(fb)}",
        reference=f"{s.size:,}: {describe(fs)}",
        ratio=ratio,
        goal=f"≤ {FLAT}",
        verdict=verdict(ratio <= FLAT),
        details={
            "small": {"size": s.size, **fs.as_dict()},
            "big": {"size": b.size, **fb.as_dict()},
            "requests_ratio": requests,
            "units_ratio": units,
        },
    )


def _list_cases(meter: Meter, small: Subject, big: Subject, page: int, noun: str, max_offset: int) -> list[Row]:
    rows = []
    figures: dict[str, dict[int, tuple[Subject, Figures]]] = {"first": {}, "deep": {}, "offset": {}}
    for subject in (small, big):
        query = {**subject.query, "limit": str(page)}
        first, answer = _measure(meter, lambda s=subject, q=query: request("GET", s.path, s.identity, q))  # type: ignore[misc]
        figures["first"][subject.size] = (subject, first)
        index = deep_index(subject.size, page)
        after = cursor_at(answer, subject.positions[index])
        deep, _ = _measure(
            meter,
            lambda s=subject, q=query, a=after: request("GET", s.path, s.identity, {**q, "after": a}),  # type: ignore[misc]
        )
        figures["deep"][subject.size] = (subject, deep)
        offset = min(index + 1, max_offset)
        by_offset, _ = _measure(
            meter,
            lambda s=subject, q=query, o=offset: request("GET", s.path, s.identity, {**q, "offset": str(o)}),  # type: ignore[misc]
        )
        figures["offset"][subject.size] = (subject, by_offset)
        rows.append(
            Row(
                section=SECTION,
                case=f"{subject.label}: offset={offset:,} vs cursor there",
                measured=describe(by_offset),
                reference=describe(deep),
                ratio=_ratio(by_offset.read_units, deep.read_units),
                goal="none: reads offset+limit+1",
                verdict="linear",
                details={"offset": offset, "offset_page": by_offset.as_dict(), "cursor_page": deep.as_dict()},
            )
        )
    scaled = [
        _compare(f"{noun} page 1 ({small.size:,} → {big.size:,})", *figures["first"].values()),
        _compare(f"{noun} deep page by cursor ({small.size:,} → {big.size:,})", *figures["deep"].values()),
    ]
    return scaled + rows


def run(meter: Meter, sizes: Sizes) -> list[Row]:
    settings = get_settings()
    writer = MotoWriter(os.environ["AWS_DEFAULT_REGION"])
    company = "00000000-0000-4000-8000-00000000b16b"
    me = Identity(company_ids=(company,))
    jobs = {size: seed_job(writer, company, size) for size in (sizes.small_job, sizes.big_job)}
    companies = {size: seed_company_jobs(writer, size) for size in (sizes.small_company, sizes.big_company)}

    def job_subject(size: int, what: str, path: str, query: dict[str, Any]) -> Subject:
        job_id, entry_ids = jobs[size]
        return Subject(f"{what}, {size:,} items", size, me, path.format(job=job_id), entry_ids, query)

    def company_subject(size: int, what: str, query: dict[str, Any]) -> Subject:
        company_id, sort_keys = companies[size]
        return Subject(
            f"{what}, {size:,} jobs", size, Identity(company_ids=(company_id,)), "/v3/export-jobs", sort_keys, query
        )

    rows: list[Row] = []
    item_lists: tuple[tuple[str, str, dict[str, str]], ...] = (
        ("job items", "/v3/export-jobs/{job}/items", {}),
        ("job items ?status=pending", "/v3/export-jobs/{job}/items", {"status": "pending"}),
        ("export items", "/v3/export-items", {"job_id": "{job}"}),
    )
    for what, path, query in item_lists:

        def subject(size: int, what: str = what, path: str = path, query: dict[str, str] = query) -> Subject:
            job_id = jobs[size][0]
            resolved = {k: v.format(job=job_id) for k, v in query.items()}
            return job_subject(size, what, path, resolved)

        rows += _list_cases(
            meter, subject(sizes.small_job), subject(sizes.big_job), sizes.item_page, what, settings.max_page_offset
        )
    job_lists: tuple[tuple[str, dict[str, Any]], ...] = (
        ("job list", {}),
        ("job list ?statuses=pending,in_progress", {"statuses": ["pending", "in_progress"]}),
    )
    for what, filters in job_lists:
        rows += _list_cases(
            meter,
            company_subject(sizes.small_company, what, filters),
            company_subject(sizes.big_company, what, filters),
            sizes.job_page,
            what,
            settings.max_page_offset,
        )

    writes: dict[int, tuple[Subject, Figures]] = {}
    for size in (sizes.small_job, sizes.big_job):
        job_id, entry_ids = jobs[size]
        body = [{"accountingEntryId": e, "status": "in_progress"} for e in entry_ids[: sizes.put_items]]
        figures, _ = _measure(meter, lambda j=job_id, b=body: request("PUT", f"/v3/export-jobs/{j}/items", me, body=b))  # type: ignore[misc]
        gets, _ = _measure(meter, lambda j=job_id: request("GET", f"/v3/export-jobs/{j}", me))  # type: ignore[misc]
        writes[size] = (job_subject(size, "", "", {}), figures)
        writes[-size] = (job_subject(size, "", "", {}), gets)
    rows.append(
        _compare(
            f"GET job ({sizes.small_job:,} → {sizes.big_job:,} items)", writes[-sizes.small_job], writes[-sizes.big_job]
        )
    )
    rows.append(
        _compare(
            f"PUT {sizes.put_items} items ({sizes.small_job:,} → {sizes.big_job:,} items)",
            writes[sizes.small_job],
            writes[sizes.big_job],
        )
    )
    return rows
