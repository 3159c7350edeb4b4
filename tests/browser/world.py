"""The data the browser tests see: the demo school (Dutch, realistic, with a published
assessment) and a small English school, Riverside College, for the flows that change things.

Riverside is built through the services where the flows depend on their side effects (the
rubric, the assessment opened and so its teams locked), and straight through the ORM otherwise.
Each flow has data of its own, so the tests do not depend on their order:

- the sign-in tests use ``admin``, ``teacher`` and ``student``; the language switch uses
  ``linguist``, a student of its own (the choice is remembered for the user);
- the teams flow uses project ``Bridge building`` (two teams of three, two students without a
  team); the scoring flow uses project ``Water quality`` with an open assessment of two teams;
- the CSV import adds students with fresh email addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.assessments.lifecycle import service as lifecycle
from teameval.assessments.lifecycle.schemas import AssessmentCreate, AssessmentUpdate
from teameval.assessments.rubrics.schemas import CriterionIn, RubricCreate
from teameval.assessments.rubrics.service import create_rubric
from teameval.audit_trail import Actor
from teameval.auth.passwords import hash_password
from teameval.demo import DEMO_SLUG, DemoLogin, build_demo, demo_logins
from teameval.models import (
    AssessmentStatus,
    ProjectAssessmentTeam,
    ProjectTeam,
    Role,
    School,
    User,
)
from tests.factories import assign_teacher, enroll, make_course, make_project, make_team

SLUG = "riverside"
PASSWORD = "browser tests pass"
STUDENT_NAMES = (
    "Noor Jansen",
    "Sem Bakker",
    "Lotte Visser",
    "Daan de Vries",
    "Emma Smit",
    "Finn Meijer",
    "Sara Bos",
    "Milan Dekker",
    "Julia Mulder",
    "Thijs Kok",
)
# Scale 1 to 4, one descriptor per level, lowest first.
CRITERIA = (
    ("Collaboration", "2", ("Works alone", "Shares some tasks", "Shares the work", "One team")),
    ("Planning", "1", ("No plan", "A rough plan", "A plan followed", "Milestones kept")),
    ("Final product", "3", ("Missing", "Incomplete", "Meets the brief", "Beyond the brief")),
)


@dataclass(frozen=True)
class Login:
    school: str
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class BrowserWorld:
    admin: Login
    teacher: Login
    student: Login  # in team 1 of both projects
    linguist: Login  # switches the language (remembered for the user)
    students: dict[str, int]  # name → id, Riverside's students
    teams_project_id: int  # "Bridge building": teams 1 and 2, no assessment
    teams: dict[int, list[str]]  # team number → member names, of "Bridge building"
    unassigned: list[str]  # "Bridge building"'s students without a team
    assessment_id: int  # open, of "Water quality", two teams linked
    assessment_teams: dict[int, int]  # team number → project team id
    criteria: list[str]
    demo_student: DemoLogin  # a demo student with a published result
    demo_school: str


def _login(school: School, role: Role, email: str, name: str, session: Session) -> Login:
    user = User(
        school_id=school.id,
        role=role.value,
        email=email,
        name=name,
        password_hash=_hash(),
        archived=False,
    )
    session.add(user)
    session.flush()
    return Login(school.slug, email, PASSWORD, name)


@cache
def _hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: once per process


def build_browser_world(session: Session) -> BrowserWorld:
    summary = build_demo(session)
    demo_school_id = session.scalars(select(School.id).where(School.slug == DEMO_SLUG)).one()
    demo_student = next(
        login for login in demo_logins(session, demo_school_id) if login.role == "student"
    )

    school = School(slug=SLUG, name="Riverside College", locale="en")
    session.add(school)
    session.flush()
    admin = _login(school, Role.ADMIN, "admin@riverside.example.org", "Alex Admin", session)
    teacher = _login(school, Role.TEACHER, "teacher@riverside.example.org", "Tara Teach", session)
    linguist = _login(school, Role.STUDENT, "lena@riverside.example.org", "Lena Linguist", session)
    students = []
    for name in STUDENT_NAMES:
        email = name.lower().replace(" ", ".") + "@riverside.example.org"
        students.append(_login(school, Role.STUDENT, email, name, session))
    users = {
        user.name: user
        for user in session.scalars(select(User).where(User.school_id == school.id)).all()
    }
    teacher_user = users[teacher.name]
    course = make_course(session, school, "RD-4A", "Research & Design 4A")
    assign_teacher(session, course, teacher_user)
    enroll(session, course, *(users[s.name] for s in students), users[linguist.name])
    by_name = [users[name] for name in STUDENT_NAMES]

    bridge = make_project(session, course, "Bridge building")
    teams = {1: by_name[0:3], 2: by_name[3:6]}
    for number, members in teams.items():
        make_team(session, bridge, number, *members)

    water = make_project(session, course, "Water quality")
    for number, members in {1: by_name[0:3], 2: by_name[6:9]}.items():
        make_team(session, water, number, *members)
    actor = Actor(school_id=school.id, user_id=teacher_user.id, label=f"user:{teacher_user.id}")
    rubric = create_rubric(
        session,
        actor,
        RubricCreate(
            title="Team project rubric",
            description="Process and product of a team project.",
            scope="project",
            scale_min=1,
            scale_max=4,
            criteria=[
                CriterionIn(name=name, weight=weight, descriptors=list(levels))
                for name, weight, levels in CRITERIA
            ],
        ),
    )
    assessment = lifecycle.create_assessment(
        session,
        actor,
        water,
        AssessmentCreate(title="Final assessment", rubric_id=rubric.id, kind="final"),
    )
    lifecycle.update_assessment(
        session, actor, assessment, AssessmentUpdate(status=AssessmentStatus.OPEN)
    )
    linked = session.execute(
        select(ProjectTeam.team_number, ProjectTeam.id)
        .join(ProjectAssessmentTeam, ProjectAssessmentTeam.project_team_id == ProjectTeam.id)
        .where(ProjectAssessmentTeam.assessment_id == assessment.id)
    ).all()
    assert summary.assessments is not None
    return BrowserWorld(
        admin=admin,
        teacher=teacher,
        student=students[0],
        linguist=linguist,
        students={name: users[name].id for name in STUDENT_NAMES},
        teams_project_id=bridge.id,
        teams={number: [m.name for m in members] for number, members in teams.items()},
        unassigned=[u.name for u in by_name[6:]],
        assessment_id=assessment.id,
        assessment_teams={int(number): int(team_id) for number, team_id in linked},
        criteria=[name for name, _, _ in CRITERIA],
        demo_student=demo_student,
        demo_school=DEMO_SLUG,
    )
