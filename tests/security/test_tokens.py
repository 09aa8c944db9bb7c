"""Bearer tokens: ES256 with a kid from the published key set, iat required, lifetime capped, admin
tokens on their own audience. Each case is a token an attacker could present."""

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from export_api.repositories import aws
from export_api.services.authentication import ApiKeys, get_admin_authentication, get_authentication
from export_api.settings import get_settings

from export_api_local.tokens import TokenSigner, generate_key_pair
from tests.auth.conftest import ALL_SCOPES, Tenant, admin_token, mint
from tests.auth.support import call
from tests.support import keys
from tests.support.keys import PRIVATE_JWK, PUBLIC_JWK, signer

# A well-known HS256 secret: no setting falls back to it, and no token signed with it is accepted.
WELL_KNOWN_SECRET = "local-development-jwt-secret-change-me"


def claims(company_id: str | None, **extra: object) -> dict[str, object]:
    settings = get_settings()
    now = datetime.now(UTC)
    return {
        "sub": "attacker",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(hours=1),
        "companies": [company_id] if company_id else [],
        "scope": " ".join(ALL_SCOPES),
        **extra,
    }


def es256(payload: dict[str, object], headers: dict[str, object] | None = None) -> str:
    key = jwt.PyJWK.from_dict(PRIVATE_JWK, algorithm="ES256").key
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": keys.KID} if headers is None else headers)


def b64(value: object) -> str:
    text = json.dumps(value, default=lambda d: int(d.timestamp()))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def unsigned(payload: dict[str, object]) -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': keys.KID})}.{b64(payload)}."


def status(token: str, tenant: Tenant) -> int:
    return call("GET", "/v3/export-jobs", "Bearer " + token, query={"company_id": tenant.company_id}).status


def test_a_valid_token_works(tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    assert status(es256(claims(own.company_id)), own) == 200


def test_the_old_default_secret_mints_nothing(tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    forged = jwt.encode(claims(own.company_id, scope="admin " + " ".join(ALL_SCOPES)), WELL_KNOWN_SECRET, "HS256")
    assert status(forged, own) == 401
    admin_claims = claims(None, scope="admin", aud=get_settings().jwt_admin_audience)
    forged_admin = jwt.encode(admin_claims, WELL_KNOWN_SECRET, algorithm="HS256")
    path = f"/admin/companies/{own.company_id}/accounting-entries"
    assert call("GET", path, "Bearer " + forged_admin).status == 401


def test_the_public_key_is_no_hmac_secret(tenants: tuple[Tenant, Tenant]) -> None:
    # Algorithm confusion: HS256 "signed" with the published public key.
    own, _ = tenants
    public_pem = jwt.PyJWK.from_dict(PUBLIC_JWK, algorithm="ES256").key.public_bytes(
        encoding=Encoding.PEM, format=PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': keys.KID})}.{b64(claims(own.company_id))}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert status(token, own) == 401
    assert status(unsigned(claims(own.company_id)), own) == 401


@pytest.mark.parametrize(
    "case",
    ["no kid", "unknown kid", "no iat", "100 years", "25 hours", "iat in the future", "no exp"],
)
def test_tokens_outside_the_rules_are_refused(tenants: tuple[Tenant, Tenant], case: str) -> None:
    own, _ = tenants
    now = datetime.now(UTC)
    payload = claims(own.company_id)
    headers: dict[str, object] = {"kid": keys.KID}
    if case == "no kid":
        headers = {}
    elif case == "unknown kid":
        headers = {"kid": "never-published"}
    elif case == "no iat":
        del payload["iat"]
    elif case == "100 years":
        payload["exp"] = now + timedelta(days=36_500)
    elif case == "25 hours":
        payload["exp"] = now + timedelta(hours=25)
    elif case == "iat in the future":
        payload.update(iat=now + timedelta(hours=1), exp=now + timedelta(hours=2))
    else:
        del payload["exp"]
    assert status(es256(payload, headers), own) == 401


def test_a_day_long_token_is_the_longest_accepted(tenants: tuple[Tenant, Tenant]) -> None:
    own, _ = tenants
    assert status(es256(claims(own.company_id, exp=datetime.now(UTC) + timedelta(hours=24))), own) == 200


def test_admin_tokens_have_their_own_audience(tenants: tuple[Tenant, Tenant]) -> None:
    own, other = tenants
    # An admin token is not an Export API credential at all.
    assert status(admin_token().removeprefix("Bearer "), own) == 401
    # The admin scope in an Export API token is ignored: it opens no other company's job.
    widened = mint(own.company_id, scopes=[*ALL_SCOPES, "admin"])
    assert call("GET", f"/v3/export-jobs/{other.job_id}", "Bearer " + widened).status == 404
    # ... nor an admin route.
    assert call("GET", f"/admin/companies/{other.company_id}/accounting-entries", "Bearer " + widened).status == 401
    # An admin-audience token without the admin scope is denied there.
    unscoped = signer(admin=True).mint("x", [], ALL_SCOPES)
    assert call("GET", f"/admin/companies/{own.company_id}/accounting-entries", "Bearer " + unscoped).status == 403


@pytest.fixture
def rotation(api_keys: ApiKeys) -> Iterator[object]:
    client = boto3.client("secretsmanager")
    # A fresh authorizer instance: an unknown kid re-reads the key set at most once a minute per instance.
    get_authentication.cache_clear()
    yield client
    keys.publish(client, PUBLIC_JWK)
    aws.reset_clients()
    get_authentication.cache_clear()
    get_admin_authentication.cache_clear()


def test_key_rotation_overlaps(tenants: tuple[Tenant, Tenant], rotation: object) -> None:
    own, _ = tenants
    old_token = mint(own.company_id)
    new_private, new_public = generate_key_pair("tests-2")
    settings = get_settings()
    new_signer = TokenSigner(new_private, settings.jwt_issuer, settings.jwt_audience)
    new_token = new_signer.mint("tests", [own.company_id], ALL_SCOPES)
    # Published next to the current key: both verify (the new kid is found without waiting for the cache).
    keys.publish(rotation, PUBLIC_JWK, new_public)
    assert status(new_token, own) == 200
    assert status(old_token, own) == 200
    # The old key retired after the overlap: its tokens stop working, the new ones do not.
    keys.publish(rotation, new_public)
    aws.reset_clients()
    assert status(old_token, own) == 401
    assert status(new_token, own) == 200
