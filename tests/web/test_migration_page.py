"""The migration status page (admin): the phase 1 audit's figures and the backfill's dry-run
plan for the admin's school, the same as ``teameval audit enrollments`` and ``teameval backfill
enrollments`` (without ``--commit``) report; it writes nothing; recorded runs; phase 2's audit
(``teameval audit assessments``: the finished state on our schema) and the commands for a
legacy database; constant statements; Dutch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.migration.phase1.audit import audit_enrollments
from teameval.migration.phase1.backfill import plan_backfill
from teameval.migration.phase2.audit import audit_assessments
from teameval.models import (
    AccessShadowCount,
    CourseEnrollment,
    GroupMember,
    LegacyUsageCount,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    Role,
    RubricCriterion,
    User,
)
from teameval.roster.legacy.watch import shadow_switch
from teameval.roster.legacy.watch.counts import utc_today
from tests.assessments.lifecycle.factories import make_assessment
from tests.factories import enroll, make_group, make_user
from tests.migration.conftest import cli
from tests.roster.conftest import RosterWorld
from tests.web.conftest import PageClient
from tests.web.html_checks import page_problems

# The page's phase 1 and 2 figures come from legacy teams these tests write on purpose.
pytestmark = pytest.mark.legacy

Pages = Callable[..., PageClient]
FIGURE = re.compile(r'data-(figure|plan)="([a-z_]+)">([^<]*)<')
PHASE2 = re.compile(r'data-phase2="([a-z_]+)">([^<]*)<')


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


@pytest.fixture
def _watch_mode_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The legacy watch re-reads the database's legacy mode at most once a minute per process:
    a statement count must not depend on whether a minute went by."""
    monkeypatch.setattr(shadow_switch, "RECHECK_SECONDS", float("inf"))


def _warm(client: PageClient) -> None:
    """One request first, so the watch's once-a-process read of the mode is behind us."""
    assert client.get("/migration").status_code == 200


