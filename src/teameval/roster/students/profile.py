"""What a student's page shows beside their fields: every course they were ever enrolled in
(active or ended) and the project teams they are in now. One query each, whatever the count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.models import Course, CourseEnrollment, Project, ProjectTeam, ProjectTeamMember


@dataclass(frozen=True)
class EnrollmentRow:
    course_id: int
    code: str
    name: str
    active: bool  # the enrollment; ended enrollments are kept, never deleted
    course_active: bool


@dataclass(frozen=True)
class CurrentTeamRow:
    project_id: int
    project_title: str
    project_status: str
    course_code: str
    team_id: int
    team_number: int
    team_name: str
    locked: bool


def enrollments_of(session: Session, school_id: int, student_id: int) -> list[EnrollmentRow]:
    """Active enrollments first, then ended ones; by course code within each."""
    rows = session.execute(
        select(Course.id, Course.code, Course.name, CourseEnrollment.active, Course.is_active)
        .join(Course, Course.id == CourseEnrollment.course_id)
        .where(
            CourseEnrollment.student_id == student_id,
            CourseEnrollment.school_id == school_id,
            Course.school_id == school_id,
        )
        .order_by(CourseEnrollment.active.desc(), Course.code, Course.id)
    )
    return [
        EnrollmentRow(course_id, code, name, bool(active), bool(course_active))
        for course_id, code, name, active, course_active in rows
    ]


def current_teams_of(session: Session, school_id: int, student_id: int) -> list[CurrentTeamRow]:
    """The current team version the student is in, per project (at most one each)."""
    rows = session.execute(
        select(
            Project.id,
            Project.title,
            Project.status,
            Course.code,
            ProjectTeam.id,
            ProjectTeam.team_number,
            ProjectTeam.display_name_at_time,
            ProjectTeam.locked_at,
        )
        .select_from(ProjectTeamMember)
        .join(ProjectTeam, ProjectTeam.id == ProjectTeamMember.project_team_id)
        .join(Project, Project.id == ProjectTeam.project_id)
        .join(Course, Course.id == Project.course_id)
        .where(
            ProjectTeamMember.user_id == student_id,
            ProjectTeamMember.school_id == school_id,
            ProjectTeamMember.is_current.is_(True),
            ProjectTeam.archived_at.is_(None),
        )
        .order_by(Course.code, Project.title, Project.id)
    )
    return [
        CurrentTeamRow(
            project_id, title, status, code, team_id, number, name, locked_at is not None
        )
        for project_id, title, status, code, team_id, number, name, locked_at in rows
    ]
