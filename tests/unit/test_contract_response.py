"""The contract's JSON response writes what `json.dumps(ensure_ascii=False, separators=(",", ":"))` wrote."""

import json
from typing import Any

import pytest
from export_api.http.responses import ContractJSONResponse

from tests.unit import test_pinned_bodies as pinned


def _bodies() -> list[Any]:
    export_items = [pinned._export_item_bodies(version, True) for version in pinned.VERSIONS]
    jobs = [[pinned.VERSIONS[v].jobs.job_body(job) for job in pinned._jobs()] for v in pinned.VERSIONS]
    job_items = [[pinned.VERSIONS[v].jobs.job_item_body(i) for i in pinned._job_items()] for v in pinned.VERSIONS]
    return [*export_items, *jobs, *job_items]


@pytest.mark.parametrize(
    "content",
    [
        {"data": _bodies(), "pagination": {"hasNextPage": False, "total": 3}},
        {"type": "NOT_FOUND", "message": 'Æble, øl og ål: € 5 \u2028 "quoted" \\ \n'},
        [1, -2, 0.25, 0.1, 12345678901234567890, True, None, "", {}, []],
    ],
)
def test_body_is_compact_utf8_json(content: Any) -> None:
    expected = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert ContractJSONResponse(content).body == expected
