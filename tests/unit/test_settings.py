"""Settings from the environment: keyword arguments win, values are checked, errors name the variable."""

import dataclasses

import pytest
from export_api.settings import InvalidConfiguration, MissingConfiguration, Settings


def test_each_setting_comes_from_its_variable_and_a_keyword_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBS_TABLE_NAME", "jobs-from-env")
    monkeypatch.setenv("JOB_EXPIRES_IN_SECONDS", "120")
    monkeypatch.setenv("WEBHOOK_LOCAL_MODE", "true")
    settings = Settings(job_expires_in_seconds=60)
    assert settings.jobs_table_name == "jobs-from-env"
    assert settings.job_expires_in_seconds == 60
    assert settings.webhook_local_mode is True
    assert Settings().job_expires_in_seconds == 120


def test_an_unset_or_empty_optional_setting_is_none_and_required_refuses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    monkeypatch.delenv("ITEMS_TABLE_NAME", raising=False)
    settings = Settings()
    assert settings.public_base_url is None
    with pytest.raises(MissingConfiguration, match="ITEMS_TABLE_NAME is not set"):
        settings.required("items_table_name")
    assert settings.missing(["items_table_name", "api_base_path"]) == ["ITEMS_TABLE_NAME"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JOB_EXPIRES_IN_SECONDS", "soon", "JOB_EXPIRES_IN_SECONDS must be an integer, not 'soon'"),
        ("JOB_EXPIRES_IN_SECONDS", "0", "JOB_EXPIRES_IN_SECONDS must be at least 1, not 0"),
        ("JOBS_TABLE_NAME", "j", "JOBS_TABLE_NAME must be at least 3 characters"),
        ("PUBLIC_BASE_URL", "api.example.com", "PUBLIC_BASE_URL must match"),
        ("WEBHOOK_RETRY_SCHEDULE", "5,,10", "WEBHOOK_RETRY_SCHEDULE must match"),
        ("WEBHOOK_LOCAL_MODE", "maybe", "WEBHOOK_LOCAL_MODE must be true or false, not 'maybe'"),
        ("TEST_HELPERS", "on", "TEST_HELPERS must be one of enabled, disabled, not 'on'"),
    ],
)
def test_a_value_a_setting_cannot_take_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidConfiguration, match=message):
        Settings()


def test_keyword_arguments_and_replace_are_checked_too() -> None:
    with pytest.raises(InvalidConfiguration, match="MAX_PAGE_LIMIT must be at least 1, not 0"):
        Settings(max_page_limit=0)
    settings = Settings(job_stuck_timeout_seconds=30)
    assert dataclasses.replace(settings, max_page_offset=10).job_stuck_timeout_seconds == 30
    with pytest.raises(InvalidConfiguration):
        dataclasses.replace(settings, max_page_offset=-1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_page_limit = 5  # type: ignore[misc]
