"""The cold start baseline of AuthorizerFunction: verify an ES256 bearer JWT with PyJWT against the public
key set read from Secrets Manager (JWT_PUBLIC_KEYS_ARN, one GetSecretValue, as the real authorizer does)
and answer the policy, with no framework, settings, logging or metrics. Runs in a fresh interpreter
(benchmarks/coldstart.py)."""

import json
import os
from typing import Any

import boto3
import jwt

KEYS_ARN = os.environ.get("JWT_PUBLIC_KEYS_ARN", "")
ISSUER = os.environ.get("JWT_ISSUER", "https://export-api.local/")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "export-api")
_SECRETS = boto3.client("secretsmanager")
_keys: dict[str, Any] = {}


def _public_key(kid: str) -> Any:
    if not _keys:
        document = json.loads(_SECRETS.get_secret_value(SecretId=KEYS_ARN)["SecretString"])
        _keys.update({key["kid"]: jwt.PyJWK.from_dict(key, algorithm="ES256").key for key in document["keys"]})
    return _keys.get(kid)


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    header = str((event.get("headers") or {}).get("Authorization", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise Exception("Unauthorized")
    try:
        key = _public_key(str(jwt.get_unverified_header(token).get("kid", "")))
        claims = jwt.decode(token, key, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError:
        raise Exception("Unauthorized") from None
    api, _, rest = str(event.get("methodArn", "")).partition("/")
    return {
        "principalId": f"token:{claims['sub']}",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api}/{rest.split('/', 1)[0]}/*/*"}
            ],
        },
        "context": {"companyIds": ",".join(claims.get("companies", [])), "scopes": claims.get("scope", "")},
    }
