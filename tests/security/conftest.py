# The auth tests' fixtures (credentials table, two tenants with a job each, API keys) and the
# workflow's (a real ExportJobLifecycle execution per job).
from tests.auth.conftest import api_keys, credentials_table, tenants
from tests.workflow.conftest import lifecycle

__all__ = ["api_keys", "credentials_table", "lifecycle", "tenants"]
