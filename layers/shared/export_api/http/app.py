"""A FastAPI app per Lambda function, wrapped by Mangum, with the contract's error shape."""

from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI
from mangum import Mangum

from export_api.http.errors import install_error_handlers
from export_api.http.responses import ContractJSONResponse
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
    """The Lambda entry point: Mangum adapting API Gateway REST proxy events to the app."""
    logger = Logger(service=service)
    # Lifespan "off": Mangum would run startup per invocation; clients are created once per process instead.
    adapter = Mangum(app, lifespan="off", api_gateway_base_path=get_settings().api_base_path)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)
        return response

    return handler
