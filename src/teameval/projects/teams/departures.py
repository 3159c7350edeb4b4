"""Students leaving a course leave its projects' teams (the enrollment interplay of issue 9).

``roster.courses.enrollments.unenroll`` calls ``leave_course_teams`` in its own transaction,
after locking the students, so every path that ends an enrollment (the unenroll route, the
student CSV import and sync) takes the students out of the current teams of that course's
draft and active projects, with audit rows. A locked team gets a new version without them.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.audit_trail import Actor
from teameval.models import Project
from teameval.projects.teams.layout import TeamChange, remove_members
from teameval.projects.teams.layout_checks import WRITABLE_STATUSES


def leave_course_teams(
    session: Session, actor: Actor, course_students: Collection[tuple[int, int]]
) -> list[TeamChange]:
    """Each (course id, student id): the student leaves the current teams of that course's draft
    and active projects. A constant number of statements whatever the number of pairs."""
    pairs = set(course_students)
    if not pairs:
        return []
    projects = session.execute(
        select(Project.id, Project.course_id).where(
            Project.course_id.in_(sorted({course for course, _ in pairs})),
            Project.status.in_(WRITABLE_STATUSES),
        )
    ).all()
    removals = {
        (project_id, student_id)
        for project_id, course_id in projects
        for pair_course, student_id in pairs
        if pair_course == course_id
    }
    return remove_members(session, actor, removals)
