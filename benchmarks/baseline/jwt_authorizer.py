"""The cold start baseline of AuthorizerFunction: verify a bearer JWT with PyJWT and answer the policy,
with no framework and nothing else imported. Runs in a fresh interpreter (benchmarks/coldstart.py)."""

import os
from typing import Any

import jwt

SECRET = os.environ.get("JWT_SECRET", "")
ISSUER = os.environ.get("JWT_ISSUER", "https://export-api.local/")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "export-api")


def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    header = str((event.get("headers") or {}).get("Authorization", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise Exception("Unauthorized")
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
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
