"""The operator's commands: schema, schools, users, demo, serve."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
import sqlalchemy as sa

from teameval import schema
from teameval.models import CourseEnrollment, Group, GroupMember, School, User
from tests.cli_helpers import run_cli, run_teameval
from tests.legacy_modes import legacy_test_mode


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("serve", "demo", "db", "schools", "users", "audit", "backfill", "import"):
        assert command in result.output


def test_db_upgrade_then_current(empty_db_url: str) -> None:
    behind = run_cli("db", "current", "--database-url", empty_db_url, "--json")
    assert behind.exit_code == 1
    assert json.loads(behind.output) == {
        "current": None,
        "head": schema.head_revision(),
        "up_to_date": False,
    }
    assert run_cli("db", "upgrade", "--database-url", empty_db_url).exit_code == 0
    current = run_cli("db", "current", "--database-url", empty_db_url, "--json")
    assert current.exit_code == 0
    assert json.loads(current.output)["up_to_date"] is True
    assert run_cli("db", "check", "--database-url", empty_db_url).exit_code == 0


@pytest.mark.parametrize(
    "command",
    [
        ["db", "current"],
        ["db", "upgrade"],
        ["demo"],
        ["schools", "create", "--slug", "x", "--name", "X"],
    ],
)
def test_unreachable_database_exits_3(command: list[str]) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = run_cli(*command, "--database-url", url)
    assert result.exit_code == 3
    assert "cannot use the database" in result.output


def test_create_school_and_users_with_password_on_stdin(db_url: str, engine: sa.Engine) -> None:
    created = run_cli(
        "schools",
        "create",
        "--slug",
        "Hillside",
        "--name",
        "Hillside  College",
        "--database-url",
        db_url,
        "--json",
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["slug"] == "hillside"
    user = run_cli(
        "users",
        "create",
        "--school",
        "hillside",
        "--role",
        "admin",
        "--email",
        " Ada@Example.ORG ",
        "--name",
        "Ada",
        "--database-url",
        db_url,
        "--json",
        input="s3cret-passphrase\n",
    )
    assert user.exit_code == 0, user.output
    assert json.loads(user.output)["email"] == "ada@example.org"
    with engine.connect() as connection:
        stored = connection.execute(sa.select(User.email, User.password_hash)).one()
    assert stored.email == "ada@example.org"
    assert stored.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "ada@example.org"], "already exists"),
        (["--email", "not-an-email"], "Invalid email"),
    ],
)
def test_create_user_errors_are_one_line_and_exit_1(
    db_url: str, args: list[str], message: str
) -> None:
    run_cli("schools", "create", "--slug", "hs", "--name", "HS", "--database-url", db_url)
    base = [
        "users",
        "create",
        "--school",
        "hs",
        "--role",
        "teacher",
        "--name",
        "T",
        "--database-url",
        db_url,
    ]
    run_cli(*base, "--email", "ada@example.org", input="long-enough-pw\n")
    result = run_cli(*base, *args, input="long-enough-pw\n")
    assert result.exit_code == 1
    assert message in result.output


def test_short_password_and_unknown_school_are_refused(db_url: str) -> None:
    run_cli("schools", "create", "--slug", "hs", "--name", "HS", "--database-url", db_url)
    base = [
        "users",
        "create",
        "--role",
        "admin",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--database-url",
        db_url,
    ]
    short = run_cli(*base, "--school", "hs", input="short\n")
    assert short.exit_code == 1
    assert "at least 8" in short.output
    # The login body refuses control characters, so such a password could never sign in.
    controlled = run_cli(*base, "--school", "hs", input="long-enough\x07pw\n")
    assert controlled.exit_code == 1
    assert "must not contain control characters (found control character U+0007" in (
        controlled.output
    )
    unknown = run_cli(*base, "--school", "nope", input="long-enough-pw\n")
    assert unknown.exit_code == 1
    assert "No school" in unknown.output


def test_demo_builds_a_school_with_deliberate_gaps(db_url: str, engine: sa.Engine) -> None:
    """With the legacy tables the demo leaves the gaps the enrollment audit finds; on a retired
    database (the suite's retired pass) it builds the same school without legacy teams."""
    env = {"TEAMEVAL_DATABASE_URL": db_url}
    result = run_cli("demo", env=env)
    assert result.exit_code == 0, result.output
    assert "admin@demo.school" in result.output
    retired = legacy_test_mode() == "retired"
    with engine.connect() as connection:
        students = connection.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.role == "student")
        )
        enrolled = connection.scalar(
            sa.select(sa.func.count(sa.distinct(CourseEnrollment.student_id)))
        )
        memberships_without_enrollment = (
            None
            if retired
            else connection.scalar(
                sa.select(sa.func.count())
                .select_from(GroupMember)
                .join(Group, Group.id == GroupMember.group_id)
                .join(User, User.id == GroupMember.user_id)
                .where(
                    User.role == "student",
                    ~sa.exists().where(
                        CourseEnrollment.student_id == GroupMember.user_id,
                        CourseEnrollment.course_id == Group.course_id,
                    ),
                )
            )
        )
    assert students == 60
    assert (enrolled or 0) > 40
    assert memberships_without_enrollment == (None if retired else 6)
    again = run_cli("demo", env=env)
    assert "already there" in again.output
    assert "demo-student-pass" in again.output  # every role's login is shown again
    reset = run_cli("demo", "--reset", env=env)
    assert reset.exit_code == 0
    with engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(School)) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_served_api_lets_a_cli_created_admin_log_in(db_url: str) -> None:
    """End to end, as an operator: migrate, create a school and admin, serve, log in, /me."""
    env = {"TEAMEVAL_DATABASE_URL": db_url, "TEAMEVAL_SECRET_KEY": "e2e-" + "k" * 40}
    assert (
        run_teameval("schools", "create", "--slug", "e2e", "--name", "E2E", env=env).returncode == 0
    )
    created = run_teameval(
        "users",
        "create",
        "--school",
        "e2e",
        "--role",
        "admin",
        "--email",
        "root@e2e.org",
        "--name",
        "Root",
        env=env,
        input="a-long-password\n",
    )
    assert created.returncode == 0, created.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "teameval", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(150):  # bounded: at most ~30 s for the server to come up
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("server did not come up")
        token = httpx.post(
            f"{base}/auth/login",
            json={"school": "e2e", "email": "root@e2e.org", "password": "a-long-password"},
        ).json()["access_token"]
        me = httpx.get(f"{base}/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["email"] == "root@e2e.org"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_a_database_behind_the_migrations(empty_db_url: str) -> None:
    result = run_teameval(
        "serve", env={"TEAMEVAL_DATABASE_URL": empty_db_url, "TEAMEVAL_SECRET_KEY": "k" * 40}
    )
    assert result.returncode == 1
    assert "teameval db upgrade" in result.stderr
