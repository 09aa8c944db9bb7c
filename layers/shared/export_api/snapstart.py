"""Lambda SnapStart runtime hooks (template.yaml parameter `EnableSnapStart`; docs/cold-start.md).

With SnapStart, Lambda runs a published version's init once, snapshots its memory, and resumes new
execution environments from that snapshot. The init already does the slow work (imports, the app's routes
and validators, the clients every request uses: export_api.startup, export_api.http.app); the hooks make
the snapshot hold the rest and make it safe to resume many times:

- before the snapshot: every AWS client the function may use is created (the snapshot holds them, so no
  request pays for them), what an on-demand init leaves to first use is done (`also_before_snapshot`: an
  earlier version's export item models), the secret values a priming step may have cached are dropped
  (no secret is in the snapshot: each is read again, once, by the first request that needs it), and
  garbage is collected, the init's frozen objects included.
- after each restore: `random` is re-seeded (every environment resumed from one snapshot would draw the
  same numbers; `secrets`, `uuid4` and `os.urandom` read the kernel and need nothing), and the AWS clients
  are created again: their connections were opened in another environment, and their credentials were
  the snapshot's. The service models stay loaded, so this is cheap.

`snapshot_restore_py` exists only in Lambda's Python runtime (3.12 and later): elsewhere nothing is
registered, and the functions start as they always did.
"""

import gc
import random
from collections.abc import Callable, Iterable

_names: list[str] = []
_registered: list[bool] = []
_also_before_snapshot: list[Callable[[], object]] = []


def also_before_snapshot(work: Callable[[], object]) -> None:
    """Work an on-demand init leaves to first use, which a snapshot should hold done (a deprecated
    version's models)."""
    _also_before_snapshot.append(work)


def needs() -> tuple[str, ...]:
    """The settings whose clients the hooks create: those the function required at init."""
    return tuple(_names)


def before_snapshot() -> None:
    from export_api.repositories import aws
    from export_api.settings import get_settings
    from export_api.startup import create_clients

    create_clients(get_settings(), _names)
    for work in _also_before_snapshot:
        work()
    aws.forget_secrets()
    # One snapshot serves many restores: a full collection is worth it here, over what the init froze too
    # (export_api.collector), so that the snapshot holds no garbage. Frozen again for the restores' requests.
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def after_restore() -> None:
    from export_api.repositories import aws
    from export_api.settings import get_settings
    from export_api.startup import create_clients

    random.seed()
    aws.reset_clients()
    create_clients(get_settings(), _names)


def register(names: Iterable[str]) -> bool:
    """Remember `names` and register the hooks with Lambda's runtime (once per process).

    Returns whether the runtime took them (False outside Lambda's Python runtime).
    """
    _names.extend(name for name in names if name not in _names)
    if _registered:
        return _registered[0]
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:  # not Lambda's Python runtime: tests, local tooling
        _registered.append(False)
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    _registered.append(True)
    return True
