import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from export_api.services.authentication import ApiKeys, get_api_keys
from export_api.settings import get_settings

from export_api_local.template import table_definition
from export_api_local.tokens import generate_key_pair
from tests.auth.support import call
from tests.support.data import accounting_entry, accounting_settings
from tests.support.keys import signer

ALL_SCOPES = ["export-jobs:read", "export-jobs:write", "export-items:read"]


@pytest.fixture
def credentials_table(tables: None) -> Iterator[str]:
    name = get_settings().required("credentials_table_name")
    client = boto3.client("dynamodb")
    client.create_table(**table_definition("CredentialsTable", name))
    yield name
    client.delete_table(TableName=name)


@pytest.fixture
def api_keys(credentials_table: str) -> ApiKeys:
    return get_api_keys()


@dataclass
class Tenant:
    company_id: str
    entry_ids: list[str]
    job_id: str
    bearer: str


# A key pair the authorizers do not know (not in the published key set), with the session key's kid.
_FORGED_KEY, _ = generate_key_pair("tests-1")


def mint(company_id: str | None, scopes: list[str] | None = None, **overrides: object) -> str:
    """A token for `company_id`; `forged`: signed with an unknown key, `audience`, `expired`, `admin`."""
    admin = bool(overrides.get("admin"))
    token_signer = signer(admin=admin, private_jwk=_FORGED_KEY if overrides.get("forged") else None)
    if "audience" in overrides:
        token_signer.audience = str(overrides["audience"])
    now = datetime.now(UTC) - timedelta(hours=2) if overrides.get("expired") else None
    companies = [company_id] if company_id else []
    return token_signer.mint("tests", companies, ALL_SCOPES if scopes is None else scopes, now=now)


def admin_token() -> str:
    return "Bearer " + mint(None, scopes=["admin"], admin=True)


def basic(key: str, password: str = "") -> str:
    """HTTP basic as Pleo documents it for API keys: the key as the user name, an empty password."""
    return "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()


def make_tenant(entries: int = 5) -> Tenant:
    company_id = str(uuid.uuid4())
    entry_ids = sorted(str(uuid.uuid4()) for _ in range(entries))
    response = call(
        "POST",
        f"/admin/companies/{company_id}/accounting-entries",
        admin_token(),
        json_body=[accounting_entry(e, i, company_id) for i, e in enumerate(entry_ids)],
    )
    assert response.status == 201, response.body
    settings = call(
        "PUT",
        f"/admin/companies/{company_id}/accounting-settings",
        admin_token(),
        json_body=accounting_settings(company_id),
    )
    assert settings.status == 200, settings.body
    bearer = mint(company_id)
    created = call(
        "POST",
        "/v1/export-jobs",
        "Bearer " + bearer,
        json_body={"companyId": company_id, "accountingEntryIds": entry_ids},
    )
    assert created.status == 200, created.body
    return Tenant(company_id, entry_ids, created.body["data"]["id"], bearer)


@pytest.fixture
def tenants(api_keys: ApiKeys) -> tuple[Tenant, Tenant]:
    return make_tenant(), make_tenant()
