"""The school's default grade policy and a course's override, over HTTP.

``GET /grade-policy``: any staff member; ``PUT``: admins. ``GET /courses/{id}/grade-policy``:
whoever teaches the course (the effective policy and where it comes from); ``PUT``/``DELETE``:
whoever administers the course (admins). A PUT sends a whole policy; fields left out take the
built-in defaults.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from teameval.access.dependencies import CourseToAdminister, CourseToTeach, StaffMember
from teameval.assessments.policies import service as policies
from teameval.assessments.policies.schemas import GradePolicyIn, GradePolicyOut
from teameval.deps import AdminDep, PrincipalDep, SessionDep

router = APIRouter(tags=["grade policies"])


@router.get(
    "/grade-policy",
    operation_id="getSchoolGradePolicy",
    summary="Read the school's default grade policy.",
    response_model=GradePolicyOut,
)
def get_school_policy(staff: StaffMember, session: SessionDep) -> GradePolicyOut:
    """Admins and teachers; ``source`` is ``default`` while the school has stored none."""
    return policies.school_policy_out(session, staff.school_id)


@router.put(
    "/grade-policy",
    operation_id="setSchoolGradePolicy",
    summary="Set the school's default grade policy.",
    response_model=GradePolicyOut,
)
def set_school_policy(body: GradePolicyIn, admin: AdminDep, session: SessionDep) -> GradePolicyOut:
    """Admins only. Published results keep the policy they were graded with."""
    return policies.set_school_policy(session, admin.actor, body)


@router.get(
    "/courses/{course_id}/grade-policy",
    operation_id="getCourseGradePolicy",
    summary="Read the grade policy the course's assessments use.",
    response_model=GradePolicyOut,
)
def get_course_policy(course: CourseToTeach, session: SessionDep) -> GradePolicyOut:
    """The course's override, else the school's default, else the built-in one (``source``)."""
    return policies.course_policy_out(session, course)


@router.put(
    "/courses/{course_id}/grade-policy",
    operation_id="setCourseGradePolicy",
    summary="Set the course's own grade policy.",
    response_model=GradePolicyOut,
)
def set_course_policy(
    course: CourseToAdminister, body: GradePolicyIn, principal: PrincipalDep, session: SessionDep
) -> GradePolicyOut:
    """Whoever administers the course (admins); it replaces the school's default for it."""
    return policies.set_course_policy(session, principal.actor, course, body)


@router.delete(
    "/courses/{course_id}/grade-policy",
    operation_id="removeCourseGradePolicy",
    summary="Remove the course's own grade policy.",
    status_code=status.HTTP_204_NO_CONTENT,
)
def remove_course_policy(
    course: CourseToAdminister, principal: PrincipalDep, session: SessionDep
) -> None:
    """The course goes back to the school's default; without an override nothing changes."""
    policies.remove_course_policy(session, principal.actor, course)
