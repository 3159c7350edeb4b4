"""The migration status page (admin): the phase 1 audit's figures and the backfill's dry-run
plan for the admin's school, the same as ``teameval audit enrollments`` and ``teameval backfill
enrollments`` (without ``--commit``) report; it writes nothing; recorded runs; constant
statements; Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import plan_backfill
from teameval.models import CourseEnrollment, GroupMember, Role, User
from tests.factories import enroll, make_group, make_user
from tests.migration.conftest import cli
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

Pages = Callable[..., PageClient]
FIGURE = re.compile(r'data-(figure|plan)="([a-z_]+)">([^<]*)<')


def _shown(html: str) -> tuple[dict[str, str], dict[str, str]]:
    figures: dict[str, str] = {}
    plan: dict[str, str] = {}
    for kind, name, value in FIGURE.findall(html):
        (figures if kind == "figure" else plan)[name] = value.strip()
    return figures, plan


def _legacy_gaps(
    factory: sessionmaker[Session], worlds: RosterWorld, count: int, *, teacher: bool = True
) -> None:
    """In north's course: ``count`` students in legacy team 2 without an enrollment, one with
    an inactive enrollment, and a teacher in a team (an anomaly). Written straight to the
    tables, as a legacy database would hold them."""
    with factory.begin() as session:
        school = session.merge(worlds.north.school)
        course = session.merge(worlds.north.course)
        group = make_group(session, course, 2 + count)
        members = [
            make_user(session, school, Role.STUDENT, f"gap{count}-{n}@north.example.org")
            for n in range(count + 1)
        ]
        enroll(session, course, members[-1], active=False)
        if teacher:
            members.append(session.merge(worlds.north.other_teacher))
        for member in members:
            session.add(
                GroupMember(
                    school_id=school.id, group_id=group.id, course_id=course.id, user_id=member.id
                )
            )


def _enrollments(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(
                    CourseEnrollment.course_id, CourseEnrollment.student_id, CourseEnrollment.active
                ).order_by(CourseEnrollment.id)
            )
        ]


def test_the_page_shows_what_the_audit_and_the_dry_run_report(
    pages_for: Pages,
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    db_url: str,
) -> None:
    _legacy_gaps(session_factory, worlds, 3)
    school_id = worlds.north.school.id
    before = _enrollments(session_factory)
    admin = pages_for("admin")
    idle = admin.get("/migration")
    assert idle.status_code == 200
    assert "Run the audit" in idle.text
    assert _shown(idle.text) == ({}, {})  # the audit runs only on demand
    page = admin.get("/migration", params={"run": "1"})
    assert page.status_code == 200
    assert page_problems(page.text) == []
    figures, plan = _shown(page.text)
    # The functions the CLI runs, on a connection of their own.
    with session_factory() as session:
        audit = audit_enrollments(session.connection(), school_id=school_id, sample_limit=0)
        planned = plan_backfill(session.connection(), school_id=school_id)
    assert (audit.missing, audit.enrolled_inactive, audit.non_student_member) == (3, 1, 1)
    expected = {
        "active_memberships": audit.active_memberships,
        "unique_pairs": audit.unique_pairs,
        "non_student_member": audit.non_student_member,
        "cross_school": audit.cross_school,
        "eligible_pairs": audit.eligible_pairs,
        "enrolled_active": audit.enrolled_active,
        "enrolled_inactive": audit.enrolled_inactive,
        "missing": audit.missing,
    }
    assert figures == {
        **{name: str(value) for name, value in expected.items()},
        "coverage_percent": f"{audit.coverage_percent:g} %",
    }
    assert plan == {
        "eligible_pairs": str(planned.tally.eligible_pairs),
        "already_active": str(planned.tally.already_active),
        "to_create": "3",
        "to_reactivate": "1",
        "non_student_member": "1",
        "cross_school": "0",
        "batches": str(planned.batches),
    }
    assert "Fail" in page.text
    assert f"teameval backfill enrollments --school {school_id} --commit" in page.text
    # The same figures as the command line's JSON.
    reported = cli(
        "audit", "enrollments", "--database-url", db_url, "--school", str(school_id), "--json"
    ).json()
    anomalies = reported.pop("anomalies")
    assert {name: reported.get(name, anomalies.get(name)) for name in expected} == expected
    dry_run = cli(
        "backfill", "enrollments", "--database-url", db_url, "--school", str(school_id), "--json"
    ).json()
    assert (dry_run["to_create"], dry_run["to_reactivate"], dry_run["batches"]) == (
        3,
        1,
        planned.batches,
    )
    # Nothing was written by the page (nor by the dry run).
    assert _enrollments(session_factory) == before


def test_a_committed_backfill_is_listed_and_the_audit_then_passes_but_for_anomalies(
    pages_for: Pages,
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    db_url: str,
) -> None:
    _legacy_gaps(session_factory, worlds, 2)
    school_id = worlds.north.school.id
    admin = pages_for("admin")
    assert "No backfill has been committed for this school yet." in admin.get("/migration").text
    done = cli(
        "backfill", "enrollments", "--database-url", db_url, "--school", str(school_id), "--commit"
    )
    assert done.exit_code == 0
    page = admin.get("/migration")
    assert "Completed" in page.text
    assert "This school" in page.text
    row = re.search(
        r"Completed</span></td>\s*<td class=\"number\">(\d+)</td>\s*"
        r"<td class=\"number\">(\d+)</td>",
        page.text,
    )
    assert row is not None
    assert row.groups() == ("2", "1")  # created, reactivated
    ran = admin.get("/migration", params={"run": "1"})
    figures, _plan = _shown(ran.text)
    assert (figures["missing"], figures["enrolled_inactive"]) == ("0", "0")
    assert figures["coverage_percent"] == "100 %"
    assert "Warning" in ran.text  # the teacher in a team is left to resolve by hand
    assert "Nothing to write: the backfill would change no enrollment." in ran.text
    # South's admin sees none of north's run.
    south = pages_for("admin", school="south").get("/migration")
    assert "No backfill has been committed for this school yet." in south.text


def test_only_admins_and_constant_statements(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    for role in ("teacher", "student"):
        assert pages_for(role).get("/migration", params={"run": "1"}).status_code == 403
    admin = pages_for("admin")
    _legacy_gaps(session_factory, worlds, 1)
    _, small = admin.statements("/migration?run=1")
    _, idle_small = admin.statements("/migration")
    _legacy_gaps(session_factory, worlds, 20, teacher=False)
    page, large = admin.statements("/migration?run=1")
    _, idle_large = admin.statements("/migration")
    assert _shown(page.text)[0]["missing"] == "21"
    assert len(large) == len(small)
    assert len(idle_large) == len(idle_small)
    with session_factory() as session:
        assert session.scalar(select(User.id).where(User.email == "gap20-0@north.example.org"))


def test_the_migration_page_in_dutch(pages_for: Pages, worlds: RosterWorld) -> None:
    page = pages_for("admin", language="nl").get("/migration", params={"run": "1"})
    assert 'lang="nl"' in page.text
    assert "Controle fase 1: inschrijvingen" in page.text
    assert "Geslaagd" in page.text  # the world's one membership is enrolled
    assert "100 %" in page.text
