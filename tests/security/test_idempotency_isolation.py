"""Idempotency-Key across tenants. A bearer token's principal is its `sub` alone, and two callers may
share one subject (the credentials CLI's default): were records keyed by principal, operation and key,
B would get A's job replayed and could squat A's keys, and `#` in a subject or key would collide."""

from dataclasses import replace
from uuid import UUID

from export_api.models.caller import Caller
from export_api.services.idempotency import record_key

from tests.support.api import ApiClient, Identity
from tests.support.data import Company

KEY = {"Idempotency-Key": "k1"}


def create(company: Company, identity: Identity, key: str = "k1") -> tuple[int, dict[str, str], object]:
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:2]}
    answer = company.api.post("/v1/export-jobs", identity, body, headers={"Idempotency-Key": key})
    return answer.status, answer.headers, answer.body


def test_another_company_with_the_same_subject_never_gets_a_replay(company: Company, other_company: Company) -> None:
    assert company.identity.principal_id == other_company.identity.principal_id, "the attack: one subject"
    status, _, first = create(company, company.identity)
    assert status == 200
    # B sends A's very request (A's company in the body) with A's key: refused before any lookup.
    body = {"companyId": company.company_id, "accountingEntryIds": company.entry_ids[:2]}
    stolen = other_company.api.post("/v1/export-jobs", other_company.identity, body, headers=KEY)
    assert stolen.status == 403
    assert "idempotent-replayed" not in stolen.headers
    assert first["data"]["id"] not in (stolen.raw_body or "")  # type: ignore[index]


def test_a_read_only_credential_gets_403_not_a_replay(company: Company) -> None:
    status, _, _ = create(company, company.identity)
    assert status == 200
    reader = replace(company.identity, scopes="export-jobs:read")
    status, headers, body = create(company, reader)
    assert status == 403
    assert body["type"] == "FORBIDDEN"  # type: ignore[index]
    assert "idempotent-replayed" not in headers


def test_one_callers_key_never_blocks_anothers(company: Company, other_company: Company) -> None:
    # B uses k1 first, for its own job; A's first use of k1 is A's own new request.
    status, _, theirs = create(other_company, other_company.identity)
    assert status == 200
    status, headers, ours = create(company, company.identity)
    assert status == 200, ours
    assert "idempotent-replayed" not in headers
    assert ours["data"]["id"] != theirs["data"]["id"]  # type: ignore[index]
    assert ours["data"]["companyId"] == company.company_id  # type: ignore[index]


def test_a_replay_needs_the_same_companies_and_scopes(company: Company, other_company: Company) -> None:
    status, _, first = create(company, company.identity)
    assert status == 200
    status, headers, again = create(company, company.identity)
    assert (status, headers.get("idempotent-replayed")) == (200, "true")
    assert again == first
    # The same subject holding one more company is another caller: its own request, not a replay.
    wider = replace(company.identity, company_ids=(company.company_id, other_company.company_id))
    status, headers, _ = create(company, wider)
    assert "idempotent-replayed" not in headers


def test_separators_inside_a_subject_or_key_do_not_collide() -> None:
    companies = frozenset({UUID("11111111-1111-4111-8111-111111111111")})
    scopes = frozenset({"export-jobs:write"})
    one = record_key(Caller("token:a#op", companies, scopes), "b", "c")
    two = record_key(Caller("token:a", companies, scopes), "op#b", "c")
    three = record_key(Caller("token:a", companies, scopes), "op", "b#c")
    assert len({one, two, three}) == 3


def test_a_job_of_another_company_is_404_before_the_key_is_looked_up(
    api: ApiClient, company: Company, other_company: Company
) -> None:
    job = company.create_job()
    answer = api.post(
        "/v3/export-job-events", other_company.identity, {"jobId": job["id"], "event": "started"}, headers=KEY
    )
    assert answer.status == 404
    # The key was not taken: A may use it for its own event.
    mine = api.post("/v3/export-job-events", company.identity, {"jobId": job["id"], "event": "started"}, headers=KEY)
    assert mine.status == 202
