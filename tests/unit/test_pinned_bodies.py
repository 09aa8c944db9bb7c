"""The bodies every version answers for jobs, job items and export items, pinned by digest: their
projections may be rewritten to cost less, never to answer differently. A digest covers the canonical JSON
(keys sorted) of every body of a version over varied inputs; a failure names the version and the input set,
and test_item_mapping.py and the contract tests say which field moved."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid5

import pytest
from export_api.admin_api.accounting_entries import AccountingEntryModel
from export_api.admin_api.accounting_settings import AccountingSettingsModel
from export_api.admin_api.sample_entries import KINDS, accounting_entry, accounting_settings
from export_api.errors import MissingContraAccounts, UnsupportedAccountingEntryType
from export_api.models.accounting_entries import AccountingEntry
from export_api.models.enums import (
    ExportJobFailureReasonType,
    ExportJobItemFailureReasonType,
    ExportJobItemStatus,
    ExportJobStatus,
)
from export_api.models.jobs import ExportJob, ExportJobItem
from export_api.versions import v0, v1, v2, v3
from export_api.versions.items.base import ProjectionContext

from tests.unit.test_item_mapping import full_entry, minimal_entry

NAMESPACE = UUID("6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
COMPANY = str(uuid5(NAMESPACE, "company"))
VERSIONS = {"v0": v0.ADAPTER, "v1": v1.ADAPTER, "v2": v2.ADAPTER, "v3": v3.ADAPTER}
CEST = timezone(timedelta(hours=2))


def _digest(bodies: list[Any]) -> str:
    return hashlib.sha256(json.dumps(bodies, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _id(*parts: object) -> UUID:
    return uuid5(NAMESPACE, "/".join(map(str, parts)))


def _sample_entries() -> list[AccountingEntry]:
    """Two entries of every kind the sample data makes, and the tests' fullest and barest entries."""
    entries = [
        AccountingEntryModel.model_validate(accounting_entry(str(_id("entry", i)), i, COMPANY)).to_domain(UUID(COMPANY))
        for i in range(2 * len(KINDS))
    ]
    full = full_entry(pleo_account_id=_settings().accounts[0].id)
    bare = minimal_entry()
    return [*entries, _pinned_ids(full, "full"), _pinned_ids(bare, "bare")]


