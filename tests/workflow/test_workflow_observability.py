"""What a job's workflow leaves for an operator: expiry and abandonment metrics (EMF on stdout)."""

import pytest
from export_api.models.enums import ExportJobStatus

from tests.support.data import Company, successful
from tests.test_observability import Output
from tests.workflow.conftest import Lifecycle


@pytest.mark.lifecycle(expires_in=1)
def test_an_expired_job_is_counted_with_its_abandoned_items(
    lifecycle: Lifecycle, company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    job = company.create_job()
    assert lifecycle.wait_until_done(job["id"])["status"] == "FAILED"
    output = Output(capsys).read()
    assert output.count("JobsCreated") == 1
    assert output.count("JobsExpired", reason="job_expired") == 1
    assert output.count("JobsClosed", status="failed") == 1
    assert output.count("ItemsUpdated", status="abandoned") == len(company.entry_ids)


@pytest.mark.lifecycle(stuck_timeout=1)
def test_a_stuck_job_is_counted_as_timed_out(
    lifecycle: Lifecycle, company: Company, capsys: pytest.CaptureFixture[str]
) -> None:
    job = company.create_job()
    lifecycle.wait_for_token(job["id"], ExportJobStatus.PENDING)
    company.update_items(job["id"], [successful(e) for e in company.entry_ids[:5]])
    capsys.readouterr()
    assert company.event(job["id"], "started") == 202
    assert lifecycle.wait_until_done(job["id"])["status"] == "FAILED"
    output = Output(capsys).read()
    assert output.count("JobsStarted") == 1
    assert output.count("JobsExpired", reason="service_timeout") == 1
    assert output.count("JobsClosed", status="failed") == 1
    assert output.count("ItemsUpdated", status="abandoned") == len(company.entry_ids) - 5
