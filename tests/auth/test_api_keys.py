"""Basic auth with API keys: hashed at rest, constant-time checked, revocable, never logged."""

import boto3
import pytest
from export_api.services.authentication import AuthenticationService

from tests.auth.conftest import Tenant, admin_token, basic
from tests.auth.support import call


def test_an_api_key_authenticates_its_company(
    authentication: AuthenticationService, tenants: tuple[Tenant, Tenant]
) -> None:
    own, other = tenants
    key = authentication.issue_api_key([own.company_id], ["export-jobs:read"])
    response = call("GET", "/v3/export-jobs", basic(key.key_id, key.secret))
    assert response.status == 200
    assert [job["id"] for job in response.body["data"]] == [own.job_id]
    assert call("GET", f"/v3/export-jobs/{other.job_id}", basic(key.key_id, key.secret)).status == 404


def test_a_key_only_has_the_scopes_it_was_given(
    authentication: AuthenticationService, tenants: tuple[Tenant, Tenant]
) -> None:
    own, _ = tenants
    key = authentication.issue_api_key([own.company_id], ["export-jobs:read"])
    response = call(
        "POST",
        "/v3/export-job-events",
        basic(key.key_id, key.secret),
        json_body={"jobId": own.job_id, "event": "started"},
    )
    assert response.status == 403
    assert response.body["type"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "credential",
    [
        lambda key: basic(key.key_id, key.secret + "x"),
        lambda key: basic("key_unknown", key.secret),
        lambda key: basic(key.key_id, ""),
        lambda key: "Basic " + key.key_id,
    ],
    ids=["wrong secret", "unknown key id", "empty secret", "not base64 user:pass"],
)
def test_wrong_keys_are_401(
    authentication: AuthenticationService, tenants: tuple[Tenant, Tenant], credential: object
) -> None:
    own, _ = tenants
    key = authentication.issue_api_key([own.company_id], ["export-jobs:read"])
    response = call("GET", "/v3/export-jobs", credential(key))  # type: ignore[operator]
    assert response.status == 401
    assert response.body == {"type": "UNAUTHORIZED", "message": "A valid bearer token or API key is required."}


def test_a_revoked_key_stops_working(authentication: AuthenticationService, tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    key = authentication.issue_api_key([own.company_id], ["export-jobs:read"])
    assert call("GET", "/v3/export-jobs", basic(key.key_id, key.secret)).status == 200
    assert authentication.revoke_api_key(key.key_id) is True
    assert call("GET", "/v3/export-jobs", basic(key.key_id, key.secret)).status == 401
    assert authentication.revoke_api_key("key_does_not_exist") is False


def test_keys_are_stored_hashed_and_never_logged(
    authentication: AuthenticationService,
    tenants: tuple[Tenant, Tenant],
    credentials_table: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    own, _ = tenants
    key = authentication.issue_api_key([own.company_id], ["export-jobs:read"])
    call("GET", "/v3/export-jobs", basic(key.key_id, key.secret))
    call("GET", "/v3/export-jobs", basic(key.key_id, "wrong-" + key.secret))
    call("GET", "/v3/export-jobs", "Bearer " + own.bearer)
    stored = boto3.resource("dynamodb").Table(credentials_table).scan()["Items"]
    assert len(stored) == 1
    assert key.secret not in repr(stored)
    assert stored[0]["secretHash"] != key.secret
    logged = capsys.readouterr()
    for secret in (key.secret, own.bearer):
        assert secret not in logged.out
        assert secret not in logged.err


def test_admin_routes_need_the_admin_scope(tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    path = f"/admin/companies/{own.company_id}/accounting-entries"
    assert call("GET", path, admin_token()).status == 200
    denied = call("GET", path, "Bearer " + own.bearer)
    assert denied.status == 403
    assert denied.body["type"] == "FORBIDDEN"
    assert call("GET", path, None).status == 401
    assert call("GET", "/health", None).status == 200
