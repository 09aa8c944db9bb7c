# The auth tests' fixtures (credentials table, two tenants with a job each, API keys), the console's (served
# over HTTP) and the workflow's (a real ExportJobLifecycle execution per job).
from tests.auth.conftest import api_keys, credentials_table, tenants
from tests.console.conftest import admin, console
from tests.workflow.conftest import lifecycle, pytest_configure

__all__ = ["admin", "api_keys", "console", "credentials_table", "lifecycle", "pytest_configure", "tenants"]
