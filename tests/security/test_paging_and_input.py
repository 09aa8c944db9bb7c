"""Offset paging capped (each page read offset + limit items, up to 50,000 per request), cursors
bound to the company they were issued for, and `externalUrl` limited to web addresses."""

import pytest

from tests.support.api import ApiClient
from tests.support.data import Company, item_update


def test_offset_is_capped_at_1000_and_the_400_says_to_use_cursors(api: ApiClient, company: Company) -> None:
    assert api.get("/v3/export-jobs", company.identity, query={"offset": "1000"}).status == 200
    refused = api.get("/v3/export-jobs", company.identity, query={"offset": "1001"})
    assert refused.status == 400
    assert refused.body["type"]
    assert "cursor" in refused.body["message"]
    assert "after" in refused.body["message"]


def test_a_cursor_is_bound_to_the_company(api: ApiClient, company: Company, other_company: Company) -> None:
    # One unfinished export per company: each job is closed before the next.
    company.close(company.create_job(company.entry_ids[:2])["id"])
    company.create_job(company.entry_ids[2:4])
    other_company.create_job(other_company.entry_ids[:2])
    first = api.get("/v3/export-jobs", company.identity, query={"limit": "1"})
    cursor = first.body["pagination"]["endCursor"]
    # The same query (no filters: each caller's only company) by another company: refused.
    replayed = api.get("/v3/export-jobs", other_company.identity, query={"limit": "1", "after": cursor})
    assert replayed.status == 400
    assert "after" in replayed.body["message"]
    mine = api.get("/v3/export-jobs", company.identity, query={"limit": "1", "after": cursor})
    assert mine.status == 200


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil",
        "ftp://x/y",
    ],
)
def test_external_url_must_be_http_or_https(api: ApiClient, company: Company, url: str) -> None:
    job = company.create_job(company.entry_ids[:1])
    update = item_update(company.entry_ids[0], "successful", externalId="V-1", externalUrl=url)
    refused = api.put(f"/v3/export-jobs/{job['id']}/items", company.identity, [update])
    assert refused.status == 400
    assert "externalUrl" in refused.body["message"] or "http" in refused.body["message"]


def test_a_web_address_is_kept_as_sent(api: ApiClient, company: Company) -> None:
    job = company.create_job(company.entry_ids[:1])
    url = "HTTPS://erp.example.com/vouchers/1?x=a%20b"
    update = item_update(company.entry_ids[0], "successful", externalId="V-1", externalUrl=url)
    answer = api.put(f"/v3/export-jobs/{job['id']}/items", company.identity, [update])
    assert answer.status == 200, answer.body
    assert answer.body["data"][0]["externalUrl"] == url
