"""Hostile input: oversized and deeply nested bodies, very long strings, unicode, injection-looking
strings, numbers out of range. Each is a 4xx with the contract's `{"type", "message"}` body (or, for
harmless text, stored and returned byte for byte), and nothing else changes.

Complements tests/test_bad_input.py (malformed JSON, wrong types, enums, uuids, cursors, limits).
"""

import json
import uuid
from typing import Any

import pytest

from tests.support.api import ADMIN, Response
from tests.support.checks import assert_error
from tests.support.data import accounting_entry, successful
from tests.test_bad_input import BODY_OPERATIONS, LIST_OPERATIONS, World, applicable, base_name, world

__all__ = ["world"]  # the fixture, shared with tests/test_bad_input.py

MAX_BODY_BYTES = 1_048_576


def expect_4xx(response: Response, context: Any, status: int = 400, error_type: str | None = "BAD_REQUEST") -> None:
    assert response.status == status, (context, response.status, response.body)
    assert_error(response, status, error_type)


def test_bodies_over_the_size_limit(world: World) -> None:
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        _, body = world.valid(operation_id)
        padding = " " * (MAX_BODY_BYTES + 1 - len(json.dumps(body)))
        response = world.send(path, method, operation_id, raw_body=json.dumps(body) + padding)
        expect_4xx(response, operation_id)
        assert "larger than" in response.body["message"]
        # A huge single string inside an otherwise valid body.
        huge = json.dumps(body).replace('"', '"' + "x" * MAX_BODY_BYTES, 1)
        expect_4xx(world.send(path, method, operation_id, raw_body=huge), operation_id)


@pytest.mark.parametrize("depth", [64, 1_000, 100_000])
def test_deeply_nested_json(world: World, depth: int) -> None:
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for opening, closing in (("[", "]"), ('{"a":', "}")):
            raw = opening * depth + "1" + closing * depth
            if len(raw) > MAX_BODY_BYTES:
                raw = raw[: MAX_BODY_BYTES - 1]
            expect_4xx(world.send(path, method, operation_id, raw_body=raw), (operation_id, depth, opening))
        # Deep nesting where the contract has a free-form value: a field that is not the contract's.
        _, body = world.valid(operation_id)
        nested: Any = 1
        for _ in range(min(depth, 900)):
            nested = [nested]
        element = body[0] if isinstance(body, list) else body
        # In a known field: unknown fields of the Export API's bodies are ignored (docs/decisions.md).
        field = {
            "updateExportJobItems": "externalId",
            "createExportJobEvent": "jobId",
            "createExportJob": "companyId",
            "searchExportJobItems": "status",
            "ingestAccountingEntries": "note",
        }[base_name(operation_id)]
        bad = {**element, field: nested}
        raw_body = json.dumps([bad] if isinstance(body, list) else bad)
        expect_4xx(world.send(path, method, operation_id, raw_body=raw_body), (operation_id, "nested field"))


def test_huge_json_within_the_size_limit(world: World) -> None:
    entry = world.company.entry_ids[0]
    cases: dict[str, list[Any]] = {
        "updateExportJobItems": [[successful(entry)] * 5_000, list(range(100_000))],
        "createExportJobEvent": [{"jobId": [world.job_id] * 20_000, "event": "started"}],
        "createExportJob": [
            {"companyId": world.company.company_id, "accountingEntryIds": [entry] * 20_000},
        ],
        "searchExportJobItems": [{"accountingEntryIds": [entry] * 20_000}],
        "ingestAccountingEntries": [[accounting_entry(str(uuid.uuid4()))] * 200],
    }
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for body in cases[base_name(operation_id)]:
            response = world.send(path, method, operation_id, body=body)
            # 413 for more than 100 items in a PUT (published), 400 for every other refusal.
            expected = 413 if base_name(operation_id) == "updateExportJobItems" and len(body) > 100 else 400
            assert response.status == expected, (operation_id, response.status, response.body)
            assert_error(response, expected)


