"""Shared core of the Export API: models, version adapters, services, repositories.

Every function's module imports this package before anything else of its own, so a Lambda init pauses
the garbage collector here, until its handler is wrapped (export_api.collector).
"""

from export_api.collector import pause_for_init

pause_for_init()
