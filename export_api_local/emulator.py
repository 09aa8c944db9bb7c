"""The AWS emulator of the local service: moto's server, in a thread of this process.

It listens on its own port (5000 by default), so `aws --endpoint-url http://127.0.0.1:5000 ...` and
boto3 inspect the tables and Step Functions executions while the service runs. The DynamoDB tables
are created from template.yaml's own definitions.
"""

import json
import logging
import re
import secrets
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from export_api_local import moto_dynamodb
from export_api_local.template import resources_of_type, table_definition


class PortInUse(Exception):
    pass


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Fail at once with a clear message, rather than after the whole start-up (or never, for moto)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortInUse(f"{what} cannot listen on {host}:{port} ({error.strerror}).") from None


def secret_name(logical_id: str) -> str:
    """The local name of one of the template's secrets (a name is as good as an ARN as a SecretId)."""
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()
    return f"export-api-local-{kebab}"


def table_name(logical_id: str, names: dict[str, str]) -> str:
    """The local name of one of the template's tables: configured, or made from the logical id."""
    if logical_id in names:
        return names[logical_id]
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id.removesuffix("Table")).lower()
    return f"export-api-{kebab}"


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time.

    moto's DynamoDB backend is not thread-safe (TransactWriteItems deep-copies a table that another
    request thread may be changing), and here requests come concurrently from the gateway's threads
    and from Step Functions executions. DynamoDB requests never wait on another request, so this lock
    cannot deadlock; Lambda and Step Functions requests (which do nest) are not serialized.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


class TargetDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering the backend of each JSON protocol's `X-Amz-Target` prefix
    (`DynamoDB_20120810`, `AWSStepFunctions`, `AmazonSQS`, ...): each names one service, and moto's own
    lookup (signature, host, body) costs milliseconds on every request. Other requests (REST: Lambda's
    Invoke, API Gateway) take moto's lookup."""

    def __init__(self, create_app: Callable[..., Any]) -> None:
        super().__init__(create_app)
        self.by_target: dict[str, Any] = {}

    def get_application(self, environ: dict[str, Any]) -> Any:
        prefix = str(environ.get("HTTP_X_AMZ_TARGET", "")).partition(".")[0]
        if not prefix:
            return super().get_application(environ)
        app = self.by_target.get(prefix)
        if app is None:
            app = self.by_target[prefix] = super().get_application(environ)
        return app


class _MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer, with its app behind SerializedDynamoDB."""

    def _server_entry(self) -> None:
        app = SerializedDynamoDB(TargetDispatcher(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class AwsEmulator:
    """moto's ThreadedMotoServer, with the template's tables and a configuration call."""

    def __init__(self, host: str, port: int, region: str) -> None:
        self.host = host
        self.port = port
        self.region = region
        self._server = _MotoServer(ip_address=host, port=port, verbose=False)
        self._started = False

    @property
    def endpoint(self) -> str:
        host = "127.0.0.1" if self.host in {"0.0.0.0", "", "::"} else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        # moto's server waits forever for a server that failed to bind: check the port first.
        ensure_port_free(self.host, self.port, "The AWS emulator")
        # One line per AWS call is too much on the console, and so is moto's log of every failed
        # execution (a failed job's execution fails on purpose; its history tells why).
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        moto_dynamodb.install()
        self._server.start()
        self._started = True
        if self.port == 0:
            self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        if self._started:
            self._server.stop()
            self._started = False

    def configure(self, config: dict[str, Any]) -> dict[str, Any]:
        """moto's runtime configuration (e.g. {"stepfunctions": {"execute_state_machine": true}})."""
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def create_secrets(self) -> dict[str, str]:
        """Creates every AWS::SecretsManager::Secret of the template with its own initial value (a
        random one for GenerateSecretString); returns logical id -> ARN."""
        client = self.client("secretsmanager")
        created = {}
        for logical_id, properties in resources_of_type("AWS::SecretsManager::Secret").items():
            value = properties.get("SecretString")
            if not isinstance(value, str):
                value = secrets.token_urlsafe(36)
            created[logical_id] = str(client.create_secret(Name=secret_name(logical_id), SecretString=value)["ARN"])
        return created

    def create_tables(self, names: dict[str, str]) -> dict[str, str]:
        """Creates every AWS::DynamoDB::Table of the template; returns logical id -> table name."""
        dynamodb = self.client("dynamodb")
        created = {}
        for logical_id in resources_of_type("AWS::DynamoDB::Table"):
            name = table_name(logical_id, names)
            dynamodb.create_table(**table_definition(logical_id, name))
            created[logical_id] = name
        return created