def test_very_long_strings(world: World) -> None:
    entry = world.company.entry_ids[0]
    long = "x" * 100_000
    cases: dict[str, list[Any]] = {
        "updateExportJobItems": [
            [{**successful(entry), "externalId": "x" * 1_025}],
            [{**successful(entry), "externalUrl": "https://erp.example.com/" + long}],
            [{**successful(entry), "failureReason": long}],
            [{**successful(entry), "status": long}],
        ],
        "createExportJobEvent": [
            {"jobId": world.job_id, "event": "failed", "failureReason": "x" * 2_001},
            {"jobId": world.job_id, "event": long},
        ],
        "createExportJob": [{"companyId": world.company.company_id, "accountingEntryIds": [entry], "employeeId": long}],
        "searchExportJobItems": [{"accountingEntryIds": [long]}, {"accountingEntryIds": [entry], "status": long}],
        "ingestAccountingEntries": [
            [{**accounting_entry(str(uuid.uuid4())), "note": "x" * 4_001}],
            [{**accounting_entry(str(uuid.uuid4())), "supplier": {"name": long, "country": "DK"}}],
        ],
    }
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for body in cases[base_name(operation_id)]:
            expect_4xx(world.send(path, method, operation_id, body=body), (operation_id, str(body)[:80]))
    # Long path segments and query values.
    for path, method, operation_id in applicable(("getExportJobById", "getExportJobItems"), admin=False):
        expect_4xx(world.send(path, method, operation_id, job_id=long[:5_000]), operation_id)
    for path, method, operation_id in applicable(LIST_OPERATIONS):
        query, _ = world.valid(operation_id)
        bad = {**query, "sorting_keys": [long[:5_000]]}
        expect_4xx(world.send(path, method, operation_id, query=bad), operation_id)


UNICODE = [
    "Zoë Ñandú Łódź 東京 Москва",
    "emoji 🧾📦👩🏽‍💻",
    "right-to-left \u202eevil\u202c مرحبا",
    "combining e\u0301\u0301\u0301 and zero\u200bwidth",
    "\ufeffbyte order mark",
]
INJECTION = [
    "'; DROP TABLE jobs; --",
    '" OR "1"="1',
    '{"$ne": null}',
    "#status = :old OR attribute_exists(pk)",
    ":v0 REMOVE workflowTaskToken",
    "<script>alert(1)</script>",
    "${jndi:ldap://example.com/a}",
    "../../../../etc/passwd",
    "%00%0d%0a",
]


def test_unicode_and_injection_looking_text_is_data(world: World) -> None:
    """Text is stored as sent and comes back as sent: no expression, query or markup is built from it."""
    company, job_id = world.company, world.job_id
    entries = company.entry_ids[:3]
    world.acted = True
    for text in UNICODE + INJECTION:
        updates = [
            {**successful(entries[0]), "externalId": text, "externalUrl": "https://erp.example.com/" + text},
            {
                "accountingEntryId": entries[1],
                "status": "failed",
                "failureReason": text,
                "failureReasonType": "unexpected_failure",
            },
        ]
        body = company.update_items(job_id, updates)
        assert body["errors"] == []
        items = {i["accountingEntryId"]: i for i in company.items(job_id)}
        assert items[entries[0]]["externalId"] == text
        assert items[entries[0]]["externalUrl"] == "https://erp.example.com/" + text
        assert items[entries[1]]["failureReason"] == text
    # Put the job back as the fixture made it (its snapshot is compared at the end).
    company.update_items(job_id, [{"accountingEntryId": e, "status": "pending"} for e in entries[:2]])


