"""`teameval import students`: the same service as the API, with exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import AuditLog, User
from tests.cli_helpers import run_cli
from tests.factories import SchoolWorld, make_course
from tests.roster.import_helpers import actions, csv_bytes

Factory = sessionmaker[Session]


def _file(tmp_path: Path, data: bytes, name: str = "students.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _run(db_url: str, path: str, *options: str, env: dict[str, str] | None = None) -> Any:
    return run_cli(
        "import", "students", path, "--school", "north", "--database-url", db_url, *options, env=env
    )


def _students(factory: Factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).where(User.role == "student")) or 0)


def test_preview_then_commit_then_unchanged(
    db_url: str,
    tmp_path: Path,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: Factory,
) -> None:
    path = _file(
        tmp_path,
        csv_bytes(
            [["Email", "Naam", "Klas", "Vak", "Team"], ["zoe@north.nl", "Zoë", "4A", "OO-4A", "1"]],
            delimiter=";",
            encoding="cp1252",
            newline="\r\n",
        ),
    )
    before = _students(session_factory)
    preview = _run(db_url, path, "--json")
    assert preview.exit_code == 0, preview.output
    report = json.loads(preview.stdout)
    assert (report["mode"], report["committed"], actions(report)) == ("preview", False, ["create"])
    assert _students(session_factory) == before
    committed = _run(db_url, path, "--commit", "--json")
    assert committed.exit_code == 0, committed.output
    assert json.loads(committed.stdout)["committed"] is True
    assert _students(session_factory) == before + 1
    with session_factory() as session:
        label = session.scalar(
            select(AuditLog.actor_label).where(AuditLog.action == "user.created")
        )
    assert label == "cli:import students"
    again = _run(db_url, path, "--commit", "--json")
    assert actions(json.loads(again.stdout)) == ["unchanged"]


def test_row_errors_exit_1_and_write_nothing_unless_skip_invalid(
    db_url: str,
    tmp_path: Path,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: Factory,
) -> None:
    path = _file(tmp_path, csv_bytes([["email", "name"], ["ok@north.nl", "Ok"], ["nope", "N"]]))
    before = _students(session_factory)
    result = _run(db_url, path, "--commit", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["committed"] is False
    assert report["errors"] == [
        {"line": 3, "email": "nope", "message": report["errors"][0]["message"]}
    ]
    assert _students(session_factory) == before
    human = _run(db_url, path, "--commit")
    assert human.exit_code == 1
    assert "Nothing was written" in human.stdout
    skipped = _run(db_url, path, "--commit", "--skip-invalid", "--json")
    assert skipped.exit_code == 1  # the bad row is still an error
    assert json.loads(skipped.stdout)["committed"] is True
    assert _students(session_factory) == before + 1


def test_unusable_file_exits_2(
    db_url: str, tmp_path: Path, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    no_email = _file(tmp_path, csv_bytes([["naam"], ["A"]]))
    result = _run(db_url, no_email, "--commit")
    assert result.exit_code == 2
    assert "no email column" in result.stderr
    as_json = _run(db_url, no_email, "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["type"] == "/problems/unusable-import-file"
    missing = _run(db_url, str(tmp_path / "missing.csv"), "--json")
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["type"] == "/problems/unusable-import-file"
    assert "no such file" in missing.stderr
    binary = _file(tmp_path, b"email\n\x81\x81\n", "binary.csv")
    assert _run(db_url, binary).exit_code == 2


def test_limits_come_from_the_environment_and_exit_2(
    db_url: str,
    tmp_path: Path,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: Factory,
) -> None:
    data = csv_bytes([["email", "name"], *[[f"s{i}@north.nl", "S"] for i in range(3)]])
    path = _file(tmp_path, data)
    before = _students(session_factory)
    rows = _run(db_url, path, "--commit", env={"TEAMEVAL_IMPORT_MAX_ROWS": "2"})
    assert rows.exit_code == 2
    assert "more than 2 rows" in rows.stderr
    size = _run(db_url, path, "--commit", env={"TEAMEVAL_IMPORT_MAX_BYTES": str(len(data) - 1)})
    assert size.exit_code == 2
    assert "limit" in size.stderr
    assert _students(session_factory) == before


def test_unknown_school_exits_2(db_url: str, tmp_path: Path) -> None:
    path = _file(tmp_path, csv_bytes([["email", "name"], ["a@b.nl", "A"]]))
    result = _run(db_url, path)
    assert result.exit_code == 2
    assert "No school" in result.stderr


def test_the_documented_example_file_imports_cleanly(
    db_url: str,
    tmp_path: Path,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    session_factory: Factory,
) -> None:
    with session_factory.begin() as session:
        school = session.merge(two_schools[0].school)
        make_course(session, school, "OO-4B")
        make_course(session, school, "BSM-3")
    example = Path(__file__).resolve().parents[3] / "docs" / "examples" / "students.csv"
    result = _run(db_url, str(example), "--commit", "--json")
    assert result.exit_code == 0, result.output
    assert set(actions(json.loads(result.stdout))) == {"create"}
