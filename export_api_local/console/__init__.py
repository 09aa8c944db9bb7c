"""The local job console: http://127.0.0.1:3000/console under `make run`.

Every company's jobs, and for one job its Step Functions execution drawn as the state machine's graph
with the path taken, the event history, and the items by status: what the Step Functions console
shows on AWS, found by job id. Read through the admin operations (with the operator's credential, so
the admin authorizer answers 401/403 as over HTTP) and the emulator's Step Functions API.

Credentials: an `Authorization` header (tools, tests), or a bearer token entered once on the sign-in
page and kept in an HttpOnly, SameSite=Strict cookie scoped to /console.
"""

from export_api_local.console.app import console_routes

__all__ = ["console_routes"]
