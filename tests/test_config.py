"""Settings come from TEAMEVAL_* variables, with safe defaults and clear refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from teameval.config import DEFAULT_DATABASE_URL, ConfigurationError, LegacyGroupsMode, Settings
from teameval.kit.normalise import (
    full_name,
    match_course_code,
    normalise_email,
    normalise_name,
)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "DEV_LOGIN", "LEGACY_GROUPS"):
        monkeypatch.delenv(f"TEAMEVAL_{name}", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.dev_login is False
    assert settings.legacy_groups is LegacyGroupsMode.DUAL_WRITE
    assert settings.token_lifetime_minutes == 60


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMEVAL_LEGACY_GROUPS", "off")
    monkeypatch.setenv("TEAMEVAL_DEV_LOGIN", "true")
    monkeypatch.setenv("TEAMEVAL_DATABASE_URL", "postgres://u@h/db")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.legacy_groups is LegacyGroupsMode.OFF
    assert settings.dev_login is True
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_unknown_legacy_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMEVAL_LEGACY_GROUPS", "sometimes")
    with pytest.raises(ValidationError, match="legacy_groups"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@given(st.emails())
def test_email_normalisation_is_idempotent_and_case_blind(email: str) -> None:
    once = normalise_email(f"  {email.upper()} ")
    assert once == normalise_email(once) == normalise_email(email)


@given(st.lists(st.text(alphabet="abc XYZ\t", max_size=8), min_size=3, max_size=3))
def test_names_have_single_spaces_and_no_edges(parts: list[str]) -> None:
    name = full_name(*parts)
    assert name == normalise_name(name)
    assert "  " not in name
    assert name == name.strip()


@pytest.mark.parametrize(
    ("typed", "stored", "expected"),
    [
        ("OO-4A", {"OO-4A": 1, "oo-4a": 2}, 1),  # exact wins
        ("oo-4A", {"OO-4A": 1, "oo-4a": 2}, None),  # ambiguous
        ("oo-4a", {"OO-4A": 1}, 1),  # the only one ignoring case
        ("NLT", {}, None),
    ],
)
def test_course_code_matching(typed: str, stored: dict[str, int], expected: int | None) -> None:
    assert match_course_code(typed, stored) == expected


def test_login_protection_defaults_and_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.login_account_max_failures, settings.login_account_window_seconds) == (5, 900)
    assert (settings.login_address_max_failures, settings.login_address_window_seconds) == (
        100,
        900,
    )
    assert settings.password_hashing_concurrency == 2
    monkeypatch.setenv("TEAMEVAL_LOGIN_ACCOUNT_MAX_FAILURES", "3")
    monkeypatch.setenv("TEAMEVAL_PASSWORD_HASHING_CONCURRENCY", "4")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.login_account_max_failures == 3
    assert settings.password_hashing_concurrency == 4
    monkeypatch.setenv("TEAMEVAL_PASSWORD_HASHING_CONCURRENCY", "0")
    with pytest.raises(ValidationError, match="password_hashing_concurrency"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_only_postgresql_requires_a_configured_key() -> None:
    assert Settings(database_url="sqlite:///x.db", secret_key=None).configured_secret_key() is None
    assert Settings(database_url="sqlite:///x.db", secret_key="k" * 40).configured_secret_key()
    with pytest.raises(ConfigurationError, match="TEAMEVAL_SECRET_KEY"):
        Settings(database_url="postgresql://h/db", secret_key=None).configured_secret_key()
