"""Mint bearer tokens, manage API keys and rotate the token signing key.

    python -m export_api_local.credentials token --company <uuid> [--scope ...] [--ttl-seconds 3600]
    python -m export_api_local.credentials token --admin [--ttl-seconds 3600]
    python -m export_api_local.credentials create-key --company <uuid> [--scope ...] [--description ...]
    python -m export_api_local.credentials revoke-key <keyId>
    python -m export_api_local.credentials rotate-signing-key [--kid ...]
    python -m export_api_local.credentials retire-signing-key <kid>
    python -m export_api_local.credentials signing-keys

Against a deployed stack, set JWT_SIGNING_KEY_ARN, JWT_PUBLIC_KEYS_ARN and CREDENTIALS_TABLE_NAME (the
stack's outputs) and use your AWS credentials; without them it talks to `make run`'s emulator
(AWS_ENDPOINT_URL) and its local secrets and table. JWT_ISSUER, JWT_AUDIENCE and JWT_ADMIN_AUDIENCE as
for the functions. The private key is read here and nowhere else.
"""

import argparse
import json
import sys
from datetime import timedelta

from export_api.models.caller import Scope
from export_api.services.authentication import get_api_keys
from export_api.settings import get_settings

from export_api_local.config import apply_local_defaults
from export_api_local.signing_keys import configured_signing_keys

INTEGRATION_SCOPES = [Scope.EXPORT_JOBS_READ.value, Scope.EXPORT_JOBS_WRITE.value, Scope.EXPORT_ITEMS_READ.value]
INTEGRATION_SCOPE_CHOICES = [s.value for s in Scope if s is not Scope.ADMIN]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m export_api_local.credentials", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="mint a bearer token")
    token.add_argument("--company", action="append", default=[], help="company id (repeatable)")
    token.add_argument("--scope", action="append", choices=INTEGRATION_SCOPE_CHOICES, help="default: all three")
    token.add_argument("--admin", action="store_true", help="an admin token (admin audience and scope)")
    token.add_argument("--subject", required=False, help="default: the companies, or 'admin'")
    token.add_argument("--ttl-seconds", type=int, default=3600)
    key = commands.add_parser("create-key", help="issue an API key (HTTP basic: the key, empty password)")
    key.add_argument("--company", action="append", default=[], help="company id (repeatable)")
    key.add_argument("--scope", action="append", choices=INTEGRATION_SCOPE_CHOICES, help="default: all three")
    key.add_argument("--description", default="")
    revoke = commands.add_parser("revoke-key", help="revoke an API key by its keyId")
    revoke.add_argument("key_id")
    rotate = commands.add_parser("rotate-signing-key", help="new signing key; the previous one keeps verifying")
    rotate.add_argument("--kid", help="default: the current UTC time")
    retire = commands.add_parser("retire-signing-key", help="stop accepting tokens signed with an old key")
    retire.add_argument("kid")
    commands.add_parser("signing-keys", help="the published public keys and the current signing key")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # make run's table when none is named (a deployed stack: its CredentialsTableName output).
    apply_local_defaults()
    settings = get_settings()
    if args.command == "revoke-key":
        revoked = get_api_keys().revoke(args.key_id)
        print(json.dumps({"keyId": args.key_id, "revoked": revoked}))
        return 0 if revoked else 1
    if args.command == "create-key":
        scopes = args.scope or INTEGRATION_SCOPES
        issued = get_api_keys().issue(args.company, scopes, args.description)
        print(json.dumps({"apiKey": issued.key, "keyId": issued.key_id, "scopes": scopes}))
        return 0
    keys = configured_signing_keys()
    if args.command == "token":
        ttl = timedelta(seconds=args.ttl_seconds)
        if ttl.total_seconds() > settings.jwt_max_lifetime_seconds:
            print(f"--ttl-seconds: the authorizers accept at most {settings.jwt_max_lifetime_seconds}", file=sys.stderr)
            return 2
        if args.admin:
            token = keys.signer(settings, admin=True).mint(args.subject or "admin", [], [Scope.ADMIN.value], ttl=ttl)
            print(json.dumps({"bearerToken": token, "scopes": [Scope.ADMIN.value]}))
            return 0
        scopes = args.scope or INTEGRATION_SCOPES
        subject = args.subject or "integration:" + ",".join(sorted(args.company))
        token = keys.signer(settings).mint(subject, args.company, scopes, ttl=ttl)
        print(json.dumps({"bearerToken": token, "companies": args.company, "scopes": scopes}))
        return 0
    if args.command == "rotate-signing-key":
        previous = keys.current_kid()
        kid = keys.rotate(args.kid)
        print(
            json.dumps({"signingKey": kid, "previous": previous, "publicKeys": [k["kid"] for k in keys.public_keys()]})
        )
        return 0
    if args.command == "retire-signing-key":
        retired = keys.retire(args.kid)
        print(json.dumps({"kid": args.kid, "retired": retired}))
        return 0 if retired else 1
    print(json.dumps({"signingKey": keys.current_kid(), "publicKeys": [k["kid"] for k in keys.public_keys()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
