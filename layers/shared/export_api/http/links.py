"""Where this service is reachable, for the links it puts in its answers (export items' `_links`)."""

import re

from fastapi import Request

from export_api.settings import Settings

# API Gateway's own hostnames carry the stage in the path (https://abc123.execute-api.eu-west-1.amazonaws.com/prod);
# a custom domain maps its base path itself, so it is configured (PUBLIC_BASE_URL) rather than guessed.
_EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


def public_base_url(request: Request, settings: Settings) -> str:
    """The configured public URL, else the URL the request came in on: scheme, host and, on an
    execute-api host, the stage. Without a trailing slash."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    host = request.headers.get("host") or request.url.netloc
    scheme = request.headers.get("x-forwarded-proto") or request.url.scheme
    event = request.scope.get("aws.event") or {}
    stage = str((event.get("requestContext") or {}).get("stage") or "")
    prefix = f"/{stage}" if stage and _EXECUTE_API_HOST.match(host.split(":")[0].lower()) else ""
    return f"{scheme}://{host}{prefix}"
