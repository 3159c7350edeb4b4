"""Typed dependencies for web pages: the same resolution and rules as ``access.dependencies``,
for the user of the session cookie instead of a bearer token.

A page names what it needs and gets the checked object, or the error page (404 for an id
outside the caller's school, 403 for an action the rules refuse)::

    def roster_page(page: SignedInPage, course: PageCourseToTeach) -> HTMLResponse: ...

(No ``from __future__ import annotations`` here: each dependency's path parameter name is
chosen when the factory runs, which string annotations cannot see.)
"""

from typing import Annotated, Any

from fastapi import Depends, Form, Path
from sqlalchemy.orm import Session

from teameval.access.assessments import ASSESSMENT, AssessmentAction
from teameval.access.courses import COURSE, CourseAction
from teameval.access.peer import PEER_EVALUATION, PeerEvaluationAction
from teameval.access.projects import PROJECT, PROJECT_TEAM, ProjectAction, TeamAction
from teameval.access.rubrics import RUBRIC, RubricAction
from teameval.access.rules import ResourceKind, may, resolve
from teameval.access.users import user_in_school
from teameval.deps import SessionDep
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
from teameval.web.pages import Page, signed_in_page

_SignedIn = Annotated[Page, Depends(signed_in_page)]


def _resource(kind: ResourceKind[Any], action: Any, parameter: str) -> Any:
    def dependency(
        resource_id: Annotated[int, Path(alias=parameter)], page: _SignedIn, session: SessionDep
    ) -> Any:
        return resolve(session, page.principal, kind, action, resource_id)

    dependency.__name__ = f"page_{parameter}_{action.value}"
    return Depends(dependency)


PageCourseToView = Annotated[Course, _resource(COURSE, CourseAction.VIEW, "course_id")]
PageCourseToTeach = Annotated[Course, _resource(COURSE, CourseAction.TEACH, "course_id")]
PageCourseToAdminister = Annotated[Course, _resource(COURSE, CourseAction.ADMINISTER, "course_id")]
PageProjectToView = Annotated[Project, _resource(PROJECT, ProjectAction.VIEW, "project_id")]
PageProjectToManage = Annotated[Project, _resource(PROJECT, ProjectAction.MANAGE, "project_id")]
PageRubricToView = Annotated[Rubric, _resource(RUBRIC, RubricAction.VIEW, "rubric_id")]
PageRubricToManage = Annotated[Rubric, _resource(RUBRIC, RubricAction.MANAGE, "rubric_id")]
PageAssessmentToView = Annotated[
    ProjectAssessment, _resource(ASSESSMENT, AssessmentAction.VIEW, "assessment_id")
]
PageAssessmentToManage = Annotated[
    ProjectAssessment, _resource(ASSESSMENT, AssessmentAction.MANAGE, "assessment_id")
]
PagePeerEvaluationToView = Annotated[
    PeerEvaluation, _resource(PEER_EVALUATION, PeerEvaluationAction.VIEW, "evaluation_id")
]
PagePeerEvaluationToManage = Annotated[
    PeerEvaluation, _resource(PEER_EVALUATION, PeerEvaluationAction.MANAGE, "evaluation_id")
]


def _team(action: TeamAction) -> Any:
    def dependency(
        project_id: int, team_id: int, page: _SignedIn, session: SessionDep
    ) -> ProjectTeam:
        team = resolve(session, page.principal, PROJECT_TEAM, action, team_id)
        if team.project_id != project_id:
            raise NotFound(f"Project team {team_id} does not exist in project {project_id}.")
        return team

    dependency.__name__ = f"page_team_{action.value}"
    return Depends(dependency)


PageTeamToView = Annotated[ProjectTeam, _team(TeamAction.VIEW)]
PageTeamToManage = Annotated[ProjectTeam, _team(TeamAction.MANAGE)]


def _student(student_id: int, page: _SignedIn, session: SessionDep) -> User:
    return user_in_school(session, page.principal, student_id, Role.STUDENT)


def _user(user_id: int, page: _SignedIn, session: SessionDep) -> User:
    return user_in_school(session, page.principal, user_id)


PageStudentOfSchool = Annotated[User, Depends(_student)]
PageUserOfSchool = Annotated[User, Depends(_user)]


# Ids a form posts (a select of students or teachers): resolved within the school the same way.
def _student_in_form(
    student_id: Annotated[int, Form()], page: _SignedIn, session: SessionDep
) -> User:
    return user_in_school(session, page.principal, student_id, Role.STUDENT)


def _user_in_form(user_id: Annotated[int, Form()], page: _SignedIn, session: SessionDep) -> User:
    return user_in_school(session, page.principal, user_id)


PageStudentInForm = Annotated[User, Depends(_student_in_form)]
PageUserInForm = Annotated[User, Depends(_user_in_form)]


def allows(session: Session, page: Page, kind: ResourceKind[Any], action: Any, id_: int) -> bool:
    """Whether to *show* a control (a button, a link) for an action on a row. Showing is not
    permitting: the post that acts declares its own ``Page*To*`` dependency and is checked
    there."""
    return may(session, page.principal, kind, action, id_)
