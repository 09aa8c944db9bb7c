"""Mint bearer tokens and manage API keys for a company.

    python -m export_api_local.credentials token --company <uuid> [--scope ...] [--ttl-seconds 3600]
    python -m export_api_local.credentials create-key --company <uuid> [--scope ...] [--description ...]
    python -m export_api_local.credentials revoke-key <keyId>

Uses the same settings as the functions (JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE, CREDENTIALS_TABLE_NAME)
and AWS_ENDPOINT_URL, so it works against the local emulator and, with real credentials, a deployed stack.
"""

import argparse
import json
import sys
from datetime import timedelta

from export_api.models.caller import Scope
from export_api.services.authentication import get_authentication

INTEGRATION_SCOPES = [Scope.EXPORT_JOBS_READ.value, Scope.EXPORT_JOBS_WRITE.value, Scope.EXPORT_ITEMS_READ.value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m export_api_local.credentials", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("token", "create-key"):
        command = commands.add_parser(name)
        command.add_argument("--company", action="append", default=[], help="company id (repeatable)")
        command.add_argument(
            "--scope", action="append", choices=[s.value for s in Scope], help="scope (repeatable); default: all three"
        )
        command.add_argument("--subject", default="local-integration")
        command.add_argument("--ttl-seconds", type=int, default=3600)
        command.add_argument("--description", default="")
    revoke = commands.add_parser("revoke-key")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)

    authentication = get_authentication()
    if args.command == "revoke-key":
        revoked = authentication.revoke_api_key(args.key_id)
        print(json.dumps({"keyId": args.key_id, "revoked": revoked}))
        return 0 if revoked else 1
    scopes = args.scope or INTEGRATION_SCOPES
    if args.command == "token":
        token = authentication.tokens.mint(args.subject, args.company, scopes, ttl=timedelta(seconds=args.ttl_seconds))
        print(json.dumps({"bearerToken": token, "companies": args.company, "scopes": scopes}))
        return 0
    key = authentication.issue_api_key(args.company, scopes, args.description)
    print(json.dumps({"apiKey": f"{key.key_id}:{key.secret}", "keyId": key.key_id, "scopes": scopes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
