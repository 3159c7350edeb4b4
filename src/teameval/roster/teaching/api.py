"""A course's students, for its teachers (and admins): roster, enroll, unenroll, team number."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from teameval.access.dependencies import CourseToTeach, StudentOfSchool, StudentToEnroll
from teameval.deps import PrincipalDep, SessionDep, StateDep
from teameval.kit.pagination import Page, PageDep, fetch_page
from teameval.roster.legacy import service as groups
from teameval.roster.legacy.api import legacy_groups_on
from teameval.roster.teaching import service as teaching
from teameval.roster.teaching.schemas import RosterEntry, TeamNumberSet

router = APIRouter(prefix="/courses/{course_id}/students", tags=["teaching"])


@router.get(
    "",
    operation_id="getCourseRoster",
    summary="List the course's enrolled students, paged.",
    response_model=Page[RosterEntry],
)
def course_roster(
    course: CourseToTeach, session: SessionDep, state: StateDep, page: PageDep
) -> Page[RosterEntry]:
    """Students with an active enrollment, each with their legacy team number in this course."""
    rows, total = fetch_page(session, teaching.roster_query(course), page)
    return Page[RosterEntry](
        items=teaching.roster_entries(session, course, rows, state.settings),
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "",
    operation_id="enrollCourseStudent",
    summary="Enroll a student in the course (or create one).",
    response_model=RosterEntry,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "An existing student was enrolled."}},
)
def add_course_student(
    course: CourseToTeach,
    form: StudentToEnroll,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    response: Response,
) -> RosterEntry:
    """Enroll ``{student_id}``, or ``{email, name, ...}``: an existing student of the school is
    enrolled, a new email creates the student (201)."""
    student, created = teaching.add_student_to_course(
        session, principal, course, form.body, form.student, state.settings
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return teaching.roster_entries(session, course, [student], state.settings)[0]


@router.delete(
    "/{student_id}",
    operation_id="unenrollCourseStudent",
    summary="Unenroll a student from the course.",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_course_student(
    course: CourseToTeach, student: StudentOfSchool, principal: PrincipalDep, session: SessionDep
) -> None:
    """Unenroll (deactivate, never delete); also ends their legacy teams in this course."""
    teaching.remove_student_from_course(session, principal.actor, course, student)


@router.put(
    "/{student_id}/team",
    operation_id="setLegacyTeamNumber",
    summary="Move a student to a legacy team of the course.",
    response_model=RosterEntry,
    dependencies=[Depends(legacy_groups_on)],
)
def set_team_number(
    course: CourseToTeach,
    student: StudentOfSchool,
    body: TeamNumberSet,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
) -> RosterEntry:
    """Move the student to legacy team ``team_number`` of the course (null: no team); joining a
    team enrolls them. 410 when legacy teams are switched off."""
    teaching.not_archived(student)
    groups.set_team_number(session, principal.actor, course, student, body.team_number)
    return teaching.roster_entries(session, course, [student], state.settings)[0]
