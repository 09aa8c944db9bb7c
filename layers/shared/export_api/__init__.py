"""Shared core of the Export API: models, version adapters, services, repositories. A function starts
through export_api.bootstrap; importing any package here changes no global state."""
