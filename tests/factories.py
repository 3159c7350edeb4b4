"""Test data built through the ORM, quickly: one password hash shared by every test user."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import insert
from sqlalchemy.orm import Session

from teameval.auth.passwords import hash_password
from teameval.models import (
    Course,
    CourseEnrollment,
    Group,
    Project,
    ProjectTeam,
    ProjectTeamMember,
    Role,
    School,
    TeacherCourse,
    User,
)
from teameval.models.base import utcnow

PASSWORD = "correct horse battery"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_school(session: Session, slug: str = "hillside", name: str | None = None) -> School:
    school = School(slug=slug, name=name or slug.title())
    session.add(school)
    session.flush()
    return school


def make_user(
    session: Session,
    school: School,
    role: Role,
    email: str,
    name: str | None = None,
    *,
    archived: bool = False,
    **fields: object,
) -> User:
    user = User(
        school_id=school.id,
        role=role.value,
        email=email.lower(),
        name=name or email.split("@")[0].title(),
        password_hash=_password_hash(),
        archived=archived,
        **fields,
    )
    session.add(user)
    session.flush()
    return user


def make_course(session: Session, school: School, code: str, name: str | None = None) -> Course:
    course = Course(school_id=school.id, code=code, name=name or f"Course {code}")
    session.add(course)
    session.flush()
    return course


def assign_teacher(session: Session, course: Course, teacher: User, active: bool = True) -> None:
    session.add(
        TeacherCourse(
            school_id=course.school_id, course_id=course.id, teacher_id=teacher.id, active=active
        )
    )
    session.flush()


def make_group(session: Session, course: Course, team_number: int) -> Group:
    group = Group(
        school_id=course.school_id,
        course_id=course.id,
        name=f"{course.code} team {team_number}",
        team_number=team_number,
    )
    session.add(group)
    session.flush()
    return group


def enroll(session: Session, course: Course, *students: User, active: bool = True) -> None:
    for student in students:
        session.add(
            CourseEnrollment(
                school_id=course.school_id,
                course_id=course.id,
                student_id=student.id,
                active=active,
            )
        )
    session.flush()


def make_project(
    session: Session, course: Course, title: str = "Projectweek", status: str = "active"
) -> Project:
    project = Project(school_id=course.school_id, course_id=course.id, title=title, status=status)
    session.add(project)
    session.flush()
    return project


def make_team(
    session: Session, project: Project, team_number: int, *members: User, locked: bool = False
) -> ProjectTeam:
    """A current team version (straight to the table: tests of the write path use the API).
    An INSERT naming only these columns, since the ORM's would name ``team_id`` too, which a
    retired database no longer has (TEAMEVAL_TEST_LEGACY=retired)."""
    lock = {"locked_at": utcnow(), "lock_reason": "teacher"} if locked else {}
    team_id = session.execute(
        insert(ProjectTeam)
        .values(
            school_id=project.school_id,
            project_id=project.id,
            team_number=team_number,
            display_name_at_time=f"Team {team_number}",
            **lock,
        )
        .returning(ProjectTeam.id)
    ).scalar_one()
    team = session.get_one(ProjectTeam, team_id)
    for member in members:
        session.add(
            ProjectTeamMember(
                school_id=project.school_id,
                project_team_id=team.id,
                project_id=project.id,
                is_current=True,
                user_id=member.id,
            )
        )
    session.flush()
    return team


@dataclass
class SchoolWorld:
    """One school with an admin, two teachers, two courses and three students.

    ``teacher`` teaches ``course``; ``other_teacher`` teaches ``other_course``. No enrollments:
    the ``two_schools`` fixture enrolls ``student`` in ``course``.
    """

    school: School
    admin: User
    teacher: User
    other_teacher: User
    student: User
    other_student: User
    archived_student: User
    course: Course
    other_course: Course


def make_world(session: Session, slug: str) -> SchoolWorld:
    school = make_school(session, slug)
    world = SchoolWorld(
        school=school,
        admin=make_user(session, school, Role.ADMIN, f"admin@{slug}.example.org"),
        teacher=make_user(session, school, Role.TEACHER, f"teacher@{slug}.example.org"),
        other_teacher=make_user(session, school, Role.TEACHER, f"other.teacher@{slug}.example.org"),
        student=make_user(session, school, Role.STUDENT, f"student@{slug}.example.org"),
        other_student=make_user(session, school, Role.STUDENT, f"student2@{slug}.example.org"),
        archived_student=make_user(
            session, school, Role.STUDENT, f"gone@{slug}.example.org", archived=True
        ),
        course=make_course(session, school, "OO-4A"),
        other_course=make_course(session, school, "NLT-5"),
    )
    assign_teacher(session, world.course, world.teacher)
    assign_teacher(session, world.other_course, world.other_teacher)
    return world
