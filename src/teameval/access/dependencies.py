"""Typed route dependencies: a route names what it needs, access resolves and checks it.

Each resolves a path id within the caller's school in one query (404 outside it, or out of
range) and, for a resource with rules, checks the action (403)::

    def get_course(course: CourseToView) -> CourseOut: ...

FastAPI runs a route's dependencies in the order of its parameters, so a route lists the
course before a user: a caller who may not act on the course gets 403 whatever the user id.
``openapi`` derives the 403/404 a route declares from these (``RESOLVES``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path

from teameval.access.assessments import ASSESSMENT, AssessmentAction
from teameval.access.courses import COURSE, CourseAction
from teameval.access.peer import PEER_EVALUATION, PeerEvaluationAction
from teameval.access.principal import Principal, require_role
from teameval.access.projects import PROJECT, PROJECT_TEAM, ProjectAction, TeamAction
from teameval.access.rubrics import RUBRIC, RubricAction
from teameval.access.rules import resolve
from teameval.access.users import user_in_school
from teameval.deps import PrincipalDep, SessionDep
from teameval.errors import NotFound
from teameval.models import (
    Course,
    PeerEvaluation,
    Project,
    ProjectAssessment,
    ProjectTeam,
    Role,
    Rubric,
    User,
)
from teameval.roster.courses.schemas import TeacherAssign
from teameval.roster.legacy.schemas import GroupMemberAdd
from teameval.roster.teaching.schemas import CourseStudentAdd


def course_dependency(action: CourseAction) -> Callable[..., Course]:
    """A dependency taking ``course_id`` from the path and answering the checked course. (A new
    resource kind adds its own factory here, with its own ``<kind>_id`` path parameter.)"""

    def dependency(course_id: int, principal: PrincipalDep, session: SessionDep) -> Course:
        return resolve(session, principal, COURSE, action, course_id)

    dependency.__name__ = f"course_to_{action.value}"
    return dependency


course_to_view = course_dependency(CourseAction.VIEW)
course_to_teach = course_dependency(CourseAction.TEACH)
course_to_administer = course_dependency(CourseAction.ADMINISTER)

CourseToView = Annotated[Course, Depends(course_to_view)]
CourseToTeach = Annotated[Course, Depends(course_to_teach)]
CourseToAdminister = Annotated[Course, Depends(course_to_administer)]


def project_dependency(action: ProjectAction) -> Callable[..., Project]:
    """A dependency taking ``project_id`` from the path and answering the checked project."""

    def dependency(project_id: int, principal: PrincipalDep, session: SessionDep) -> Project:
        return resolve(session, principal, PROJECT, action, project_id)

    dependency.__name__ = f"project_to_{action.value}"
    return dependency


project_to_view = project_dependency(ProjectAction.VIEW)
project_to_manage = project_dependency(ProjectAction.MANAGE)

ProjectToView = Annotated[Project, Depends(project_to_view)]
ProjectToManage = Annotated[Project, Depends(project_to_manage)]


def team_dependency(action: TeamAction) -> Callable[..., ProjectTeam]:
    """A dependency taking ``project_id`` and ``team_id`` from the path: the checked team version,
    which must belong to that project (else 404, like a team that does not exist). Routes list a
    ``ProjectTo*`` before it, so a caller who may not act on the project gets 403 first."""

    def dependency(
        project_id: int, team_id: int, principal: PrincipalDep, session: SessionDep
    ) -> ProjectTeam:
        team = resolve(session, principal, PROJECT_TEAM, action, team_id)
        if team.project_id != project_id:
            raise NotFound(f"Project team {team_id} does not exist in project {project_id}.")
        return team

    dependency.__name__ = f"team_to_{action.value}"
    return dependency


team_to_view = team_dependency(TeamAction.VIEW)
team_to_manage = team_dependency(TeamAction.MANAGE)

TeamToView = Annotated[ProjectTeam, Depends(team_to_view)]
TeamToManage = Annotated[ProjectTeam, Depends(team_to_manage)]


def student_of_school(student_id: int, principal: PrincipalDep, session: SessionDep) -> User:
    """The path's ``student_id``: a student of the caller's school (else 404)."""
    return user_in_school(session, principal, student_id, Role.STUDENT)


def user_of_school(user_id: int, principal: PrincipalDep, session: SessionDep) -> User:
    """The path's ``user_id``: any user of the caller's school (else 404). A teacher route's
    service refuses a non-teacher itself (422), as it always has."""
    return user_in_school(session, principal, user_id)


StudentOfSchool = Annotated[User, Depends(student_of_school)]
UserOfSchool = Annotated[User, Depends(user_of_school)]

# What each dependency can answer beyond its own dependencies (for the OpenAPI document).
RESOLVES: dict[Callable[..., Any], frozenset[int]] = {
    course_to_view: frozenset({403, 404}),
    course_to_teach: frozenset({403, 404}),
    course_to_administer: frozenset({403, 404}),
    project_to_view: frozenset({403, 404}),
    project_to_manage: frozenset({403, 404}),
    team_to_view: frozenset({403, 404}),
    team_to_manage: frozenset({403, 404}),
    student_of_school: frozenset({404}),
    user_of_school: frozenset({404}),
}


# Ids that arrive in a body: the dependency reads the body (the route does not declare it again).
def teacher_to_assign(body: TeacherAssign, principal: PrincipalDep, session: SessionDep) -> User:
    """The body's ``user_id``: any user of the caller's school (else 404)."""
    return user_in_school(session, principal, body.user_id)


def student_to_add(body: GroupMemberAdd, principal: PrincipalDep, session: SessionDep) -> User:
    """The body's ``student_id``: a student of the caller's school (else 404)."""
    return user_in_school(session, principal, body.student_id, Role.STUDENT)


TeacherToAssign = Annotated[User, Depends(teacher_to_assign)]
StudentToAdd = Annotated[User, Depends(student_to_add)]
RESOLVES.update({teacher_to_assign: frozenset({404}), student_to_add: frozenset({404})})


@dataclass(frozen=True)
class EnrollForm:
    """The enroll body and the student its ``student_id`` names (None when it names none)."""

    body: CourseStudentAdd
    student: User | None


def student_to_enroll(
    body: CourseStudentAdd, principal: PrincipalDep, session: SessionDep
) -> EnrollForm:
    """The body's optional ``student_id``: a student of the caller's school (else 404)."""
    if body.student_id is None:
        return EnrollForm(body, None)
    return EnrollForm(body, user_in_school(session, principal, body.student_id, Role.STUDENT))


StudentToEnroll = Annotated[EnrollForm, Depends(student_to_enroll)]
RESOLVES[student_to_enroll] = frozenset({404})


# --- rubrics (issue 10) -------------------------------------------------------------------------
def staff_member(principal: PrincipalDep) -> Principal:
    """An admin or teacher of the school; students get 403 (school-wide staff routes: the
    rubric list, creating and importing rubrics, reading the school's grade policy)."""
    require_role(principal, Role.ADMIN, Role.TEACHER)
    return principal


StaffMember = Annotated[Principal, Depends(staff_member)]

RubricId = Annotated[int, Path(description="A rubric of the caller's school.")]


def rubric_dependency(action: RubricAction) -> Callable[..., Rubric]:
    """A dependency taking ``rubric_id`` from the path and answering the checked rubric."""

    def dependency(rubric_id: RubricId, principal: PrincipalDep, session: SessionDep) -> Rubric:
        return resolve(session, principal, RUBRIC, action, rubric_id)

    dependency.__name__ = f"rubric_to_{action.value}"
    return dependency


rubric_to_view = rubric_dependency(RubricAction.VIEW)
rubric_to_manage = rubric_dependency(RubricAction.MANAGE)

RubricToView = Annotated[Rubric, Depends(rubric_to_view)]
RubricToManage = Annotated[Rubric, Depends(rubric_to_manage)]
RESOLVES.update(
    {
        staff_member: frozenset({403}),
        rubric_to_view: frozenset({403, 404}),
        rubric_to_manage: frozenset({403, 404}),
    }
)


# --- assessments (issue 10) ---------------------------------------------------------------------
AssessmentId = Annotated[int, Path(description="An assessment of the caller's school.")]


def assessment_dependency(action: AssessmentAction) -> Callable[..., ProjectAssessment]:
    """A dependency taking ``assessment_id`` from the path and answering the checked assessment."""

    def dependency(
        assessment_id: AssessmentId, principal: PrincipalDep, session: SessionDep
    ) -> ProjectAssessment:
        return resolve(session, principal, ASSESSMENT, action, assessment_id)

    dependency.__name__ = f"assessment_to_{action.value}"
    return dependency


assessment_to_view = assessment_dependency(AssessmentAction.VIEW)
assessment_to_manage = assessment_dependency(AssessmentAction.MANAGE)

AssessmentToView = Annotated[ProjectAssessment, Depends(assessment_to_view)]
AssessmentToManage = Annotated[ProjectAssessment, Depends(assessment_to_manage)]
RESOLVES.update(
    {assessment_to_view: frozenset({403, 404}), assessment_to_manage: frozenset({403, 404})}
)


# --- peer evaluations (issue 13) ----------------------------------------------------------------
PeerEvaluationId = Annotated[int, Path(description="A peer evaluation of the caller's school.")]


def peer_evaluation_dependency(action: PeerEvaluationAction) -> Callable[..., PeerEvaluation]:
    """A dependency taking ``evaluation_id`` from the path and answering the checked
    evaluation."""

    def dependency(
        evaluation_id: PeerEvaluationId, principal: PrincipalDep, session: SessionDep
    ) -> PeerEvaluation:
        return resolve(session, principal, PEER_EVALUATION, action, evaluation_id)

    dependency.__name__ = f"peer_evaluation_to_{action.value}"
    return dependency


peer_evaluation_to_view = peer_evaluation_dependency(PeerEvaluationAction.VIEW)
peer_evaluation_to_manage = peer_evaluation_dependency(PeerEvaluationAction.MANAGE)

PeerEvaluationToView = Annotated[PeerEvaluation, Depends(peer_evaluation_to_view)]
PeerEvaluationToManage = Annotated[PeerEvaluation, Depends(peer_evaluation_to_manage)]
RESOLVES.update(
    {
        peer_evaluation_to_view: frozenset({403, 404}),
        peer_evaluation_to_manage: frozenset({403, 404}),
    }
)
