"""A pytest plugin for integrations' tests: the Export API sandbox (export_api_local.sandbox), started once
per test session on a free port and stopped when the session ends.

Installed with the project (`pip install -e .`: its `pytest11` entry point), so a test only names a fixture:

    def test_books_a_job(export_api_sandbox, export_api_company):
        job = export_api_sandbox.admin.create_job(export_api_company.company_id, {"card_purchase": 3})
        ...

- `export_api_sandbox`: the running sandbox (`base_url`, `admin`: the test helpers, `company`).
- `export_api_company`: a new company of it for the test, with its bearer token and API key, so the
  test's faults and clock are its own.

Importing this module (pytest does, for every session of a project that installs it) starts nothing.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from export_api_local.sandbox import Company, Sandbox


@pytest.fixture(scope="session")
def export_api_sandbox() -> Iterator["Sandbox"]:
    from export_api_local.sandbox import running_sandbox

    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def export_api_company(export_api_sandbox: "Sandbox") -> "Company":
    return export_api_sandbox.new_company()
