"""A realistic demo school, with the legacy-data gaps a real migration finds.

The gaps (memberships without an enrollment, inactive enrollments under active memberships, a
teacher inside a team) are written directly, bypassing the roster service on purpose: they
imitate what the legacy platform left behind, so the enrollment audit has something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.auth.passwords import hash_password
from teameval.demo_assessments import (
    DemoAssessments,
    build_demo_assessments,
    remove_demo_assessments,
)
from teameval.demo_legacy_watch import build_demo_legacy_watch, remove_demo_legacy_watch
from teameval.demo_peer import DemoPeer, build_demo_peer, remove_demo_peer
from teameval.demo_projects import DemoProjects, build_demo_projects
from teameval.kit.normalise import full_name
from teameval.models import (
    AssessmentResult,
    AuditLog,
    Course,
    CourseEnrollment,
    Group,
    GroupMember,
    MigrationRun,
    Project,
    ProjectTeam,
    ProjectTeamMember,
    Role,
    School,
    TeacherCourse,
    User,
)
from teameval.roster.courses import enrollments
from teameval.roster.legacy.adapter.presence import tables_present

DEMO_SLUG = "demo"
DEMO_PASSWORDS = {
    "admin": "demo-admin-pass",
    "teacher": "demo-teacher-pass",
    "student": "demo-student-pass",
}
_FIRST = [
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fenna",
    "Lars",
    "Julia",
    "Sem",
    "Noor",
    "Luuk",
    "Sophie",
    "Milan",
    "Tess",
    "Finn",
    "Zoë",
    "Jesse",
    "Lotte",
    "Thijs",
    "Sara",
    "Ruben",
]
_PREFIX = ["", "", "", "van", "de", "van der", "van den", "", "ter", ""]
_LAST = [
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dijkstra",
    "Berg",
    "Kok",
    "Brouwer",
    "Dekker",
    "Wit",
]
_COURSES = [
    ("OO-4A", "Onderzoeken & Ontwerpen 4A", "2026-S1", "havo 4"),
    ("OO-4B", "Onderzoeken & Ontwerpen 4B", "2026-S1", "havo 4"),
    ("NLT-5", "Natuur, Leven en Technologie 5", "2026-S1", "vwo 5"),
    ("BSM-3", "Bewegen, Sport en Maatschappij 3", "2026-S2", "havo 3"),
]
STUDENT_COUNT = 60
TEAM_SIZE = 4


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class DemoSummary:
    school_slug: str
    logins: list[DemoLogin]
    students: int
    courses: int
    groups: int
    memberships_without_enrollment: int
    inactive_enrollments_under_teams: int
    projects: DemoProjects | None = None
    assessments: DemoAssessments | None = None
    peer: DemoPeer | None = None


def reset_demo(session: Session) -> None:
    """Remove the demo school and everything in it (the demo is the only school ever deleted)."""
    school_id = session.scalar(select(School.id).where(School.slug == DEMO_SLUG))
    if school_id is None:
        return
    remove_demo_legacy_watch(session, school_id)
    remove_demo_peer(session, school_id)
    remove_demo_assessments(session, school_id)
    legacy = (GroupMember, Group) if tables_present(session) else ()
    for model in (
        AuditLog,
        MigrationRun,
        ProjectTeamMember,
        ProjectTeam,  # one statement: a version's key to its predecessor is checked at its end
        Project,
        *legacy,
        CourseEnrollment,
        TeacherCourse,
        Course,
        User,
    ):
        session.execute(delete(model).where(model.school_id == school_id))
    session.execute(delete(School).where(School.id == school_id))


def _person(rng: random.Random, index: int) -> tuple[str, str, str, str]:
    first, prefix, last = rng.choice(_FIRST), rng.choice(_PREFIX), rng.choice(_LAST)
    ascii_first = first.replace("ë", "e")
    email = f"{ascii_first}.{(prefix + last).replace(' ', '')}{index}@demo.school".lower()
    return first, prefix, last, email


def _legacy_teams(
    session: Session,
    actor: Actor,
    rng: random.Random,
    courses: list[Course],
    students: list[User],
    teacher: User,
) -> tuple[list[Group], tuple[int, int]]:
    """Each course's cohort in legacy teams, with the gaps a migration finds; the groups and
    (memberships without enrollment, inactive enrollments under a team)."""
    groups: list[Group] = []
    memberships: list[tuple[int, int]] = []
    for course in courses:
        cohort = rng.sample(students, k=rng.randint(16, 28))
        for team_number, start in enumerate(range(0, len(cohort), TEAM_SIZE), 1):
            group = Group(
                school_id=actor.school_id,
                course_id=course.id,
                name=f"{course.code} team {team_number}",
                team_number=team_number,
            )
            session.add(group)
            groups.append(group)
            session.flush()
            memberships += [(group.id, s.id) for s in cohort[start : start + TEAM_SIZE]]
    enrollments.add_to_groups(session, actor, memberships)

    # The legacy gaps: memberships whose enrollment never existed, or was later switched off.
    unenrolled = rng.sample(memberships, k=6)
    course_of = {group.id: group.course_id for group in groups}
    for group_id, student_id in unenrolled:
        session.execute(
            delete(CourseEnrollment).where(
                CourseEnrollment.course_id == course_of[group_id],
                CourseEnrollment.student_id == student_id,
            )
        )
    deactivated = rng.sample([m for m in memberships if m not in unenrolled], k=3)
    for group_id, student_id in deactivated:
        session.execute(
            update(CourseEnrollment)
            .where(
                CourseEnrollment.course_id == course_of[group_id],
                CourseEnrollment.student_id == student_id,
            )
            .values(active=False)
        )
    # A teacher who was put in a team by hand: an anomaly the backfill must never enroll.
    session.add(
        GroupMember(
            school_id=teacher.school_id,
            group_id=groups[0].id,
            course_id=groups[0].course_id,
            user_id=teacher.id,
            role_in_team="coach",
        )
    )
    return groups, (len(unenrolled), len(deactivated))


def build_demo(session: Session, seed: int = 20261125) -> DemoSummary:
    rng = random.Random(seed)
    school = School(slug=DEMO_SLUG, name="Demo College", locale="nl")  # the web UI in Dutch
    session.add(school)
    session.flush()
    actor = Actor.command_line(school.id, "demo")
    hashes = {role: hash_password(password) for role, password in DEMO_PASSWORDS.items()}

    admin = User(
        school_id=school.id,
        role=Role.ADMIN,
        email="admin@demo.school",
        name="Ada Admin",
        password_hash=hashes["admin"],
        archived=False,
    )
    teachers = [
        User(
            school_id=school.id,
            role=Role.TEACHER,
            email=f"teacher{n}@demo.school",
            name=name,
            password_hash=hashes["teacher"],
            archived=False,
        )
        for n, name in enumerate(["Tom de Leraar", "Petra Docent", "Karim El Amrani"], 1)
    ]
    students = []
    for index in range(1, STUDENT_COUNT + 1):
        first, prefix, last, email = _person(rng, index)
        students.append(
            User(
                school_id=school.id,
                role=Role.STUDENT,
                email=email,
                name=full_name(first, prefix, last),
                first_name=first,
                prefix=prefix or None,
                last_name=last,
                student_number=f"{100000 + index}",
                class_name=rng.choice(["H4a", "H4b", "V5a", "H3c"]),
                password_hash=hashes["student"],
                archived=index % 29 == 0,
            )
        )  # two archived students, still in old teams
    courses = [
        Course(school_id=school.id, code=code, name=name, period=period, level=level)
        for code, name, period, level in _COURSES
    ]
    session.add_all([admin, *teachers, *students, *courses])
    session.flush()
    session.add_all(
        [
            TeacherCourse(
                school_id=school.id, course_id=course.id, teacher_id=teachers[i % len(teachers)].id
            )
            for i, course in enumerate(courses)
        ]
    )

    groups: list[Group] = []
    gaps = (0, 0)
    if tables_present(session):
        groups, gaps = _legacy_teams(session, actor, rng, courses, students, teachers[0])
    else:  # a retired database (docs/migration.md, phase 6): the same cohorts, enrolled only
        for course in courses:
            cohort = rng.sample(students, k=rng.randint(16, 28))
            enrollments.enroll(session, actor, [(course.id, s.id) for s in cohort])
    # Students enrolled without a team, as a new term begins.
    enrollments.enroll(session, actor, [(courses[-1].id, s.id) for s in students[-5:]])
    demo_projects = build_demo_projects(session, actor)
    demo_assessments = build_demo_assessments(session, actor)
    demo_peer = build_demo_peer(session, actor, demo_assessments.published_id)
    build_demo_legacy_watch(session, school.id)  # made-up watch history (docs/migration.md)

    return DemoSummary(
        DEMO_SLUG,
        demo_logins(session, school.id),
        len(students),
        len(courses),
        len(groups),
        gaps[0],
        gaps[1],
        demo_projects,
        demo_assessments,
        demo_peer,
    )


def demo_logins(session: Session, school_id: int) -> list[DemoLogin]:
    """One login per role: the admin, the first teacher, and the first student who is not
    archived and has a published result (so `GET /me/assessments` shows one), else the first."""
    logins = []
    for role in (Role.ADMIN, Role.TEACHER, Role.STUDENT):
        has_result = exists().where(AssessmentResult.student_id == User.id)
        user = session.scalars(
            select(User)
            .where(User.school_id == school_id, User.role == role.value, User.archived.is_(False))
            .order_by(has_result.desc() if role is Role.STUDENT else User.id, User.id)
            .limit(1)
        ).first()
        if user is not None:
            logins.append(DemoLogin(role.value, user.email, DEMO_PASSWORDS[role.value], user.name))
    return logins
