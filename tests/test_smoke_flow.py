from tests.support.data import Company


def test_export_job_lifecycle_through_the_handlers(company: Company) -> None:
    job = company.create_job()
    assert job["status"] == "pending"
    assert job["numberOfItems"] == 30
    api = company.api
    got = api.get(f"/v3/export-jobs/{job['id']}", company.identity)
    assert got.status == 200
    assert got.data["id"] == job["id"]
    assert company.event(job["id"], "started") == 202
    items = api.get(f"/v3/export-jobs/{job['id']}/items", company.identity, {"limit": "10"})
    assert items.status == 200, items.body
    assert len(items.data) == 10
    assert items.body["pagination"]["total"] == 30
