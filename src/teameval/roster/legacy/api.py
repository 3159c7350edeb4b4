"""Legacy teams (groups) of a course: teachers of the course and admins.

Kept in step with enrollments while ``TEAMEVAL_LEGACY_GROUPS=dual-write``; with ``off`` every
route here answers 410 Gone, naming what replaces it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from teameval.access.dependencies import CourseToTeach, StudentOfSchool, StudentToAdd
from teameval.deps import PrincipalDep, SessionDep, StateDep
from teameval.kit.pagination import Page, PageDep
from teameval.roster.legacy import service as groups
from teameval.roster.legacy.schemas import GroupCreate, GroupOut
from teameval.roster.teaching import service as teaching


def legacy_groups_on(state: StateDep, _signed_in: PrincipalDep) -> None:
    """410 while legacy teams are off; for every legacy route, after the token check (401)."""
    groups.require_on(state.settings)


router = APIRouter(
    prefix="/courses/{course_id}/groups",
    tags=["legacy groups"],
    dependencies=[Depends(legacy_groups_on)],
)


@router.get(
    "",
    operation_id="listLegacyGroups",
    summary="List the course's legacy teams with their members, paged.",
    response_model=Page[GroupOut],
)
def list_groups(course: CourseToTeach, session: SessionDep, page: PageDep) -> Page[GroupOut]:
    """By team number; 410 when legacy teams are switched off."""
    # Sliced here rather than in SQL: a course has tens of teams, and every query of the
    # legacy tables stays in the legacy module.
    every = groups.groups_of_course(session, course)
    return Page[GroupOut](
        items=every[page.offset : page.offset + page.page_size],
        total=len(every),
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "",
    operation_id="createLegacyGroup",
    summary="Create a legacy team in the course.",
    response_model=GroupOut,
    status_code=status.HTTP_201_CREATED,
)
def create_group(
    course: CourseToTeach, body: GroupCreate, principal: PrincipalDep, session: SessionDep
) -> GroupOut:
    """A team number is unique per course (409 when taken); 410 when legacy teams are off."""
    group_id = groups.create_group(session, principal.actor, course, body.team_number, body.name)
    return groups.group_bodies(session, [group_id])[0]


@router.post(
    "/{group_id}/members",
    operation_id="addLegacyGroupMember",
    summary="Add a student to a legacy team.",
    response_model=GroupOut,
)
def add_group_member(
    course: CourseToTeach,
    group_id: int,
    student: StudentToAdd,
    principal: PrincipalDep,
    session: SessionDep,
) -> GroupOut:
    """Add a student to the team; this enrolls them in the course too."""
    group_id = groups.group_in_course(session, course, group_id)
    teaching.not_archived(student)
    groups.add_member(session, principal.actor, group_id, student)
    return groups.group_bodies(session, [group_id])[0]


@router.delete(
    "/{group_id}/members/{student_id}",
    operation_id="removeLegacyGroupMember",
    summary="Remove a student from a legacy team.",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_group_member(
    course: CourseToTeach,
    group_id: int,
    student: StudentOfSchool,
    principal: PrincipalDep,
    session: SessionDep,
) -> None:
    """End the membership; the student stays enrolled in the course."""
    group_id = groups.group_in_course(session, course, group_id)
    groups.remove_member(session, principal.actor, group_id, student)
