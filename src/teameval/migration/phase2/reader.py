"""Reading the facts of a batch: one statement of ``facts`` per kind of fact, ids in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from teameval.migration.phase2 import facts
from teameval.migration.phase2.keys import Assessment, Facts, Team
from teameval.migration.phase2.probe import AssessmentSchema
from teameval.migration.runner.batches import KeyRange
from teameval.migration.runner.database import Connection
from teameval.migration.runner.query import Query


def _rows_by_chunks(
    connection: Connection, make: Callable[[list[int]], Query], ids: Iterable[int]
) -> list[Any]:
    rows: list[Any] = []
    for chunk in facts.chunks(list(ids)):
        rows.extend(connection.rows(make(chunk)))
    return rows


class FactsReader:
    def __init__(self, connection: Connection, schema: AssessmentSchema) -> None:
        self.connection = connection
        self.schema = schema

    def _add_assessments(self, found: Facts, query: Query) -> list[int]:
        added = []
        for row in self.connection.rows(query):
            if row.id not in found.assessments:
                found.assessments[row.id] = Assessment(
                    row.id,
                    row.school_id,
                    row.project_id,
                    row.project_team_id,
                    row.group_id,
                    row.group_school_id,
                    row.course_id,
                    row.group_team_number,
                )
                added.append(row.id)
        return added

    def _add_scores(self, found: Facts, rows: Iterable[Any], overrides: Iterable[Any]) -> None:
        for row in rows:
            found.add_count(
                row.assessment_id, row.team_number, int(row.score_rows), int(row.scores_mapped)
            )
        for row in overrides:
            key = (row.assessment_id, row.team_number)
            found.overrides[key][row.student_id] = int(row.rows)

    def _add_junction(self, found: Facts, rows: Iterable[Any]) -> None:
        for row in rows:
            key = (row.project_assessment_id, row.team_number)
            found.junction[key] = row.project_team_id

    def batch(self, *, school_id: int | None, assessments: KeyRange) -> Facts:
        found = Facts()
        schema = self.schema
        self._add_assessments(
            found, facts.assessments_in_scope(schema, school_id=school_id, assessments=assessments)
        )
        self._add_scores(
            found,
            self.connection.rows(
                facts.key_counts(schema, school_id=school_id, assessments=assessments)
            ),
            self.connection.rows(
                facts.override_students(schema, school_id=school_id, assessments=assessments)
            ),
        )
        if schema.expanded:
            self._add_junction(
                found, self.connection.rows(facts.junction_rows(schema, assessments=assessments))
            )
        return found

    def more_assessments(self, found: Facts, ids: Iterable[int]) -> None:
        """The facts of assessments beyond the batch (project-mates, decisions)."""
        schema = self.schema
        new = [i for i in ids if i in found.assessments]
        if not new:
            return
        self._add_scores(
            found,
            _rows_by_chunks(self.connection, lambda c: facts.key_counts(schema, ids=c), new),
            _rows_by_chunks(self.connection, lambda c: facts.override_students(schema, ids=c), new),
        )
        if schema.expanded:
            self._add_junction(
                found,
                _rows_by_chunks(self.connection, lambda c: facts.junction_rows(schema, ids=c), new),
            )

    def mates(self, found: Facts, project_ids: set[int]) -> None:
        courses = {
            course
            for project in project_ids
            if (course := found.projects.get(project, (None, None))[1]) is not None
        }
        added: list[int] = []
        for chunk in facts.chunks(list(project_ids)):
            query = facts.assessments_of_projects(
                self.schema, chunk, [c for c in courses if c is not None]
            )
            added += self._add_assessments(found, query)
        self.more_assessments(found, added)

    def projects(self, found: Facts, named: Iterable[int] = ()) -> None:
        """The projects of the assessments' courses, their own projects and ``named`` ones
        (those a decision names)."""
        schema = self.schema
        courses = {a.course_id for a in found.assessments.values()} - found.loaded_courses
        own = {a.project_id for a in found.assessments.values() if a.project_id is not None}
        own = (own | set(named)) - set(found.projects)
        rows = _rows_by_chunks(
            self.connection, lambda c: facts.projects_by(schema, "course_id", c), courses
        )
        rows += _rows_by_chunks(self.connection, lambda c: facts.projects_by(schema, "id", c), own)
        for row in rows:
            found.projects[row.id] = (row.school_id, row.course_id)
        found.projects_of_course.clear()
        for project_id, (_school, course) in found.projects.items():
            if course is not None:
                found.projects_of_course[course].append(project_id)
        found.loaded_courses |= courses

    def teams(self, found: Facts, project_ids: set[int]) -> None:
        wanted = project_ids - found.loaded_team_projects
        for row in _rows_by_chunks(
            self.connection, lambda c: facts.teams_of_projects(self.schema, c), wanted
        ):
            team = Team(
                row.id,
                row.school_id,
                row.project_id,
                row.team_number,
                row.version,
                row.backfill_source,
            )
            found.teams[team.id] = team
        found.loaded_team_projects |= wanted

    def teams_by_id(self, found: Facts, team_ids: set[int]) -> None:
        wanted = team_ids - set(found.teams)
        for row in _rows_by_chunks(
            self.connection, lambda c: facts.teams_by_id(self.schema, c), wanted
        ):
            found.teams[row.id] = Team(
                row.id,
                row.school_id,
                row.project_id,
                row.team_number,
                row.version,
                row.backfill_source,
            )

    def members(self, found: Facts, team_ids: set[int]) -> None:
        wanted = team_ids - found.loaded_member_teams
        for row in _rows_by_chunks(
            self.connection, lambda c: facts.members_of_teams(self.schema, c), wanted
        ):
            found.members[row.project_team_id].add(row.user_id)
        found.loaded_member_teams |= wanted

    def group_students(self, found: Facts, group_ids: set[int]) -> None:
        wanted = group_ids - found.loaded_groups
        for row in _rows_by_chunks(
            self.connection, lambda c: facts.group_students(self.schema, c), wanted
        ):
            found.students_of_group[row.group_id][row.team_number].add(row.user_id)
        found.loaded_groups |= wanted
