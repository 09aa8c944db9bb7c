"""Python's garbage collector during a Lambda init, and after it.

A cold start makes several hundred thousand objects (FastAPI, pydantic, boto3, our models and routes)
that live as long as the process. Left running, the collector examines them again and again while they
pile up (each older-generation collection walks every object made so far): ~4 % of an API function's
init instructions and ~10 % of its CPU time (the walk chases pointers across a growing heap), to find a
few dozen garbage objects (export items: 55). So a Lambda init runs without it, and its end freezes what
the init made (`gc.freeze`: moved to a permanent generation that no collection walks) and resumes
collecting. Later collections, the first request's included, walk only what requests made, so warm
requests gain too. The few cyclic garbage objects an init left stay, once per process.

The pause starts when a function's module first imports `export_api` (export_api/__init__.py) and ends
when its handler is wrapped (`observability.instrument`, every function's last step). Only in a Lambda
init (`AWS_LAMBDA_INITIALIZATION_TYPE`): tests and local tooling keep the collector as it is.
"""

import gc

from export_api.lambda_environment import in_lambda_init

_paused: list[bool] = []


def pause_for_init() -> None:
    """In a Lambda init, stop collecting until `end_init` (once per process)."""
    if in_lambda_init() and gc.isenabled() and not _paused:
        gc.disable()
        _paused.append(True)


def end_init() -> None:
    """Freeze what the init made and collect again. Does nothing unless `pause_for_init` paused."""
    if _paused and not gc.isenabled():
        gc.freeze()
        gc.enable()
