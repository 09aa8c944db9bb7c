"""Thin HTTP layer: FastAPI routers per resource group, parsing requests and shaping responses."""

from export_api.http.pydantic_v1_check import defer_pydantic_v1_checks

# Before any route is built (every router is built by a module of this package).
defer_pydantic_v1_checks()