@pytest.mark.usefixtures("_watch_mode_read_once")
def test_only_admins_and_constant_statements(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    for role in ("teacher", "student"):
        assert pages_for(role).get("/migration", params={"run": "1"}).status_code == 403
    admin = pages_for("admin")
    _warm(admin)
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


def _phase2(html: str) -> dict[str, str]:
    return {name: value.strip() for name, value in PHASE2.findall(html)}


def _scored(
    factory: sessionmaker[Session], worlds: RosterWorld, count: int, *, south: bool = False
) -> None:
    """``count`` assessments of the world's project (north's, or south's), each linking its
    team 1 and holding a team score on every criterion of the rubric: on our schema every score
    row is keyed by its project team from the start."""
    project, rubric, team = (
        (worlds.south_project, worlds.south_rubric, worlds.south_team)
        if south
        else (worlds.north_project, worlds.north_rubric, worlds.north_team)
    )
    with factory.begin() as session:
        criteria = session.scalars(
            select(RubricCriterion.id).where(RubricCriterion.rubric_id == rubric.id)
        ).all()
        for n in range(count):
            assessment = make_assessment(
                session, session.merge(project), session.merge(rubric), title=f"Sprint {n}"
            )
            session.add_all(
                ProjectAssessmentScore(
                    school_id=project.school_id,
                    assessment_id=assessment.id,
                    rubric_id=rubric.id,
                    criterion_id=criterion,
                    project_team_id=team.id,
                    score=3,
                )
                for criterion in criteria
            )


def _assessment_rows(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    """Every assessment, link and score row, in full: the page must change none of them."""
    with factory() as session:
        return [
            tuple(row)
            for model in (ProjectAssessment, ProjectAssessmentTeam, ProjectAssessmentScore)
            for row in session.execute(
                select(*model.__table__.columns).order_by(model.__table__.c.id)
            )
        ]


def test_phase_2_shows_the_finished_state_of_our_schema(
    pages_for: Pages,
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    db_url: str,
) -> None:
    _scored(session_factory, worlds, 3)
    _scored(session_factory, worlds, 2, south=True)  # another school's: not counted
    school_id = worlds.north.school.id
    before = _assessment_rows(session_factory)
    admin = pages_for("admin")
    idle = admin.get("/migration")
    assert "Phase 2: assessments keyed by project team" in idle.text
    assert _phase2(idle.text) == {}  # the audit runs only on demand
    assert f"teameval backfill assessments --school {school_id} --decisions" in idle.text
    page = admin.get("/migration", params={"run": "1"})
    assert page.status_code == 200
    assert page_problems(page.text) == []
    shown = _phase2(page.text)
    with session_factory() as session:
        audit = audit_assessments(
            session.connection(), school_id=school_id, sample_limit=0
        ).to_json()
    # North: the world's draft assessment (no scores) and three with a team score on each of
    # the rubric's two criteria; every team and score row keyed by project team.
    assert (audit["assessments"], audit["score_rows"], audit["scores_mapped"]) == (4, 6, 6)
    assert audit["mapped"] == audit["team_keys"] > 0
    assert shown == {
        "assessments": "4",
        "score_rows": "6",
        "team_keys": str(audit["team_keys"]),
        "mapped": str(audit["team_keys"]),
        "to_link": "0",
        "to_create": "0",
        "unmapped": "0",
        "scores_mapped": "6",
        "scores_unmapped": "0",
        "duplicate_team_scores": "0",
        "override_not_member": "0",
    }
    section = page.text[page.text.index('id="assessments-heading"') :]
    assert "Pass" in section
    assert "nothing left to migrate" in section
    # The same figures as the command line's JSON.
    reported = cli(
        "audit", "assessments", "--database-url", db_url, "--school", str(school_id), "--json"
    )
    assert reported.exit_code == 0
    document = reported.json()
    assert document["status"] == "PASS"
    assert {
        name: str(document[name])
        for name in ("assessments", "score_rows", "team_keys", "mapped", "to_link", "to_create")
    } == {
        name: shown[name]
        for name in ("assessments", "score_rows", "team_keys", "mapped", "to_link", "to_create")
    }
    assert str(sum(document["unmapped"].values())) == shown["unmapped"]
    # South's admin sees south's figures only.
    south = _phase2(pages_for("admin", school="south").get("/migration", params={"run": "1"}).text)
    assert (south["assessments"], south["score_rows"]) == ("3", "4")
    assert _assessment_rows(session_factory) == before  # the page wrote nothing


@pytest.mark.usefixtures("_watch_mode_read_once")
def test_phase_2_statements_do_not_grow_with_the_data(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    admin = pages_for("admin")
    _warm(admin)
    _scored(session_factory, worlds, 1)
    small_page, small = admin.statements("/migration?run=1")
    _scored(session_factory, worlds, 12)
    large_page, large = admin.statements("/migration?run=1")
    assert (_phase2(small_page.text)["score_rows"], _phase2(large_page.text)["score_rows"]) == (
        "2",
        "26",
    )
    assert len(large) == len(small)


def test_phase_2_in_dutch(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    _scored(session_factory, worlds, 2)
    page = pages_for("admin", language="nl").get("/migration", params={"run": "1"})
    assert 'lang="nl"' in page.text
    section = page.text[page.text.index('id="assessments-heading"') :]
    assert "Fase 2: beoordelingen per projectteam" in section
    assert "Geslaagd" in section
    assert "er valt niets meer over te zetten" in section
    assert "Scoreregels gekoppeld aan een projectteam" in section
    assert _phase2(page.text)["score_rows"] == "4"
    assert "Maak eerst een back-up van de database:" in section


PHASE_STATE = re.compile(r'<tr data-phase="([0-9-]+)">.*?data-state="([a-z_]+)"', re.S)
GATE_RESULT = re.compile(
    r'<tr data-gate="([a-z0-9_]+)">\s*<th scope="row">[^<]*</th>\s*'
    r'<td><span class="badge (badge-[a-z]+)">'
)
BADGE_PASSED = {"badge-ok": True, "badge-bad": False, "badge-muted": None}
GROUPS_ROUTE = "GET /api/v1/courses/{course_id}/groups"


def _states(html: str) -> dict[str, str]:
    return dict(PHASE_STATE.findall(html))


def _gates(html: str) -> list[tuple[str, bool | None]]:
    return [(name, BADGE_PASSED[badge]) for name, badge in GATE_RESULT.findall(html)]


def _watched(factory: sessionmaker[Session], worlds: RosterWorld) -> date:
    """Yesterday's shadow counts and legacy calls in north's course, and south's (not north's
    to see); returns yesterday."""
    yesterday = utc_today() - timedelta(days=1)
    with factory.begin() as session:
        for world, route, counts in (
            (worlds.north, GROUPS_ROUTE, (9, 2, 1)),
            (worlds.south, "GET /api/v1/groups/{group_id}", (4, 4, 0)),
        ):
            decisions, legacy_only, enrollment_only = counts
            session.add(
                AccessShadowCount(
                    school_id=world.school.id,
                    course_id=world.course.id,
                    day=yesterday,
                    decisions=decisions,
                    legacy_only=legacy_only,
                    enrollment_only=enrollment_only,
                )
            )
            session.add(
                LegacyUsageCount(
                    school_id=world.school.id, day=yesterday, route=route, kind="call", count=3
                )
            )
    return yesterday


def test_every_phase_as_the_command_reports_it(
    pages_for: Pages,
    worlds: RosterWorld,
    session_factory: sessionmaker[Session],
    db_url: str,
) -> None:
    yesterday = _watched(session_factory, worlds).isoformat()
    school_id, course_id = worlds.north.school.id, worlds.north.course.id
    admin = pages_for("admin")
    idle = admin.get("/migration")
    assert idle.status_code == 200
    assert page_problems(idle.text) == []
    # Without the audits: the cheap counts are there, the audited phases wait.
    assert _states(idle.text) == {
        "1": "not_run",
        "2": "done",
        "3": "open",
        "4-5": "open",
        "6": "not_run",
    }
    assert 'id="next-command"' not in idle.text
    shadow_row = re.search(
        rf'<tr data-shadow-course="{course_id}"><th scope="row">{course_id}</th>'
        r'<td class="number">(\d+)</td><td class="number">(\d+)</td><td class="number">(\d+)</td>',
        idle.text,
    )
    assert shadow_row is not None
    assert shadow_row.groups() == ("9", "2", "1")
    assert f'<tr data-shadow-day="{yesterday} {course_id}"><td>{yesterday}</td>' in idle.text
    usage_row = re.search(
        rf'<tr data-usage="call {yesterday}"><th scope="row"><code>([^<]+)</code></th>'
        rf'<td>Call of a legacy route</td><td>{yesterday}</td><td class="number">(\d+)</td>',
        idle.text,
    )
    assert usage_row is not None
    assert usage_row.groups() == (GROUPS_ROUTE, "3")
    assert "/api/v1/groups/{group_id}" not in idle.text  # south's
    # With the audits: the same states, gates and next command as the command line's.
    page = admin.get("/migration", params={"run": "1"})
    assert page.status_code == 200
    assert page_problems(page.text) == []
    document = cli(
        "migration", "status", "--database-url", db_url, "--school", str(school_id), "--json"
    ).json()
    assert _states(page.text) == {p["phase"]: p["state"] for p in document["phases"]}
    assert _gates(page.text) == [
        (gate["name"], gate["passed"]) for p in document["phases"] for gate in p["gates"]
    ]
    assert document["next_command"] == f"teameval audit access --school {school_id}"
    assert f'<code id="next-command">{document["next_command"]}</code>' in page.text
    shown_figure = re.search(
        r'<tr data-gate="shadow_quiet">.*?</span></td>\s*<td>([^<]*)</td>', page.text, re.S
    )
    assert shown_figure is not None
    assert shown_figure.group(1) == "3 disagreements in 9 decisions over the last 30 days"


def test_the_phases_in_dutch(
    pages_for: Pages, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    _watched(session_factory, worlds)
    page = pages_for("admin", language="nl").get("/migration", params={"run": "1"})
    assert page_problems(page.text) == []
    overview = page.text[
        page.text.index('id="overview-heading"') : page.text.index('id="audit-heading"')
    ]
    assert "De fasen" in overview
    assert "Toegang leest inschrijvingen, eerst bewezen" in overview
    assert "Nog werk te doen" in overview
    assert "De volgende opdracht om op de server uit te voeren" in overview
    shadow = page.text[page.text.index('id="access-heading"') :]
    assert "3 verschillen in 9 beslissingen in de laatste 30 dagen" in shadow
    assert "Aanroep van een oude route" in shadow
