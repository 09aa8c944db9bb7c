"""Thin HTTP layer: FastAPI routers per resource group, parsing requests and shaping responses."""
