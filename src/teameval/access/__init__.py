"""The one place that decides who may see or do what (DESIGN.md invariants 1 and 4).

- ``rules``: the rule table machinery (``ResourceKind``, ``may``, ``visible``, ``resolve``) and
  the registry of resource kinds: where a new resource's rules go;
- ``courses``: the course's rules; ``projects``: a project's and a project team's;
  ``rubrics``: a rubric's; ``assessments``: an assessment's;
  ``users``: users named by id, within the school;
- ``dependencies``: the typed route dependencies (``CourseToView``, ``StudentOfSchool``, ...).
  Routes declare these; no route calls an access function by hand (a test checks).

``dependencies`` is not imported here: it needs ``teameval.deps``, which needs ``Principal``.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session

from teameval.access.assessments import ASSESSMENT, AssessmentAction
from teameval.access.courses import COURSE, CourseAction
from teameval.access.peer import PEER_EVALUATION, PeerEvaluationAction
from teameval.access.principal import Principal, require_role
from teameval.access.projects import PROJECT, PROJECT_TEAM, ProjectAction, TeamAction
from teameval.access.rubrics import RUBRIC, RubricAction
from teameval.access.rules import REGISTRY, ResourceKind, may, resolve, visible
from teameval.access.users import user_in_school
from teameval.models import Course

__all__ = [
    "ASSESSMENT",
    "COURSE",
    "PEER_EVALUATION",
    "PROJECT",
    "PROJECT_TEAM",
    "REGISTRY",
    "RUBRIC",
    "AssessmentAction",
    "CourseAction",
    "PeerEvaluationAction",
    "Principal",
    "ProjectAction",
    "ResourceKind",
    "RubricAction",
    "TeamAction",
    "course_for",
    "may",
    "require_role",
    "resolve",
    "user_in_school",
    "visible",
    "visible_courses",
]


def course_for(
    session: Session, principal: Principal, course_id: int, action: CourseAction
) -> Course:
    """The course, if it is in the caller's school (else 404) and they may act on it (else 403).
    For code outside requests (routes declare ``access.dependencies.CourseTo*`` instead)."""
    return resolve(session, principal, COURSE, action, course_id)


def visible_courses(principal: Principal) -> Select[Course]:
    """The courses the caller may see, as a query to filter, sort and paginate further."""
    return visible(principal, COURSE, CourseAction.VIEW)
