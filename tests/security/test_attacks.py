"""Attacks that once got further than a 4xx: each is answered as the caller's mistake, and nothing of the
service is left in a state it cannot account for."""

import pytest
from export_api.services.authentication import ApiKeys

from tests.auth.conftest import Tenant
from tests.auth.support import call


@pytest.mark.parametrize(
    "authorization",
    ["Basic é", "Basic ZXhhbXBsZQ==é", "Basic \u0000", "Basic " + "é" * 300, "Basic /w=="],
    ids=["non-ascii", "base64 then non-ascii", "nul", "long non-ascii", "not utf-8 once decoded"],
)
def test_a_malformed_basic_credential_is_401_not_500(
    api_keys: ApiKeys, tenants: tuple[Tenant, Tenant], authorization: str
) -> None:
    response = call("GET", "/v3/export-jobs", authorization)
    assert response.status == 401, response.raw
    assert response.body["type"] == "UNAUTHORIZED"
