"""How the legacy demo's rows are made (``teameval.migration.demo_legacy`` says which): one
call per school, person, course, cohort group, project, team, rubric, assessment or score,
each row given the next fixed id of its table, Dutch names drawn from the student's number so
none repeats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Dutch first names and surnames; a student's pair comes from their number, so none repeats.
# fmt: off
_FIRST = (
    "Anna", "Bram", "Daan", "Emma", "Fenna", "Lars", "Julia", "Sem", "Noor", "Luuk", "Sophie",
    "Milan", "Tess", "Finn", "Zoë", "Jesse", "Lotte", "Thijs", "Sara", "Ruben", "Mila", "Ties",
    "Yara", "Joep", "Evi", "Niels", "Fleur", "Stijn", "Iris", "Bas",
)
_SURNAMES = (
    "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
    "Dijkstra", "van den Berg", "El Amrani", "Yilmaz", "van den Heuvel",
)
# fmt: on

# Tables in the order their foreign keys allow.
TABLES = (
    "schools",
    "users",
    "courses",
    "groups",
    "group_members",
    "course_enrollments",
    "projects",
    "project_teams",
    "project_team_members",
    "rubrics",
    "rubric_criteria",
    "project_assessments",
    "project_assessment_scores",
)


@dataclass
class Rows:
    """Rows per table, each with the next id of its table."""

    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in TABLES}
    )

    def add(self, table: str, **values: Any) -> int:
        rows = self.tables[table]
        row_id = len(rows) + 1
        rows.append({"id": row_id, **values})
        return row_id


class Builder:
    def __init__(self) -> None:
        self.rows = Rows()
        self.student_number = 0

    def school(self, name: str) -> int:
        return self.rows.add("schools", name=name)

    def staff(self, school: int, role: str, name: str, email: str) -> int:
        return self.rows.add(
            "users",
            school_id=school,
            email=email,
            name=name,
            role=role,
            archived=False,
            team_number=None,
        )

    def student(self, school: int, team_number: int | None, *, archived: bool = False) -> int:
        self.student_number += 1
        n = self.student_number
        first = _FIRST[(n - 1) % len(_FIRST)]
        surname = _SURNAMES[(n * 7) % len(_SURNAMES)]
        login = f"{first}.{surname}".replace(" ", "").replace("ë", "e").lower()
        return self.rows.add(
            "users",
            school_id=school,
            email=f"{login}{n}@leerling.slu.example",
            name=f"{first} {surname}",
            role="student",
            archived=archived,
            team_number=team_number,
        )

    def course(self, school: int, code: str, name: str) -> int:
        return self.rows.add(
            "courses", school_id=school, name=f"{code} {name}", code=code, is_active=True
        )

    def group(self, school: int, course: int, name: str, team_number: int | None = None) -> int:
        return self.rows.add(
            "groups", school_id=school, course_id=course, name=name, team_number=team_number
        )

    def member(self, school: int, group: int, user: int, *, active: bool = True) -> None:
        self.rows.add(
            "group_members",
            school_id=school,
            group_id=group,
            user_id=user,
            role_in_team=None,
            active=active,
        )

    def enroll(self, course: int, student: int, *, active: bool = True) -> None:
        self.rows.add("course_enrollments", course_id=course, student_id=student, active=active)

    def cohort(
        self,
        school: int,
        course: int,
        group: int,
        teams: dict[int | None, int],
        *,
        unenrolled: tuple[int, ...] = (),
    ) -> dict[int | None, list[int]]:
        """Students per legacy team number, each an active member of the cohort group and
        enrolled in its course unless their team is listed in ``unenrolled``."""
        students: dict[int | None, list[int]] = {}
        for team_number, size in teams.items():
            for _ in range(size):
                student = self.student(school, team_number)
                self.member(school, group, student)
                if team_number not in unenrolled:
                    self.enroll(course, student)
                students.setdefault(team_number, []).append(student)
        return students

    def project(self, school: int, course: int | None, title: str) -> int:
        return self.rows.add(
            "projects", school_id=school, course_id=course, title=title, status="active"
        )

    def project_team(
        self,
        school: int,
        project: int,
        group: int | None,
        team_number: int,
        members: list[int],
        *,
        version: int = 1,
    ) -> int:
        team = self.rows.add(
            "project_teams",
            school_id=school,
            project_id=project,
            team_id=group,
            display_name_at_time=f"Team {team_number}",
            team_number=team_number,
            version=version,
            backfill_source=None,
        )
        for user in members:
            self.rows.add(
                "project_team_members",
                school_id=school,
                project_team_id=team,
                user_id=user,
                role=None,
            )
        return team

    def rubric(self, school: int, title: str, criteria: dict[str, int]) -> list[int]:
        rubric = self.rows.add(
            "rubrics", school_id=school, title=title, scale_min=1, scale_max=5, scope="team"
        )
        return [
            self.rows.add(
                "rubric_criteria", school_id=school, rubric_id=rubric, name=name, weight=weight
            )
            for name, weight in criteria.items()
        ]

    def assessment(
        self,
        school: int,
        project: int | None,
        group: int,
        criteria: list[int],
        teacher: int,
        title: str,
        *,
        status: str = "published",
    ) -> int:
        rubric = self.rows.tables["rubric_criteria"][criteria[0] - 1]["rubric_id"]
        return self.rows.add(
            "project_assessments",
            school_id=school,
            project_id=project,
            group_id=group,
            project_team_id=None,
            rubric_id=rubric,
            teacher_id=teacher,
            title=title,
            version=1,
            status=status,
            published_at=None,
        )

    def score(
        self,
        school: int,
        assessment: int,
        criterion: int,
        team_number: int | None,
        score: int,
        *,
        student: int | None = None,
        comment: str | None = None,
    ) -> None:
        self.rows.add(
            "project_assessment_scores",
            school_id=school,
            assessment_id=assessment,
            criterion_id=criterion,
            team_number=team_number,
            student_id=student,
            score=score,
            comment=comment,
        )

    def team_scores(
        self,
        school: int,
        assessment: int,
        criteria: list[int],
        team_numbers: list[int | None],
    ) -> None:
        """One team score per criterion for each team (scores 2 to 5, varied but fixed)."""
        for team_index, team_number in enumerate(team_numbers):
            for criterion_index, criterion in enumerate(criteria):
                score = 2 + (assessment + team_index + criterion_index) % 4
                self.score(school, assessment, criterion, team_number, score)
