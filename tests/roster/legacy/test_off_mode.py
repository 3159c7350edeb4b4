"""``TEAMEVAL_LEGACY_GROUPS=off``, exactly (the adapter's docstring): proved on full table contents.

Every row of ``groups`` and ``group_members`` (all columns) is read before and after every roster
route (the whole route table, in order) and every roster command that could touch them, run with
legacy teams off. ``groups`` must be identical; ``group_members`` identical except exactly the
memberships of students whose enrollment ended, which are deactivated (invariant 2). Counting
rows, as the older test did, cannot see an UPDATE; this comparison does.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from teameval.models import Course, CourseEnrollment, Group, GroupMember, Role, User
from tests.cli_helpers import run_cli
from tests.factories import make_group, make_user
from tests.roster.conftest import API, RosterWorld, app_client, bearer
from tests.roster.db_checks import audit_actions, last_audit_id
from tests.roster.import_helpers import csv_bytes, post_import
from tests.roster.routes_table import ROUTES, Route, call

pytestmark = pytest.mark.legacy  # compares the legacy tables' rows; sets legacy groups off itself

Factory = sessionmaker[Session]
Rows = dict[int, dict[str, Any]]


def _table(factory: Factory, model: type[Group] | type[GroupMember]) -> Rows:
    """Every row of the table, every column, by id."""
    table: sa.Table = model.__table__  # type: ignore[assignment]
    with factory() as session:
        return {row["id"]: dict(row) for row in session.execute(sa.select(table)).mappings()}


class Legacy:
    """The north school's extra legacy rows: each student enrolled in both courses."""

    def __init__(self, factory: Factory, worlds: RosterWorld) -> None:
        north = worlds.north
        with factory.begin() as session:
            course = session.get(Course, north.course.id)
            other = session.get(Course, north.other_course.id)
            assert course is not None
            assert other is not None
            school = north.school
            self.people = {
                name: make_user(session, school, Role.STUDENT, f"{name}@north.nl")
                for name in ("carol", "dave", "gina", "hank")
            }
            for user in self.people.values():
                for c in (course, other):
                    session.add(
                        CourseEnrollment(school_id=school.id, course_id=c.id, student_id=user.id)
                    )
            team2, team4 = make_group(session, course, 2), make_group(session, course, 4)
            make_group(session, course, 5)  # no members
            other_team1 = make_group(session, other, 1)
            self.group_ids = {"team1": worlds.north_group.id, "team2": team2.id, "team4": team4.id}
            members = [
                (worlds.north_group, north.student, True),  # from build_worlds, already there
                (worlds.north_group, self.people["dave"], True),
                (worlds.north_group, self.people["carol"], False),  # left team 1 long ago
                (team2, north.other_student, False),  # left team 2, not enrolled
                (team2, self.people["carol"], True),
                (team2, self.people["gina"], True),
                (team4, self.people["hank"], True),
                (other_team1, self.people["dave"], True),  # NLT-5: stays active throughout
            ]
            for group, user, active in members[1:]:
                session.add(
                    GroupMember(
                        school_id=school.id,
                        group_id=group.id,
                        course_id=group.course_id,
                        user_id=user.id,
                        active=active,
                    )
                )
            self.ids = {name: user.id for name, user in self.people.items()}


def _beyond_the_roster(route: Route) -> bool:
    return route.path.startswith(BEYOND_THE_ROSTER)


BEYOND_THE_ROSTER = (
    "/projects",
    "/courses/{N.course.id}/projects",
    "/me/projects",
    "/rubrics",
    "/grade-policy",
    "/courses/{N.course.id}/grade-policy",
    "/assessments",
    "/me/assessments",
)


def _membership_id(factory: Factory, group_id: int, user_id: int) -> int:
    with factory() as session:
        found = session.scalar(
            sa.select(GroupMember.id).where(
                GroupMember.group_id == group_id, GroupMember.user_id == user_id
            )
        )
        assert found is not None
        return found


