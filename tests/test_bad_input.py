"""Bad input on every operation: a 4xx with the contract's `{"type", "message"}` body, and nothing changed.

One test per class of bad input; each sends it to every operation it applies to, in every version.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient, Identity, Response
from tests.support.checks import assert_error
from tests.support.contract import ADMIN_CONTRACT, contract, load_spec, operations
from tests.support.data import Company, accounting_entry, successful, walk

JOB_ID = "{jobId}"
ENTRIES = "/admin/companies/{companyId}/accounting-entries"


def base_name(operation_id: str) -> str:
    return operation_id.removesuffix("V1").removesuffix("V2").removesuffix("V3")


OPERATIONS = [(path, method.upper(), op["operationId"]) for path, method, op in operations(contract())]
# The admin operations that manage accounting entries, and health (other admin operations have their own tests).
ADMIN_OPERATIONS = [
    (path, method.upper(), op["operationId"])
    for path, method, op in operations(load_spec(ADMIN_CONTRACT))
    if op["operationId"] in ("ingestAccountingEntries", "listAccountingEntries", "getHealth")
]
BODY_OPERATIONS = (
    "createExportJobEvent",
    "createExportJob",
    "updateExportJobItems",
    "searchExportJobItems",
    "ingestAccountingEntries",
)
LIST_OPERATIONS = (
    "getExportJobsList",
    "getExportJobItems",
    "getExportItems",
    "searchExportJobItems",
    "listAccountingEntries",
)
JOB_OPERATIONS = (
    "getExportJobById",
    "getExportJobItems",
    "updateExportJobItems",
    "createExportJobEvent",
    "getExportItems",
)
# The scope each operation needs (docs/decisions.md, "Scopes"; admin for the project's own operations).
SCOPES = {
    "getExportItems": "export-items:read",
    "createExportJobEvent": "export-jobs:write",
    "getExportJobsList": "export-jobs:read",
    "createExportJob": "export-jobs:write",
    "getExportJobById": "export-jobs:read",
    "getExportJobItems": "export-jobs:read",
    "updateExportJobItems": "export-jobs:write",
    "getExportJobItemByAccountingEntryId": "export-jobs:read",
    "searchExportJobItems": "export-jobs:read",
    "ingestAccountingEntries": "admin",
    "listAccountingEntries": "admin",
}


@dataclass
class World:
    """A company with a pending job, and how to see everything a bad request could have changed."""

    api: ApiClient
    company: Company
    job_id: str
    # A test that also sends valid item updates sets this: they move the job's lastUpdatedAt, legitimately.
    acted: bool = False

    def identity_for(self, operation_id: str) -> Identity:
        return (
            ADMIN
            if base_name(operation_id) in ("ingestAccountingEntries", "listAccountingEntries")
            else self.company.identity
        )

    def path(self, template: str, job_id: str | None = None) -> str:
        return template.replace(JOB_ID, job_id or self.job_id).replace("{companyId}", self.company.company_id)

    def valid(self, operation_id: str) -> tuple[dict[str, Any], Any]:
        """A valid query and body for the operation (each test breaks one thing in it)."""
        entry = self.company.entry_ids[0]
        return {
            "getExportItems": ({"job_id": self.job_id}, None),
            "createExportJobEvent": ({}, {"jobId": self.job_id, "event": "started"}),
            "getExportJobsList": ({}, None),
            "createExportJob": ({}, {"companyId": self.company.company_id, "accountingEntryIds": [entry]}),
            "getExportJobById": ({}, None),
            "getExportJobItems": ({}, None),
            "updateExportJobItems": ({}, [successful(entry)]),
            "getExportJobItemByAccountingEntryId": ({"accounting_entry_id": entry}, None),
            "searchExportJobItems": ({}, {"accountingEntryIds": [entry]}),
            "ingestAccountingEntries": ({}, [accounting_entry(str(uuid.uuid4()))]),
            "listAccountingEntries": ({}, None),
            "getHealth": ({}, None),
        }[base_name(operation_id)]

    def snapshot(self) -> Any:
        job, items = self.company.state(self.job_id)
        jobs = walk(self.api, "/v3/export-jobs", self.company.identity)
        entries = walk(self.api, self.path(ENTRIES), ADMIN)
        return job, items, jobs, entries

    def comparable(self, snapshot: Any) -> Any:
        job, items, jobs, entries = snapshot
        if not self.acted:
            return snapshot

        def untouched(j: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in j.items() if k != "lastUpdatedAt"}

        return untouched(job), items, [untouched(j) for j in jobs], entries

    def send(
        self,
        template: str,
        method: str,
        operation_id: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        raw_body: str | None = None,
        job_id: str | None = None,
        identity: Identity | str | None = "default",
    ) -> Response:
        who = self.identity_for(operation_id) if identity == "default" else identity
        assert not isinstance(who, str)
        return self.api.request(
            method, self.path(template, job_id), identity=who, query=query, json_body=body, raw_body=raw_body
        )


@pytest.fixture
def world(api: ApiClient) -> Iterator[World]:
    company = Company.create(api, entries=5)
    job = company.create_job(company.entry_ids[:3])
    world = World(api, company, job["id"])
    before = world.snapshot()
    yield world
    assert world.comparable(world.snapshot()) == world.comparable(before), "a bad request changed something"


def applicable(names: tuple[str, ...], admin: bool = True) -> list[tuple[str, str, str]]:
    return [op for op in OPERATIONS + (ADMIN_OPERATIONS if admin else []) if base_name(op[2]) in names]


def expect_400(response: Response, context: Any, error_type: str = "BAD_REQUEST") -> None:
    assert response.status == 400, (context, response.status, response.body)
    assert_error(response, 400, error_type)


def test_malformed_json(world: World) -> None:
    bodies = ['{"jobId": ', "{'jobId': 1}", '{"a" 1}', "[1,,2]", "NaN", "[Infinity]", '{"event": "started"} x', "\x00"]
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for raw in bodies:
            expect_400(world.send(path, method, operation_id, raw_body=raw), (operation_id, raw))


def test_missing_body(world: World) -> None:
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for raw in (None, "", "   ", "null"):
            expect_400(world.send(path, method, operation_id, raw_body=raw), (operation_id, raw))


def test_wrong_types(world: World) -> None:
    job, entry, company = world.job_id, world.company.entry_ids[0], world.company.company_id
    bad_bodies: dict[str, list[Any]] = {
        "createExportJobEvent": [
            {"jobId": job, "event": 1},
            {"jobId": 123, "event": "started"},
            {"jobId": job, "event": ["started"]},
            {"jobId": job, "event": "failed", "failureReason": 5},
            {"jobId": job, "event": "failed", "failureReasonType": True},
            [{"jobId": job, "event": "started"}],
            "started",
            5,
        ],
        "createExportJob": [
            {"companyId": company, "accountingEntryIds": entry},
            {"companyId": company, "accountingEntryIds": [entry], "isInteractive": "yes"},
            {"companyId": company, "accountingEntryIds": [entry], "isInteractive": 1},
            {"companyId": company, "accountingEntryIds": [entry], "options": {"vendorBasedBookkeeping": "true"}},
            {"companyId": company, "accountingEntryIds": [entry], "options": True},
            {"companyId": company, "accountingEntryIds": [entry], "employeeId": 5},
            {"companyId": [company], "accountingEntryIds": [entry]},
            [{"companyId": company, "accountingEntryIds": [entry]}],
        ],
        "updateExportJobItems": [
            [{**successful(entry), "exportedAt": 1700000000}],
            [{**successful(entry), "exportedAt": "2026-10-02T12:00:00"}],
            [{**successful(entry), "exportedAt": "2026-10-02"}],
            [{**successful(entry), "externalId": 5}],
            [{**successful(entry), "externalUrl": ["https://erp.example.com"]}],
            [{"accountingEntryId": entry, "status": None}],
            [5],
            [[successful(entry)]],
        ],
        "searchExportJobItems": [
            {"accountingEntryIds": entry},
            {"accountingEntryIds": [entry], "status": 1},
            {"accountingEntryIds": [entry], "status": ["pending"]},
            {"status": "pending"},
            [{"accountingEntryIds": [entry]}],
        ],
        "ingestAccountingEntries": [
            [{**accounting_entry(str(uuid.uuid4())), "date": 1700000000}],
            [{**accounting_entry(str(uuid.uuid4())), "date": "2026-10-02T12:00:00"}],
            [{**accounting_entry(str(uuid.uuid4())), "files": {}}],
            [{**accounting_entry(str(uuid.uuid4())), "note": 5}],
        ],
    }
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for body in bad_bodies[base_name(operation_id)]:
            expect_400(world.send(path, method, operation_id, body=body), (operation_id, body))
    for path, method, operation_id in applicable(LIST_OPERATIONS):
        query, valid_body = world.valid(operation_id)
        for bad in ({"limit": "ten"}, {"limit": "1.5"}, {"offset": "x"}, {"limit": str(2**40)}):
            response = world.send(path, method, operation_id, query={**query, **bad}, body=valid_body)
            expect_400(response, (operation_id, bad))


def test_unknown_enums(world: World) -> None:
    job, entry = world.job_id, world.company.entry_ids[0]
    bad_bodies: dict[str, list[Any]] = {
        "createExportJobEvent": [
            {"jobId": job, "event": "canceled"},
            {"jobId": job, "event": "STARTED"},
            {"jobId": job, "event": "failed", "failureReasonType": "bogus"},
        ],
        "updateExportJobItems": [
            [{"accountingEntryId": entry, "status": "done"}],
            [{"accountingEntryId": entry, "status": "Successful"}],
            [{**successful(entry), "failureReasonType": "bogus"}],
        ],
    }
    bad_queries: dict[str, list[dict[str, Any]]] = {
        "getExportJobsList": [{"statuses": ["bogus"]}, {"statuses": ["pending", "done"]}],
        "getExportJobItems": [{"status": "bogus"}, {"status": "PENDING"}],
    }
    for path, method, operation_id in applicable(("createExportJobEvent", "updateExportJobItems")):
        for body in bad_bodies[base_name(operation_id)]:
            expect_400(world.send(path, method, operation_id, body=body), (operation_id, body))
    for path, method, operation_id in applicable(("getExportJobsList", "getExportJobItems")):
        for query in bad_queries[base_name(operation_id)]:
            expect_400(world.send(path, method, operation_id, query=query), (operation_id, query))
    for path, method, operation_id in applicable(LIST_OPERATIONS):
        query, body = world.valid(operation_id)
        bad = {**query, "sorting_keys": ["accountingEntryId"], "sorting_order": ["UP"]}
        expect_400(world.send(path, method, operation_id, query=bad, body=body), (operation_id, bad))
    # The deprecated single `status` of the job list (v0-v2) is checked like `statuses`.
    for path, method, operation_id in OPERATIONS:
        if base_name(operation_id) == "getExportJobsList" and not path.startswith("/v3"):
            expect_400(world.send(path, method, operation_id, query={"status": "bogus"}), operation_id)


_SOME_UUID = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
# Not the contract's `format: uuid` (8-4-4-4-12), though Python's UUID() would read the last three.
BAD_UUIDS = (
    "not-a-uuid",
    "123",
    "00000000-0000-0000-0000-00000000000g",
    "%20",
    "{" + _SOME_UUID + "}",
    "urn:uuid:" + _SOME_UUID,
    _SOME_UUID.replace("-", ""),
)


def test_bad_uuids(world: World) -> None:
    for path, method, operation_id in OPERATIONS + ADMIN_OPERATIONS:
        _, body = world.valid(operation_id)
        if JOB_ID in path or "{companyId}" in path:
            for bad in BAD_UUIDS:
                template = path.replace("{companyId}", bad)
                expect_400(world.send(template, method, operation_id, job_id=bad, body=body), (operation_id, bad))
    query_uuids = {
        "getExportJobsList": "company_id",
        "getExportItems": "job_id",
        "getExportJobItemByAccountingEntryId": "accounting_entry_id",
        "searchExportJobItems": "company_id",
    }
    for path, method, operation_id in applicable(tuple(query_uuids)):
        parameter = query_uuids[base_name(operation_id)]
        query, valid_body = world.valid(operation_id)
        for bad in BAD_UUIDS:
            response = world.send(path, method, operation_id, query={**query, parameter: bad}, body=valid_body)
            expect_400(response, (operation_id, parameter, bad))
    company, entry = world.company.company_id, world.company.entry_ids[0]
    bad_bodies: dict[str, list[Any]] = {
        "createExportJobEvent": [{"jobId": bad, "event": "started"} for bad in BAD_UUIDS],
        "createExportJob": [
            *({"companyId": bad, "accountingEntryIds": [entry]} for bad in BAD_UUIDS),
            *({"companyId": company, "accountingEntryIds": [bad]} for bad in BAD_UUIDS),
            {"companyId": company, "accountingEntryIds": [entry], "employeeId": "someone"},
        ],
        "updateExportJobItems": [[{"accountingEntryId": bad, "status": "successful"}] for bad in BAD_UUIDS],
        "searchExportJobItems": [{"accountingEntryIds": [bad]} for bad in BAD_UUIDS],
        "ingestAccountingEntries": [[accounting_entry(bad)] for bad in BAD_UUIDS],
    }
    for path, method, operation_id in applicable(BODY_OPERATIONS):
        for body in bad_bodies[base_name(operation_id)]:
            expect_400(world.send(path, method, operation_id, body=body), (operation_id, body))


def test_bad_cursors(world: World) -> None:
    for path, method, operation_id in applicable(LIST_OPERATIONS):
        query, body = world.valid(operation_id)
        good = world.send(path, method, operation_id, query={**query, "limit": "1"}, body=body)
        assert good.status == 200, good.body
        cursor = good.body["pagination"]["endCursor"]
        forged = cursor.replace("~", "~A", 1)
        for bad in ("abc", "A0", "A B", "~", "A~B~C", "MZXW6===~AAAAAAAA", forged, cursor.lower(), "A" * 5000):
            for name in ("after", "before"):
                response = world.send(path, method, operation_id, query={**query, name: bad}, body=body)
                expect_400(response, (operation_id, name, bad[:40]))


def test_more_than_100_items(world: World) -> None:
    too_many = [successful(str(uuid.uuid4())) for _ in range(101)]
    for path, method, operation_id in applicable(("updateExportJobItems",)):
        # 413, as published for v2/v3; one core, so v0/v1 answer the same.
        assert_error(world.send(path, method, operation_id, body=too_many), 413, "EXPORT_JOB_ITEMS_UPDATE_LIMIT")
    entries = [accounting_entry(str(uuid.uuid4()), n) for n in range(101)]
    for path, method, operation_id in ADMIN_OPERATIONS:
        if base_name(operation_id) == "ingestAccountingEntries":
            expect_400(world.send(path, method, operation_id, body=entries), operation_id)
    # A job holds at most 10,000 entries.
    ids = [str(uuid.uuid4()) for _ in range(10_001)]
    for path, method, operation_id in applicable(("createExportJob",)):
        body = {"companyId": world.company.company_id, "accountingEntryIds": ids}
        expect_400(world.send(path, method, operation_id, body=body), operation_id)


def test_unknown_job_ids(world: World, other_company: Company) -> None:
    theirs = other_company.create_job(other_company.entry_ids[:1])["id"]
    for unknown in (str(uuid.uuid4()), theirs):
        for path, method, operation_id in applicable(JOB_OPERATIONS):
            query, body = world.valid(operation_id)
            if "job_id" in query:
                query = {"job_id": unknown}
            if isinstance(body, dict):
                body = {**body, "jobId": unknown}
            response = world.send(path, method, operation_id, query=query, body=body, job_id=unknown)
            assert_error(response, 404, "EXPORT_NOT_FOUND")
    assert other_company.job(theirs)["status"] == "pending"


def test_body_not_an_array(world: World) -> None:
    entry = world.company.entry_ids[0]
    for path, method, operation_id in applicable(("updateExportJobItems", "ingestAccountingEntries")):
        _, body = world.valid(operation_id)
        for bad in (body[0], {"items": body}, "items", 1, True):
            expect_400(world.send(path, method, operation_id, body=bad), (operation_id, bad))
    for path, method, operation_id in applicable(("createExportJobEvent", "createExportJob")):
        _, body = world.valid(operation_id)
        expect_400(world.send(path, method, operation_id, body=[body]), operation_id)
    assert world.company.items(world.job_id, "successful") == []
    assert entry in world.company.entry_ids


def test_unknown_fields_in_admin_bodies(world: World) -> None:
    # The Export API's bodies ignore unknown fields as Pleo's service does (tests/test_published_rules.py);
    # the project's own admin API refuses them, so a typo in an ingested entry is not silently dropped.
    for path, method, operation_id in applicable(("ingestAccountingEntries",)):
        _, body = world.valid(operation_id)
        variants = [
            [{**body[0], "unexpected": 1}],
            [{**body[0], "exportJobId": world.job_id}],
            [{**body[0], "amount": {"inEuros": {"currency": "EUR", "value": 1}}}],
        ]
        for bad in variants:
            expect_400(world.send(path, method, operation_id, body=bad), (operation_id, bad))


def test_no_credentials_is_401(world: World) -> None:
    for path, method, operation_id in OPERATIONS + ADMIN_OPERATIONS:
        if operation_id == "getHealth":
            continue
        query, body = world.valid(operation_id)
        response = world.send(path, method, operation_id, query=query, body=body, identity=None)
        assert_error(response, 401, "UNAUTHORIZED")
        nobody = Identity(company_ids=(), scopes="", principal_id="")
        assert_error(world.send(path, method, operation_id, query=query, body=body, identity=nobody), 401)


def test_missing_scope_is_403(world: World) -> None:
    every = {"export-jobs:read", "export-jobs:write", "export-items:read", "admin"}
    for path, method, operation_id in OPERATIONS + ADMIN_OPERATIONS:
        if operation_id == "getHealth":
            continue
        query, body = world.valid(operation_id)
        scopes = " ".join(sorted(every - {SCOPES[base_name(operation_id)]}))
        identity = Identity(company_ids=(world.company.company_id,), scopes=scopes)
        response = world.send(path, method, operation_id, query=query, body=body, identity=identity)
        assert_error(response, 403, "FORBIDDEN")


def test_a_bad_parameter_is_named_in_the_message(world: World) -> None:
    """Parameters read from the request (http/params.py) are reported as declared ones are: the location,
    the name, what is wrong."""
    me = world.company.identity
    cases = [
        (world.api.get("/v3/export-jobs/not-a-uuid", me), "Invalid path parameter jobId: "),
        (
            world.api.get("/v3/export-jobs", me, {"statuses": ["pending", "bogus"]}),
            "Invalid query parameter statuses.1: ",
        ),
        (world.api.get("/v1/export-jobs", me, {"status": "bogus"}), "Invalid query parameter status: "),
        (
            world.api.get(f"/v3/export-jobs/{world.job_id}/items", me, {"status": "done"}),
            "Invalid query parameter status: ",
        ),
        (
            world.api.request(
                "POST",
                "/v3/export-job-events",
                identity=me,
                json_body={"jobId": world.job_id, "event": "started"},
                headers={"Idempotency-Key": " leading space"},
            ),
            "Invalid header Idempotency-Key: String should match pattern",
        ),
    ]
    for response, message in cases:
        expect_400(response, message)
        assert response.body["message"].startswith(message), response.body
