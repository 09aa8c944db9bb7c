"""Pydantic models in the contract's words (spec/export-api.openapi.yaml, components.schemas)."""
