"""ORM tables. Importing this package registers every table on ``Base.metadata``."""

from teameval.models.audit_log import AuditLog
from teameval.models.base import Base
from teameval.models.course import Course, TeacherCourse
from teameval.models.enrollment import CourseEnrollment
from teameval.models.instance_secret import InstanceSecret
from teameval.models.legacy_group import Group, GroupMember
from teameval.models.login_throttle import LoginThrottle
from teameval.models.migration_run import MigrationRun
from teameval.models.project import (
    LockReason,
    Project,
    ProjectStatus,
    ProjectTeam,
    ProjectTeamMember,
    TeamSource,
)
from teameval.models.school import School
from teameval.models.user import Role, User

__all__ = [
    "AuditLog",
    "Base",
    "Course",
    "CourseEnrollment",
    "Group",
    "GroupMember",
    "InstanceSecret",
    "LockReason",
    "LoginThrottle",
    "MigrationRun",
    "Project",
    "ProjectStatus",
    "ProjectTeam",
    "ProjectTeamMember",
    "Role",
    "School",
    "TeacherCourse",
    "TeamSource",
    "User",
]
