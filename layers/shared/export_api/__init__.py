"""Shared core of the Export API: models, version adapters, services, repositories."""
