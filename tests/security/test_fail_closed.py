"""No secret or table name has a default in the layer: a function on Lambda without its configuration
refuses to start (export_api.bootstrap), with one ERROR line naming what is missing."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from export_api.settings import MissingConfiguration, Settings

from export_api_local.template import ROOT, function_handler_path, resources_of_type

CONFIGURATION = (
    "JOBS_TABLE_NAME",
    "ITEMS_TABLE_NAME",
    "IDEMPOTENCY_TABLE_NAME",
    "CREDENTIALS_TABLE_NAME",
    "CURSOR_SECRET_ARN",
    "JWT_PUBLIC_KEYS_ARN",
    "STATE_MACHINE_ARN",
)
FUNCTIONS = sorted(resources_of_type("AWS::Serverless::Function"))


def _bare_environment(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if k not in CONFIGURATION and not k.startswith("JWT_")}
    return {**kept, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared")]), **extra}


def test_settings_have_no_default_secret_or_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CONFIGURATION:
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    for name in ("jobs_table_name", "items_table_name", "credentials_table_name", "cursor_secret_arn"):
        with pytest.raises(MissingConfiguration, match=name.upper()):
            settings.required(name)
    assert not any("secret" in str(v).lower() for v in dataclasses.asdict(settings).values() if isinstance(v, str))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_without_its_configuration_refuses_to_start_on_lambda(function: str) -> None:
    module, attribute = function_handler_path(function)
    probe = f"import {module} as m; print('STARTED', callable(m.{attribute}))"
    started = subprocess.run(
        [sys.executable, "-c", probe],
        env=_bare_environment(AWS_LAMBDA_FUNCTION_NAME=function),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0, started.stdout
    assert "STARTED" not in started.stdout
    (line,) = [json.loads(x) for x in started.stdout.splitlines() if x.startswith("{") and "Refusing" in x]
    assert line["level"] == "ERROR"
    assert line["missing_configuration"], line
    assert all(name in line["message"] for name in line["missing_configuration"])


def test_outside_lambda_a_function_module_still_imports() -> None:
    # Tests and local tooling import handlers before provisioning: nothing is checked at import there.
    module, _ = function_handler_path("ExportJobsFunction")
    imported = subprocess.run(
        [sys.executable, "-c", f"import {module}; print('ok')"],
        env=_bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert imported.stdout.strip().endswith("ok"), imported.stderr[-2000:]
