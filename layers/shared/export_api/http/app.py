"""A FastAPI app per Lambda function, wrapped by Mangum, with the contract's error shape."""

from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI
from mangum import Mangum

from export_api.http.errors import install_error_handlers
from export_api.http.responses import ContractJSONResponse
from export_api.observability import instrument
from export_api.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def create_app(title: str, routers: Iterable[APIRouter]) -> FastAPI:
    app = FastAPI(
        title=title,
        default_response_class=ContractJSONResponse,
        # The contract is the documentation (spec/export-api.openapi.yaml); nothing is served by the functions.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app


def lambda_handler(app: FastAPI, service: str) -> LambdaHandler:
    """The Lambda entry point: Mangum adapting API Gateway REST proxy events to the app.

    Instrumented around the Lambda handler, not the ASGI app: logs carry API Gateway's request id as
    `correlation_id`, metrics are flushed once per invocation, and every response (errors too)
    echoes that request id as `X-Request-Id`.
    """
    # Lifespan "off": Mangum would run startup per invocation; clients are created once per process instead.
    adapter = Mangum(app, lifespan="off", api_gateway_base_path=get_settings().api_base_path)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)
        request_id = (event.get("requestContext") or {}).get("requestId")
        if request_id:
            response["headers"] = {**(response.get("headers") or {}), "X-Request-Id": str(request_id)}
        return response

    instrumented: LambdaHandler = instrument(handler, service, correlation_paths.API_GATEWAY_REST)
    return instrumented
