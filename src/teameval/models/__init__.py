"""ORM tables. Importing this package registers every table on ``Base.metadata``."""

from teameval.models.assessment import (
    AssessmentPublication,
    AssessmentResult,
    AssessmentStatus,
    ProjectAssessment,
    ProjectAssessmentScore,
    ProjectAssessmentTeam,
    ScoreSource,
    SelfAssessment,
)
from teameval.models.audit_log import AuditLog
from teameval.models.base import Base
from teameval.models.course import Course, TeacherCourse
from teameval.models.enrollment import CourseEnrollment
from teameval.models.grade_policy import GradePolicyRow
from teameval.models.instance_secret import InstanceSecret
from teameval.models.legacy_group import Group, GroupMember
from teameval.models.legacy_watch import AccessShadowCount, LegacyState, LegacyUsageCount
from teameval.models.login_throttle import LoginThrottle
from teameval.models.migration_run import MigrationRun
from teameval.models.peer_evaluation import (
    CorrectionModel,
    NonSubmitter,
    PeerEvaluation,
    PeerEvaluationTeam,
    PeerRating,
    PeerResult,
    PeerStatus,
    PeerSubmission,
)
from teameval.models.project import (
    LockReason,
    Project,
    ProjectStatus,
    ProjectTeam,
    ProjectTeamMember,
    TeamSource,
)
from teameval.models.rubric import Rubric, RubricCriterion, RubricScope
from teameval.models.school import School
from teameval.models.user import Role, User

__all__ = [
    "AccessShadowCount",
    "AssessmentPublication",
    "AssessmentResult",
    "AssessmentStatus",
    "AuditLog",
    "Base",
    "CorrectionModel",
    "Course",
    "CourseEnrollment",
    "GradePolicyRow",
    "Group",
    "GroupMember",
    "InstanceSecret",
    "LegacyState",
    "LegacyUsageCount",
    "LockReason",
    "LoginThrottle",
    "MigrationRun",
    "NonSubmitter",
    "PeerEvaluation",
    "PeerEvaluationTeam",
    "PeerRating",
    "PeerResult",
    "PeerStatus",
    "PeerSubmission",
    "Project",
    "ProjectAssessment",
    "ProjectAssessmentScore",
    "ProjectAssessmentTeam",
    "ProjectStatus",
    "ProjectTeam",
    "ProjectTeamMember",
    "Role",
    "Rubric",
    "RubricCriterion",
    "RubricScope",
    "School",
    "ScoreSource",
    "SelfAssessment",
    "TeacherCourse",
    "TeamSource",
    "User",
]
