"""The process's services, as a FastAPI dependency (the admin, subscription and test helper routes; the
Export API's routes call `get_services()` themselves, http/params.py says why)."""

from typing import Annotated

from fastapi import Depends

from export_api.services.container import Services, get_services


async def current_services() -> Services:
    # A coroutine on purpose, as every dependency of ours that does no I/O: FastAPI runs a plain `def`
    # dependency in its thread pool (a thread hop per request, and anyio's thread machinery imported by
    # the first request of a function whose routes are all coroutines).
    return get_services()


ServicesDep = Annotated[Services, Depends(current_services)]
