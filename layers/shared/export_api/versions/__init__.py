"""The API's versions: v0-v3 differ only in their schemas and the mappings to them, each version's
record (v0.py ... v3.py) names its export item (items/) and its job shapes (jobs.py).

Adding a version means adding one module here, its export item in items/, and listing it in VERSIONS.
"""

from export_api.versions import v0, v1, v2, v3
from export_api.versions.base import VersionAdapter

VERSIONS: tuple[VersionAdapter, ...] = (v0.ADAPTER, v1.ADAPTER, v2.ADAPTER, v3.ADAPTER)
#: The current version: the one integrations are written against today.
LATEST = VERSIONS[-1]

__all__ = ["LATEST", "VERSIONS", "VersionAdapter"]
