"""API keys over HTTP basic as Pleo documents them: the key is the user name, the password empty
(`curl -u "$KEY:"`). Stored as a digest, revocable, never logged."""

import boto3
import pytest
from export_api.auth.api_keys import key_id_of
from export_api.services.authentication import ApiKeys

from tests.auth.conftest import Tenant, admin_token, basic
from tests.auth.support import call


def test_an_api_key_authenticates_its_company(api_keys: ApiKeys, tenants: tuple[Tenant, Tenant]) -> None:
    own, other = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    response = call("GET", "/v3/export-jobs", basic(issued.key))
    assert response.status == 200
    assert [job["id"] for job in response.body["data"]] == [own.job_id]
    assert call("GET", f"/v3/export-jobs/{other.job_id}", basic(issued.key)).status == 404


def test_a_key_is_one_opaque_string_and_its_id_is_its_digest(api_keys: ApiKeys, credentials_table: str) -> None:
    issued = api_keys.issue(["11111111-1111-4111-8111-111111111111"], ["export-jobs:read"])
    assert ":" not in issued.key
    assert issued.key.startswith("eak_")
    assert len(issued.key) > 40
    assert issued.key_id == key_id_of(issued.key)


def test_a_key_only_has_the_scopes_it_was_given(api_keys: ApiKeys, tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    response = call(
        "POST", "/v3/export-job-events", basic(issued.key), json_body={"jobId": own.job_id, "event": "started"}
    )
    assert response.status == 403
    assert response.body["type"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "credential",
    [
        lambda key: basic(key + "x"),
        lambda _: basic("eak_unknown"),
        lambda key: basic(key, "anything"),
        lambda key: basic(key_id_of(key)),
        lambda _: basic(""),
        lambda key: "Basic " + key,
    ],
    ids=["wrong key", "unknown key", "non-empty password", "the key id is not the key", "empty user", "not base64"],
)
def test_wrong_keys_are_401(api_keys: ApiKeys, tenants: tuple[Tenant, Tenant], credential: object) -> None:
    own, _ = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    response = call("GET", "/v3/export-jobs", credential(issued.key))  # type: ignore[operator]
    assert response.status == 401
    assert response.body["type"] == "UNAUTHORIZED"
    assert "empty password" in response.body["message"], "the 401 says how to send a key"


def test_a_password_is_refused_with_a_reason_in_the_log(
    api_keys: ApiKeys, tenants: tuple[Tenant, Tenant], capsys: pytest.CaptureFixture[str]
) -> None:
    own, _ = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    capsys.readouterr()
    assert call("GET", "/v3/export-jobs", basic(issued.key, "secret")).status == 401
    logged = capsys.readouterr().out
    assert "send the API key as the user name and an empty password" in logged
    assert issued.key not in logged


def test_a_revoked_key_stops_working(api_keys: ApiKeys, tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    assert call("GET", "/v3/export-jobs", basic(issued.key)).status == 200
    assert api_keys.revoke(issued.key_id) is True
    assert call("GET", "/v3/export-jobs", basic(issued.key)).status == 401
    assert api_keys.revoke(key_id_of("eak_does_not_exist")) is False


def test_keys_cannot_carry_the_admin_scope(api_keys: ApiKeys) -> None:
    with pytest.raises(ValueError, match="admin"):
        api_keys.issue([], ["admin"])


def test_keys_are_stored_as_digests_and_never_logged(
    api_keys: ApiKeys,
    tenants: tuple[Tenant, Tenant],
    credentials_table: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    own, _ = tenants
    issued = api_keys.issue([own.company_id], ["export-jobs:read"])
    call("GET", "/v3/export-jobs", basic(issued.key))
    call("GET", "/v3/export-jobs", basic("wrong-" + issued.key))
    call("GET", "/v3/export-jobs", "Bearer " + own.bearer)
    stored = boto3.resource("dynamodb").Table(credentials_table).scan()["Items"]
    assert len(stored) == 1
    assert issued.key not in repr(stored)
    assert stored[0]["pk"] == f"KEY#{key_id_of(issued.key)}"
    logged = capsys.readouterr()
    for secret in (issued.key, own.bearer):
        assert secret not in logged.out
        assert secret not in logged.err


def test_admin_routes_need_an_admin_token(api_keys: ApiKeys, tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    path = f"/admin/companies/{own.company_id}/accounting-entries"
    assert call("GET", path, admin_token()).status == 200
    # An Export API token is not valid on admin routes at all (another audience), nor is an API key.
    assert call("GET", path, "Bearer " + own.bearer).status == 401
    assert call("GET", path, basic(api_keys.issue([own.company_id], ["export-jobs:read"]).key)).status == 401
    assert call("GET", path, None).status == 401
    assert call("GET", "/health", None).status == 200
