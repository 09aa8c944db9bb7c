"""In-process Lambda invocations for the AWS emulator.

moto's Lambda backend without Docker only echoes the payload back. Once a hook is installed, an
Invoke of a function registered with it runs that function's real handler, the one template.yaml
names (CodeUri + Handler), in this process; other functions keep moto's behaviour. That is how the
Task states of ExportJobLifecycle (lambda:invoke and lambda:invoke.waitForTaskToken) reach
JobWorkflowFunction locally, in the tests and under the local server (in-process moto or
ThreadedMotoServer alike: the hook sits in moto's Lambda backend).

Like Lambda, a handler that raises answers `X-Amz-Function-Error: Unhandled` with an
`{errorType, errorMessage, stackTrace}` payload, so Step Functions' Retry/Catch see the error type.
Unlike Lambda, an `Event` (asynchronous) invocation runs synchronously, and the handler sees this
process's environment rather than the function's own Environment.
"""

import importlib
import json
import threading
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.awslambda.models import LambdaBackend
from moto.awslambda_simple.models import LambdaSimpleBackend

from export_api_local.apigw import LambdaContext
from export_api_local.template import resources_of_type

Handler = Callable[[Any, Any], Any]
# Called with (logical id, event) before the handler runs; used to observe or to stage races.
Interceptor = Callable[[str, Any], None]


@dataclass(frozen=True)
class Invocation:
    function_name: str
    logical_id: str
    event: Any
    result: Any = None
    error_type: str | None = None


def template_handler(logical_id: str) -> Handler:
    """The handler template.yaml names for a function: CodeUri as a package, Handler as module.attr."""
    properties = resources_of_type("AWS::Serverless::Function")[logical_id]
    module_name, _, attribute = str(properties.get("Handler", "app.handler")).rpartition(".")
    module = ".".join((*Path(properties["CodeUri"]).parts, module_name))
    handler: Handler = getattr(importlib.import_module(module), attribute)
    return handler


class LambdaInvokeHook:
    """Routes moto Lambda invocations of registered functions to their handlers."""

    def __init__(self, history: int = 1_000) -> None:
        self._functions: dict[str, str] = {}
        self._handlers: dict[str, Handler] = {}
        self._interceptors: list[Interceptor] = []
        self._lock = threading.Lock()
        self.invocations: deque[Invocation] = deque(maxlen=history)

    def register(self, function_name: str, logical_id: str, handler: Handler | None = None) -> None:
        """Run `logical_id`'s handler (template.yaml's, unless given) when `function_name` is invoked."""
        with self._lock:
            self._functions[function_name] = logical_id
            if handler is not None:
                self._handlers[logical_id] = handler

    def registered(self, function_name: str) -> str | None:
        return self._functions.get(function_name)

    def _handler(self, logical_id: str) -> Handler:
        with self._lock:
            handler = self._handlers.get(logical_id)
        if handler is None:
            handler = template_handler(logical_id)
            with self._lock:
                self._handlers[logical_id] = handler
        return handler

    @contextmanager
    def intercept(self, interceptor: Interceptor) -> Iterator[None]:
        """Call `interceptor(logical_id, event)` before each handler while the block runs."""
        with self._lock:
            self._interceptors.append(interceptor)
        try:
            yield
        finally:
            with self._lock:
                self._interceptors.remove(interceptor)

    def invoke(self, function_name: str, function_arn: str, body: Any) -> tuple[bytes, bool] | None:
        """Run the function's handler: (payload, failed), or None when the function is not registered."""
        logical_id = self._functions.get(function_name)
        if logical_id is None:
            return None
        raw = body.decode() if isinstance(body, bytes) else body
        event = json.loads(raw) if raw else {}
        with self._lock:
            interceptors = list(self._interceptors)
        for interceptor in interceptors:
            interceptor(logical_id, event)
        request_id = str(uuid.uuid4())
        context = LambdaContext(
            function_name=function_name, invoked_function_arn=function_arn, aws_request_id=request_id
        )
        try:
            result = self._handler(logical_id)(event, context)
        except Exception as error:
            self.invocations.append(Invocation(function_name, logical_id, event, error_type=type(error).__name__))
            payload = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            return json.dumps(payload).encode(), True
        self.invocations.append(Invocation(function_name, logical_id, event, result=result))
        return json.dumps(result).encode(), False


# The hook moto's Lambda backends consult; one per process, as moto's backends are.
HOOK = LambdaInvokeHook()
_originals: dict[type[LambdaBackend], Any] = {}


def _patched(backend_class: type[LambdaBackend]) -> Any:
    original = _originals[backend_class]

    def invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, str],
    ) -> str | bytes | None:
        # An unknown function is a ResourceNotFoundException here, as on AWS (moto's simple backend
        # would echo the payload for any name).
        function = self.get_function(function_name, qualifier)
        outcome = HOOK.invoke(function.function_name, function.function_arn, body)
        if outcome is None:
            return original(self, function_name, qualifier, body, headers, response_headers)  # type: ignore[no-any-return]
        payload, failed = outcome
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = "$LATEST"
        return payload

    return invoke


def install() -> LambdaInvokeHook:
    """Route moto's Lambda Invoke through HOOK (idempotent). Returns HOOK."""
    for backend_class in (LambdaBackend, LambdaSimpleBackend):
        if backend_class not in _originals:
            _originals[backend_class] = backend_class.__dict__["invoke"]
            backend_class.invoke = _patched(backend_class)  # type: ignore[method-assign]
    return HOOK


def uninstall() -> None:
    """Give moto its own Invoke back."""
    for backend_class, original in _originals.items():
        backend_class.invoke = original  # type: ignore[method-assign]
    _originals.clear()