def test_off_writes_no_legacy_row_but_ends_memberships_with_enrollments(
    db_url: str, session_factory: Factory, worlds: RosterWorld, tmp_path: Path
) -> None:
    north = worlds.north
    legacy = Legacy(session_factory, worlds)
    team1, team2, team4 = (legacy.group_ids[t] for t in ("team1", "team2", "team4"))
    ids = legacy.ids
    # Exactly these memberships must end: their students leave OO-4A on the way below.
    ending = {
        _membership_id(session_factory, team1, north.student.id),  # route table: unenroll
        _membership_id(session_factory, team1, ids["dave"]),  # PATCH with courses
        _membership_id(session_factory, team2, ids["carol"]),  # DELETE from the course
        _membership_id(session_factory, team2, ids["gina"]),  # import commit (HTTP)
        _membership_id(session_factory, team4, ids["hank"]),  # import commit (command)
    }
    groups_before = _table(session_factory, Group)
    members_before = _table(session_factory, GroupMember)
    assert len(groups_before) == 6
    assert len(members_before) == 9
    first_audit = last_audit_id(session_factory)
    admin = bearer(north, "admin")

    with app_client(db_url, legacy_groups="off") as client:
        # Every route once: legacy ones are 410 Gone. The project, rubric and assessment routes
        # first, while ``student`` is still enrolled (the roster routes below unenroll them).
        in_order = sorted(ROUTES, key=lambda route: not _beyond_the_roster(route))
        for route in in_order:
            response = call(client, worlds, route.method, route.path, route.body, admin)
            expected = 410 if route.legacy else route.ok
            assert response.status_code == expected, (route.name, response.text)

        teams = [{"course": "OO-4A", "team_number": 2}]
        refused = [
            client.post(
                f"{API}/admin/students",
                json={"email": "t@north.nl", "name": "T", "courses": ["OO-4A"], "teams": teams},
                headers=admin,
            ),
            client.patch(
                f"{API}/admin/students/{north.other_student.id}",
                json={"courses": ["OO-4A"], "teams": teams},
                headers=admin,
            ),
        ]
        for response in refused:
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == "teams"

        changed = client.patch(
            f"{API}/admin/students/{ids['dave']}", json={"courses": ["NLT-5"]}, headers=admin
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["teams"] == []  # still in NLT-5 team 1, but not shown
        # Enrolled again: the inactive team-2 membership stays inactive.
        again = client.patch(
            f"{API}/admin/students/{north.other_student.id}",
            json={"courses": ["OO-4A", "NLT-5"]},
            headers=admin,
        )
        assert again.status_code == 200, again.text
        back = client.post(
            f"{API}/courses/{north.course.id}/students",
            json={"student_id": north.student.id},
            headers=admin,
        )
        assert back.status_code == 200, back.text
        assert (back.json()["team_number"], back.json()["group_id"]) == (None, None)
        made = client.post(
            f"{API}/courses/{north.course.id}/students",
            json={"email": "newbie@north.nl", "name": "Newbie"},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        gone = client.delete(
            f"{API}/courses/{north.course.id}/students/{ids['carol']}", headers=admin
        )
        assert gone.status_code == 204

        rows = [
            ["email", "name", "courses", "team"],
            ["gina@north.nl", "Gina", "NLT-5", "6"],  # would create NLT-5 team 6
            ["erin@north.nl", "Erin", "OO-4A", "1"],  # would join team 1
            [north.other_student.email, "Student2", "OO-4A", "2"],  # would reactivate
        ]
        preview = post_import(client, admin, csv_bytes(rows))
        assert preview.status_code == 200, preview.text
        committed = post_import(client, admin, csv_bytes(rows), mode="commit")
        assert committed.status_code == 200, committed.text
        assert committed.json()["committed"] is True
        assert any("team column was ignored" in w for w in committed.json()["warnings"])

        exported = client.get(f"{API}/admin/students/export.csv", headers=admin)
        assert exported.status_code == 200
        header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert "team" not in header
        assert "courses" in header

        roster = client.get(f"{API}/courses/{north.course.id}/students", headers=admin).json()
        assert roster["items"]
        assert all((e["team_number"], e["group_id"]) == (None, None) for e in roster["items"])
        listed = client.get(f"{API}/admin/students", headers=admin).json()["items"]
        assert listed
        assert all(student["teams"] == [] for student in listed)

    command_rows = [
        ["email", "name", "courses", "team"],
        ["hank@north.nl", "Hank", "NLT-5", "1"],  # would join NLT-5 team 1
        [north.other_student.email, "Student2", "OO-4A|NLT-5", "2"],  # would reactivate
        ["ivy@north.nl", "Ivy", "OO-4A", "9"],  # would create OO-4A team 9
    ]
    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes(command_rows))
    for options in ((), ("--commit",)):
        result = run_cli(
            "import",
            "students",
            str(path),
            "--school",
            north.school.slug,
            "--database-url",
            db_url,
            *options,
            env={"TEAMEVAL_LEGACY_GROUPS": "off"},
        )
        assert result.exit_code == 0, result.output

    # groups: every row, every column, identical.
    assert _table(session_factory, Group) == groups_before
    # group_members: identical except exactly the memberships that ended, deactivated.
    members_after = _table(session_factory, GroupMember)
    assert members_after.keys() == members_before.keys()
    differ = {i for i, row in members_after.items() if row != members_before[i]}
    assert differ == ending
    for row_id in ending:
        before, after = members_before[row_id], members_after[row_id]
        assert before["active"] is True
        assert after["active"] is False
        assert after["updated_at"] != before["updated_at"]
        assert {k: v for k, v in after.items() if k not in ("active", "updated_at")} == {
            k: v for k, v in before.items() if k not in ("active", "updated_at")
        }
    # ... and the audit trail says the same: only those deactivations, in the legacy tables.
    legacy_actions = [
        action
        for action in audit_actions(session_factory, north.school.id, first_audit)
        if action.startswith("group")
    ]
    assert legacy_actions == ["group_member.deactivated"] * len(ending)
    # The enrollments did change (the comparison above is not vacuous).
    with session_factory() as session:
        erin = session.scalar(sa.select(User.id).where(User.email == "erin@north.nl"))
        enrolled = session.scalar(
            sa.select(CourseEnrollment.active).where(
                CourseEnrollment.student_id == erin, CourseEnrollment.course_id == north.course.id
            )
        )
    assert enrolled is True
