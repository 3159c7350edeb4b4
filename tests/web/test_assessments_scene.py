"""Assessments in the state a page test needs, built through the services (create, open,
publish) on the roster tests' world; scores go straight into the sheet rows. Helpers only: the
tests of the assessments and my areas import them.

The scene's rubric weighs its two criteria 1 and 7 on 1..5, so team scores (3, 4) make the
weighted score 31/8 and, with the default policy (pass level 3 → 5.5), the grade 7.46875 → 7.5;
(2, 2) makes 3.25 → 3.3 (half up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from teameval.access import Principal
from teameval.assessments.lifecycle import service as lifecycle
from teameval.assessments.lifecycle.schemas import AssessmentCreate, AssessmentUpdate
from teameval.models import (
    AssessmentStatus,
    Course,
    Project,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ProjectTeam,
    Role,
    RubricCriterion,
    School,
    User,
)
from tests.assessments.factories import make_rubric
from tests.factories import enroll, make_team, make_user
from tests.roster.conftest import RosterWorld

Factory = sessionmaker[Session]
# The first criterion's level descriptors (levels 1..5); the second has none.
DESCRIPTORS = ("Afwezig", "Zwak", "Voldoende", "Goed", "Uitstekend")


@dataclass
class Scene:
    project_id: int
    rubric_id: int
    criteria: list[int]
    # team number → (team version id, its students' ids and names)
    teams: dict[int, int] = field(default_factory=dict)
    students: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        school_id=user.school_id,
        role=Role(user.role),
        email=user.email,
        name=user.name,
    )


def build_teams(factory: Factory, worlds: RosterWorld, extra_teams: int = 1) -> Scene:
    """North's project with team 1 (``student``), team 2 (``other_student``) and more teams of
    two new students each, up to ``1 + extra_teams`` teams; and the scene's rubric."""
    north = worlds.north
    with factory.begin() as session:
        project = session.get_one(Project, worlds.north_project.id)
        teacher = session.get_one(User, north.teacher.id)
        rubric = make_rubric(session, teacher, "Webrubric", weights=("1", "7"))
        rows = list(
            session.scalars(
                select(RubricCriterion)
                .where(RubricCriterion.rubric_id == rubric.id)
                .order_by(RubricCriterion.position)
            )
        )
        rows[0].descriptors = list(DESCRIPTORS)
        scene = Scene(project.id, rubric.id, [row.id for row in rows])
        scene.teams[1] = worlds.north_team.id
        scene.students[1] = [(north.student.id, north.student.name)]
        if extra_teams >= 1:
            other = session.get_one(User, north.other_student.id)
            enroll(session, north.course, other)
            team = make_team(session, project, 2, other)
            scene.teams[2] = team.id
            scene.students[2] = [(other.id, other.name)]
    if extra_teams > 1:
        add_teams(factory, worlds, scene, extra_teams - 1)
    return scene


def add_teams(factory: Factory, worlds: RosterWorld, scene: Scene, count: int) -> Scene:
    """``count`` more current teams in the scene's project, of two new students each."""
    north = worlds.north
    with factory.begin() as session:
        project = session.get_one(Project, scene.project_id)
        school = session.get_one(School, north.school.id)
        course = session.get_one(Course, north.course.id)
        first = max(scene.teams) + 1
        for number in range(first, first + count):
            members = [
                make_user(
                    session,
                    school,
                    Role.STUDENT,
                    f"t{number}s{index}@north.example.org",
                    f"Team{number} Student{index}",
                )
                for index in (1, 2)
            ]
            enroll(session, course, *members)
            team = make_team(session, project, number, *members)
            scene.teams[number] = team.id
            scene.students[number] = [(member.id, member.name) for member in members]
    return scene


def make_assessment(
    factory: Factory,
    worlds: RosterWorld,
    scene: Scene,
    title: str = "Eindbeoordeling web",
    *,
    scores: dict[int, tuple[int, ...]] | None = None,
    overrides: list[tuple[int, int, int, int, str]] | None = None,
    status: str = "open",
    comment: str | None = None,
) -> int:
    """A new assessment of the scene's project (linking its current teams), opened, scored
    (team number → score per criterion, fewer: incomplete; overrides: (team number, student
    id, criterion index, score, reason); ``comment``: team 1's general comment) and put in
    ``status`` (open, closed or published)."""
    teacher = principal_of(worlds.north.teacher)
    with factory.begin() as session:
        project = session.get_one(Project, scene.project_id)
        assessment = lifecycle.create_assessment(
            session,
            teacher.actor,
            project,
            AssessmentCreate(title=title, rubric_id=scene.rubric_id),
        )
        if status == "draft":
            return assessment.id
        lifecycle.update_assessment(
            session, teacher.actor, assessment, AssessmentUpdate(status=AssessmentStatus.OPEN)
        )
        rows = []
        for number, values in (scores or {}).items():
            for criterion, value in zip(scene.criteria, values, strict=False):
                rows.append((scene.teams[number], None, criterion, value, None))
        for number, student_id, index, value, reason in overrides or []:
            rows.append((scene.teams[number], student_id, scene.criteria[index], value, reason))
        session.add_all(
            ProjectAssessmentScore(
                school_id=project.school_id,
                assessment_id=assessment.id,
                rubric_id=scene.rubric_id,
                criterion_id=criterion,
                project_team_id=team_id,
                student_id=student_id,
                score=value,
                reason=reason,
            )
            for team_id, student_id, criterion, value, reason in rows
        )
        if comment is not None:
            link = session.execute(
                select(ProjectAssessmentTeam).where(
                    ProjectAssessmentTeam.assessment_id == assessment.id,
                    ProjectAssessmentTeam.project_team_id == scene.teams[1],
                )
            ).scalar_one()
            link.comment = comment
        session.flush()
        if status != "open":
            lifecycle.update_assessment(
                session,
                teacher.actor,
                assessment,
                AssessmentUpdate(status=AssessmentStatus(status)),
            )
        return assessment.id


def team_ids(factory: Factory, project_id: int) -> dict[int, int]:
    with factory() as session:
        rows = session.execute(
            select(ProjectTeam.team_number, ProjectTeam.id).where(
                ProjectTeam.project_id == project_id, ProjectTeam.is_current.is_(True)
            )
        ).all()
    return dict(rows)