def test_unicode_that_is_not_text_is_refused(world: World) -> None:
    """A lone surrogate is valid JSON syntax but no Unicode text: it cannot be stored as UTF-8."""
    entry = world.company.entry_ids[0]
    for escaped in ("\\ud800", "\\udfff", "a\\ud83e"):
        raw = '[{"accountingEntryId": "' + entry + '", "status": "successful", "externalId": "' + escaped + '"}]'
        path = f"/v3/export-jobs/{world.job_id}/items"
        expect_4xx(world.send(path, "PUT", "updateExportJobItemsV3", raw_body=raw), escaped)
        raw_event = '{"jobId": "' + world.job_id + '", "event": "failed", "failureReason": "' + escaped + '"}'
        expect_4xx(world.send("/v3/export-job-events", "POST", "createExportJobEventV3", raw_body=raw_event), escaped)


@pytest.mark.slow
def test_injection_looking_values_where_ids_and_enums_belong(world: World) -> None:
    for path, method, operation_id in applicable(("getExportJobsList", "getExportItems", "getExportJobItems")):
        query, _ = world.valid(operation_id)
        for value in INJECTION:
            for name in ("company_id", "job_id", "status", "statuses", "sorting_keys", "sorting_order"):
                if name == "job_id" and "job_id" not in query:
                    continue
                response = world.send(path, method, operation_id, query={**query, name: value})
                if response.status == 200:
                    # Unknown parameters are ignored (docs/decisions.md): `status` on v3, say.
                    continue
                expect_4xx(response, (operation_id, name, value), error_type=None)
    for value in INJECTION:
        for path, method, operation_id in applicable(("createExportJobEvent",)):
            body: dict[str, Any] = {"jobId": value, "event": "started"}
            expect_4xx(world.send(path, method, operation_id, body=body), (operation_id, value))
            body = {"jobId": world.job_id, "event": {"$ne": None}}
            expect_4xx(world.send(path, method, operation_id, body=body), operation_id)


OUT_OF_RANGE_NUMBERS = ["1e400", "-1e400", "1" + "0" * 5_000, "1e308", "123456789012345678901234.5", "-0.0000001"]


def test_numbers_out_of_range(world: World) -> None:
    for path, method, operation_id in applicable(LIST_OPERATIONS):
        query, _ = world.valid(operation_id)
        for name, value in (
            ("limit", str(2**31)),
            ("limit", "-1"),
            ("offset", str(2**63)),
            ("offset", "-1"),
            ("limit", "1e3"),
            ("limit", "0x10"),
            ("offset", "9" * 5_000),
        ):
            expect_4xx(world.send(path, method, operation_id, query={**query, name: value}), (operation_id, name))
    entry = accounting_entry(str(uuid.uuid4()))
    path = world.path("/admin/companies/{companyId}/accounting-entries")
    for number in OUT_OF_RANGE_NUMBERS:
        value = entry["amount"]["inSupplierCurrency"]["value"]
        raw = json.dumps([entry]).replace(f'"value": {value}', f'"value": {number}', 1)
        assert number in raw
        response = world.api.request("POST", path, identity=ADMIN, raw_body=raw)
        expect_4xx(response, number)
    for size in (2**64, -1):
        bad = {**entry, "files": [{**entry["files"][0], "size": size}]}
        expect_4xx(world.api.request("POST", path, identity=ADMIN, json_body=[bad]), size)
    line = entry["accountingEntryLines"][0]
    for rate in (1.01, 101, -1, 1e300):
        bad = {**entry, "accountingEntryLines": [{**line, "tax": {**line["tax"], "rate": rate}}]}
        expect_4xx(world.api.request("POST", path, identity=ADMIN, json_body=[bad]), rate)
    # Numbers where the contract has strings or enums.
    for body in ({"jobId": world.job_id, "event": 1e400}, {"jobId": 10**30, "event": "started"}):
        raw = json.dumps(body).replace("Infinity", "1e400")
        expect_4xx(world.send("/v3/export-job-events", "POST", "createExportJobEventV3", raw_body=raw), raw[:60])