def _pinned_ids(entry: AccountingEntry, name: str) -> AccountingEntry:
    """The entry with each of its random ids replaced by one named after where it is."""

    def pin(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {key: pin(item, f"{path}/{key}") for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [pin(item, f"{path}/{n}") for n, item in enumerate(value)]
        return _id(path) if isinstance(value, UUID) else value

    fields = pin(entry.model_dump(), name)
    return AccountingEntry.model_validate(
        {**fields, "company_id": UUID(COMPANY), "pleo_account_id": entry.pleo_account_id}
    )


def _settings() -> Any:
    return AccountingSettingsModel.model_validate(accounting_settings(COMPANY)).to_domain(UUID(COMPANY))


def _export_item_bodies(version: str, vendor_based: bool) -> list[Any]:
    projection = VERSIONS[version].export_items
    context = ProjectionContext(
        job_id=_id("job"),
        vendor_based_bookkeeping=vendor_based,
        base_url="https://api.example.com",
        accounting_settings=_settings(),
    )
    bodies: list[Any] = []
    for entry in _sample_entries():
        try:
            bodies.append(projection.body(entry, context))
        except (UnsupportedAccountingEntryType, MissingContraAccounts) as error:
            bodies.append(type(error).__name__)
    return bodies


def _jobs() -> list[ExportJob]:
    created = datetime(2026, 10, 1, 9, 30, tzinfo=CEST)
    jobs = []
    for n, status in enumerate(ExportJobStatus):
        closed = status in (ExportJobStatus.FAILED, ExportJobStatus.COMPLETED, ExportJobStatus.COMPLETED_WITH_ERRORS)
        jobs.append(
            ExportJob(
                id=_id("job", n),
                company_id=UUID(COMPANY),
                status=status,
                created_at=created,
                expires_in=3600 - n,
                is_interactive=n % 2 == 0,
                number_of_items=10 * n,
                vendor_based_bookkeeping=n % 2 == 1,
                completed_at=created + timedelta(minutes=5, microseconds=123) if closed else None,
                created_by=_id("user", n) if n % 2 else None,
                expired_at=created + timedelta(hours=1) if status is ExportJobStatus.FAILED else None,
                failure_reason="The ERP refused us" if status is ExportJobStatus.FAILED else None,
                failure_reason_type=ExportJobFailureReasonType.JOB_EXPIRED
                if status is ExportJobStatus.FAILED
                else None,
                last_updated_at=created + timedelta(seconds=n) if n else None,
                started_at=created.astimezone(UTC) + timedelta(seconds=1)
                if status is not ExportJobStatus.PENDING
                else None,
                workflow_task_token="secret-token",
                pending_item_changes={"never": "shown"},
            )
        )
    return jobs


def _job_items() -> list[ExportJobItem]:
    items = []
    reasons = [None, *ExportJobItemFailureReasonType]
    for n, reason in enumerate(reasons):
        status = list(ExportJobItemStatus)[n % len(ExportJobItemStatus)]
        items.append(
            ExportJobItem(
                accounting_entry_id=_id("entry", n),
                export_job_id=_id("job"),
                status=ExportJobItemStatus.FAILED if reason else status,
                exported_at=datetime(2026, 10, 1, 9, 30, n, tzinfo=CEST) if n % 3 else None,
                external_id=f"EXT-{n}" if n % 2 else None,
                external_url=f"https://erp.example.com/vouchers/{n}" if n % 4 == 1 else None,
                failure_reason="Vendor missing" if reason else None,
                failure_reason_type=reason,
                company_id=UUID(COMPANY),
                job_created_at=datetime(2026, 10, 1, tzinfo=UTC),
            )
        )
    return items


PINNED_EXPORT_ITEMS = {
    ("v0", False): "014b9ff209053313",
    ("v0", True): "014b9ff209053313",
    ("v1", False): "a991e609cd1c8f0f",
    ("v1", True): "a991e609cd1c8f0f",
    ("v2", False): "a88ce8a0f2fcd795",
    ("v2", True): "cbc9874a6dfbd1b7",
    ("v3", False): "a106630a28e36730",
    ("v3", True): "38de37ce5cccfa18",
}
PINNED_JOBS = {"v0": "0b142e619e86973d", "v1": "0b142e619e86973d", "v2": "0b142e619e86973d", "v3": "0b142e619e86973d"}
PINNED_JOB_ITEMS = {
    "v0": "9784e7386c2b95af",
    "v1": "9784e7386c2b95af",
    "v2": "9784e7386c2b95af",
    "v3": "324c673dbde16835",
}


@pytest.mark.parametrize(("version", "vendor_based"), sorted(PINNED_EXPORT_ITEMS))
def test_export_item_bodies_are_pinned(version: str, vendor_based: bool) -> None:
    assert _digest(_export_item_bodies(version, vendor_based)) == PINNED_EXPORT_ITEMS[version, vendor_based]


@pytest.mark.parametrize("version", sorted(PINNED_JOBS))
def test_job_bodies_are_pinned(version: str) -> None:
    shapes = VERSIONS[version].jobs
    assert _digest([shapes.job_body(job) for job in _jobs()]) == PINNED_JOBS[version]


@pytest.mark.parametrize("version", sorted(PINNED_JOB_ITEMS))
def test_job_item_bodies_are_pinned(version: str) -> None:
    shapes = VERSIONS[version].jobs
    assert _digest([shapes.job_item_body(item) for item in _job_items()]) == PINNED_JOB_ITEMS[version]
