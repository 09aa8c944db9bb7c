"""The HTTP call of one delivery attempt: httpx, with the limits of docs/decisions.md ("Webhooks").

- connect within 5 s, the whole exchange within 15 s;
- no redirects followed (a 3xx is a failed attempt: the subscriber must give the final URL);
- at most 64 KB of the response body is read, and only to report what went wrong;
- the connection goes to the address destinations.py checked (TLS still verifies the URL's host name);
- credentials and custom headers are sent, never logged or recorded.
"""

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from export_api.webhooks.destinations import Destination

CONNECT_TIMEOUT_SECONDS = 5.0
TOTAL_TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 65_536
USER_AGENT = "export-api-webhooks/1"
# What an error message recorded for the subscriber may quote of the response body.
_QUOTED_BODY_CHARS = 200


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def basic_authorization(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _pinned_url(destination: Destination) -> httpx.URL:
    return httpx.URL(destination.url).copy_with(host=destination.address, port=destination.port)


def _host_header(destination: Destination) -> str:
    host = destination.host
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if destination.scheme == "https" else 80
    return host if destination.port == default_port else f"{host}:{destination.port}"


class WebhookSender:
    def __init__(self, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            follow_redirects=False,
            # The proxy settings of the environment must not reroute (or observe) webhooks.
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    def send(self, destination: Destination, payload: str, headers: Mapping[str, str]) -> AttemptResult:
        started = time.monotonic()
        deadline = started + TOTAL_TIMEOUT_SECONDS
        try:
            request = self.client.build_request(
                "POST",
                _pinned_url(destination),
                content=payload.encode(),
                headers={**headers, "Host": _host_header(destination), "Content-Type": "application/json"},
                # TLS: the server name and certificate check are the URL's host, not the pinned address.
                extensions={"sni_hostname": destination.host},
            )
        except (httpx.InvalidURL, UnicodeEncodeError) as error:
            # Stored before its input was checked as it is now: a failed attempt like any other, so the
            # subscriber sees why and the subscription is deactivated by the usual rule.
            reason = "endpointUrl" if isinstance(error, httpx.InvalidURL) else "a header value (ASCII only)"
            return AttemptResult(None, 0, f"the request could not be built: {reason} is not valid HTTP")

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException:
            return AttemptResult(None, elapsed(), "timed out (connect 5 s, total 15 s)")
        except httpx.HTTPError as error:
            return AttemptResult(None, elapsed(), f"connection failed: {type(error).__name__}: {error}"[:300])
        try:
            body = bytearray()
            for chunk in response.iter_raw():
                body.extend(chunk[: MAX_RESPONSE_BYTES - len(body)])
                if len(body) >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                    break
        except httpx.HTTPError:
            # The status is what counts; a body cut short does not change the outcome.
            pass
        finally:
            response.close()
        if time.monotonic() > deadline:
            return AttemptResult(response.status_code, elapsed(), "timed out (total 15 s)")
        status = response.status_code
        if 200 <= status < 300:
            return AttemptResult(status, elapsed(), None)
        if 300 <= status < 400:
            return AttemptResult(status, elapsed(), "redirects are not followed: subscribe with the final URL")
        quoted = bytes(body[:_QUOTED_BODY_CHARS]).decode("utf-8", "replace")
        return AttemptResult(status, elapsed(), f"HTTP {status}" + (f": {quoted}" if quoted.strip() else ""))
