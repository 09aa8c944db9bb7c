"""What the soak runs against: `make run`'s server (`python -m export_api_local`) in a process of its own
on free ports of 127.0.0.1, and a webhook receiver on 127.0.0.1 that records every delivery.

The server gets a shell's environment, not this process's: the benchmark process names tables and
secrets of its own (benchmarks/config.py) that the server must not take for its emulator's.
"""

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3

from export_api_local.process import server_process

START_TIMEOUT = 60.0
LOOPBACK = "127.0.0.1"
REGION = "eu-west-1"
# What a shell passes on; nothing else of this process reaches the server.
_SHELL = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


@dataclass(frozen=True)
class LocalStack:
    base_url: str
    aws_endpoint: str
    admin_token: str
    log: Path

    def aws(self, service: str) -> Any:
        """A boto3 client of the server's emulator (fixed fake credentials: never a real account)."""
        # boto3's stubs type `client` per literal service name; the name here is a parameter.
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            aws_session_token="local",
        )

    def company_token(self, company_id: str, ttl: timedelta) -> str:
        """A bearer token for one company, signed with the key the server made for this run."""
        from export_api.settings import Settings

        from export_api_local.credentials import INTEGRATION_SCOPES
        from export_api_local.signing_keys import configured_signing_keys

        # The server's functions keep the default issuer and audiences (template.yaml sets none).
        signer = configured_signing_keys(self.aws("secretsmanager")).signer(Settings())
        return signer.mint(f"soak-{company_id}", [company_id], INTEGRATION_SCOPES, ttl=ttl)


@contextmanager
def local_stack(state: Path) -> Iterator[LocalStack]:
    """`python -m export_api_local` without demo data, its state in `state`; stopped with Ctrl-C (then
    killed) however the soak ends."""
    environment = {name: os.environ[name] for name in _SHELL if name in os.environ}
    environment.update(
        {
            "EXPORT_API_HOST": LOOPBACK,
            "AWS_EMULATOR_HOST": LOOPBACK,
            "AWS_REGION": REGION,
            # The soak makes its own companies; the demo's would only slow the start.
            "DEMO_DATA": "0",
            # A line per request would cost the server CPU the integrators are measuring.
            "ACCESS_LOG": "0",
        }
    )
    with server_process(state, environment, timeout=START_TIMEOUT) as server:
        demo = server.demo
        yield LocalStack(demo["baseUrl"], demo["awsEndpoint"], demo["admin"]["bearerToken"], server.log)


@dataclass(frozen=True)
class Delivery:
    company_id: str
    message_id: str
    event_type: str
    job_id: str


@dataclass
class Deliveries:
    """Every request the receiver got, in order; thread-safe."""

    received: list[Delivery] = field(default_factory=list)
    unreadable: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, delivery: Delivery | None) -> None:
        with self.lock:
            if delivery is None:
                self.unreadable += 1
            else:
                self.received.append(delivery)

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.received)


def _handler(deliveries: Deliveries) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body)
                delivery: Delivery | None = Delivery(
                    company_id=self.path.rstrip("/").rsplit("/", 1)[-1],
                    message_id=str(self.headers.get("webhook-id") or ""),
                    event_type=str(payload["eventType"]),
                    job_id=str(payload["data"]["id"]),
                )
            except (ValueError, KeyError, TypeError):
                delivery = None
            deliveries.add(delivery)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Receiver


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, Deliveries]]:
    """A receiver on 127.0.0.1 answering 204 at once; yields its base URL (a company's endpoint is
    `<url>/<companyId>`) and what it received."""
    deliveries = Deliveries()
    server = ThreadingHTTPServer((LOOPBACK, 0), _handler(deliveries))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/hook", deliveries
    finally:
        server.shutdown()
        server.server_close()
