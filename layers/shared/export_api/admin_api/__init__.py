"""Contract models of the project's own admin API (docs/admin-api.openapi.yaml) and their mappers."""
