"""GET /api/v1/admin/students/export.csv: filters, escaping, roles, and the exact round trip."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from teameval.api import create_app
from teameval.config import LegacyGroupsMode, Settings
from teameval.models import AuditLog
from teameval.roster.csv.exporter import export_students
from teameval.roster.csv.importer import import_students
from teameval.roster.students.sync import StudentSpec, sync_students
from tests.conftest import login
from tests.factories import SchoolWorld
from tests.legacy_modes import legacy_groups_off
from tests.roster.import_helpers import EXPORT_URL, actions, admin_actor, post_import

Factory = sessionmaker[Session]
# The seed's legacy teams, while the suite runs with legacy groups on (tests/legacy_modes.py).
LEGACY_ON = not legacy_groups_off()


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(content[3:].decode("utf-8"), newline="")))


def _seed(factory: Factory, world: SchoolWorld) -> None:
    """Students with every kind of value the export must carry back exactly."""
    specs = [
        StudentSpec(
            email="jan@north.nl",
            first_name="Jan",
            prefix="van der",
            last_name="Berg",
            student_number="007",
            class_name="-3A",
            courses=frozenset({"OO-4A", "NLT-5"}),
            teams=frozenset({("OO-4A", 2), ("NLT-5", 2)}) if LEGACY_ON else None,
        ),
        StudentSpec(
            email="evil@north.nl",
            name='=HYPERLINK("http://x","click")',
            class_name="@home",
            student_number="+31",
            courses=frozenset({"OO-4A", "NLT-5"}),
            # Only one course has a team: not one number.
            teams=frozenset({("OO-4A", 1)}) if LEGACY_ON else None,
        ),
        StudentSpec(email="zoe@north.nl", name="Zoë d'Arc, jr.", class_name="'=x", archived=True),
    ]
    with factory.begin() as session:
        outcomes = sync_students(session, admin_actor(world), specs)
    assert [o.action for o in outcomes] == ["create"] * 3


@pytest.fixture
def north(two_schools: tuple[SchoolWorld, SchoolWorld], session_factory: Factory) -> SchoolWorld:
    _seed(session_factory, two_schools[0])
    return two_schools[0]


@pytest.fixture
def admin(client: TestClient, north: SchoolWorld) -> dict[str, str]:
    return login(client, "north", north.admin.email)


@pytest.mark.legacy
def test_export_is_an_excel_friendly_attachment(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get(EXPORT_URL, headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    today = date.today().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="students-north-{today}.csv"'
    )
    assert b"\r\n" in response.content
    rows = {row["email"]: row for row in _rows(response.content)}
    # Only students: the admin and the teachers are never in a student export.
    assert set(rows) == {
        "jan@north.nl",
        "evil@north.nl",
        "zoe@north.nl",
        "student@north.example.org",
        "student2@north.example.org",
        "gone@north.example.org",
    }
    jan = rows["jan@north.nl"]
    assert (jan["first_name"], jan["prefix"], jan["last_name"]) == ("Jan", "van der", "Berg")
    assert (jan["courses"], jan["team"], jan["status"]) == ("NLT-5|OO-4A", "2", "active")
    assert (jan["student_number"], jan["class_name"]) == ("007", "'-3A")
    assert rows["evil@north.nl"]["team"] == ""
    assert rows["zoe@north.nl"]["status"] == "archived"


def test_formula_cells_are_neutralised(client: TestClient, admin: dict[str, str]) -> None:
    rows = {r["email"]: r for r in _rows(client.get(EXPORT_URL, headers=admin).content)}
    evil = rows["evil@north.nl"]
    assert evil["name"] == '\'=HYPERLINK("http://x","click")'
    assert evil["class_name"] == "'@home"
    assert evil["student_number"] == "'+31"
    assert rows["zoe@north.nl"]["class_name"] == "''=x"
    for row in rows.values():
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("query", "emails"),
    [
        ({"q": "jan"}, {"jan@north.nl"}),
        ({"q": "-3a"}, {"jan@north.nl"}),
        ({"course": "NLT-5"}, {"jan@north.nl", "evil@north.nl"}),
        ({"status": "archived"}, {"zoe@north.nl", "gone@north.example.org"}),
        ({"status": "active", "course": "OO-4A", "q": "evil"}, {"evil@north.nl"}),
    ],
)
def test_the_list_filters_apply(
    client: TestClient, admin: dict[str, str], query: dict[str, str], emails: set[str]
) -> None:
    response = client.get(EXPORT_URL, headers=admin, params=query)
    assert response.status_code == 200, response.text
    assert {row["email"] for row in _rows(response.content)} == emails


def test_unknown_course_filter_is_422(client: TestClient, admin: dict[str, str]) -> None:
    assert client.get(EXPORT_URL, headers=admin, params={"course": "NOPE"}).status_code == 422


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_only_admins_may_export(client: TestClient, north: SchoolWorld, role: str) -> None:
    headers = login(client, "north", getattr(north, role).email)
    assert client.get(EXPORT_URL, headers=headers).status_code == 403


def test_another_school_sees_only_its_own_students(
    client: TestClient, north: SchoolWorld, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    south = two_schools[1]
    response = client.get(EXPORT_URL, headers=login(client, "south", south.admin.email))
    emails = {row["email"] for row in _rows(response.content)}
    assert emails
    assert all(email.endswith("@south.example.org") for email in emails)
    assert "students-south-" in response.headers["content-disposition"]


def test_export_then_import_changes_nothing(
    client: TestClient, admin: dict[str, str], session_factory: Factory
) -> None:
    exported = client.get(EXPORT_URL, headers=admin).content
    preview = post_import(client, admin, exported)
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["errors"] == []
    assert set(actions(report)) == {"unchanged"}, [r for r in report["rows"] if r["changes"]]
    with session_factory() as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditLog))
    committed = post_import(client, admin, exported, mode="commit").json()
    assert set(actions(committed)) == {"unchanged"}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


_counter = itertools.count()
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip())
_awkward = st.one_of(_text, st.sampled_from(["=1+1", "-3A", "@x", "+31", "'=x", "''-y", "a|b;c,d"]))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=_awkward,
    prefix=st.one_of(st.none(), _awkward),
    last=_awkward,
    name_only=st.booleans(),
    class_name=st.one_of(st.none(), _awkward),
)
def test_round_trip_of_arbitrary_names_and_classes(
    session_factory: Factory,
    two_schools: tuple[SchoolWorld, SchoolWorld],
    first: str,
    prefix: str | None,
    last: str,
    name_only: bool,
    class_name: str | None,
) -> None:
    north = two_schools[0]
    email = f"h{next(_counter)}@north.nl"
    spec = (
        StudentSpec(email=email, name=f"{first} {last}", class_name=class_name)
        if name_only
        else StudentSpec(
            email=email, first_name=first, prefix=prefix, last_name=last, class_name=class_name
        )
    )
    config = Settings(database_url="sqlite://")
    with session_factory.begin() as session:
        [created] = sync_students(session, admin_actor(north), [spec])
        assert created.action == "create", created.message
        exported = export_students(session, north.school.id, search=email)
        assert exported.rows == 1
        report = import_students(session, admin_actor(north), exported.content, config)
        assert actions(report.to_dict()) == ["unchanged"], report.rows[0].changes


def test_without_legacy_groups_the_team_column_is_left_out(
    settings: Settings, north: SchoolWorld
) -> None:
    off = settings.model_copy(update={"legacy_groups": LegacyGroupsMode.OFF})
    with TestClient(create_app(off)) as client:
        headers = login(client, "north", north.admin.email)
        exported = client.get(EXPORT_URL, headers=headers).content
        assert "team" not in _rows(exported)[0]
        report = post_import(client, headers, exported).json()
    assert set(actions(report)) == {"unchanged"}
    assert report["warnings"] == []
