"""A small legacy-shaped school for trying the migration runbook (``teameval demo legacy PATH``).

The legacy platform kept its assessments keyed by cohort group: one assessment covered a whole
class, and its teams were told apart only by ``project_assessment_scores.team_number``. This
module writes such a database (the DDL of ``legacy_shape``) with the gaps a real one has, each
placed on purpose so that every command of both phases has something to find:

Phase 1 (``audit enrollments``): three active team members without an enrollment (OO-4A
team 4), an inactive enrollment under an active membership (WD-4B), and a teacher inside a
cohort group (``non_student_member``).

Phase 2 (``audit assessments``), 16 team keys:

- to link (6): the key's project already has a current team with that number, including one
  whose current version is 2 (the version 1 row is history) and an assessment with no score rows
  yet, whose key is its group's team number;
- to create (4 keys, 3 teams): OO-4A teams 3, 4 and 5 have no project team; two assessments
  share team 3, so it is created once;
- one unmapped key of each reason: ``cross_school`` (a school 2 assessment on a school 1 cohort),
  ``no_team_number`` (unnumbered team scores on an unnumbered cohort), ``no_project`` (a course
  without a project; a project without a course is there to decide for it),
  ``ambiguous_project`` (a course with two projects), ``ambiguous_team`` (a project with two
  current teams numbered 1) and ``member_conflict`` (a student whose legacy team number says
  team 2 while the project has them in team 1);
- anomalies: one team score entered twice (``duplicate_team_scores``) and one override for a
  student who is not in the linked team (``override_not_member``).

The rows are written with fixed ids, so the runbook in docs/migration.md can name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from teameval.migration.demo_legacy_builder import TABLES, Builder

if TYPE_CHECKING:
    import sqlalchemy as sa

SCHOOL = "Stedelijk Lyceum Utrecht"
OTHER_SCHOOL = "Christelijk College Amersfoort"


@dataclass(frozen=True)
class LegacyDemoSummary:
    counts: dict[str, int]
    school_id: int
    other_school_id: int


def _scenario() -> Builder:
    b = Builder()
    slu = b.school(SCHOOL)
    cca = b.school(OTHER_SCHOOL)
    b.staff(slu, "admin", "Ingrid Bos", "i.bos@slu.example")
    devries = b.staff(slu, "teacher", "Martijn de Vries", "m.devries@slu.example")
    bouzid = b.staff(slu, "teacher", "Fatima Bouzid", "f.bouzid@slu.example")
    groen = b.staff(cca, "teacher", "Henk Groen", "h.groen@cca.example")

    oo = b.course(slu, "OO-4A", "Objectgeoriënteerd programmeren")
    wd = b.course(slu, "WD-4B", "Webdesign")
    db = b.course(slu, "DB-5", "Databases")
    pw = b.course(slu, "PW-5", "Projectweek")
    nlt = b.course(slu, "NLT-4", "Natuur, Leven en Technologie")
    inf = b.course(cca, "INF-4", "Informatica")

    # OO-4A: one cohort group for the class (no team number of its own), teams 1 to 4 told
    # apart by users.team_number. Team 4 was never enrolled (phase 1: missing).
    oo_class = b.group(slu, oo, "OO-4A klas")
    oo_teams = b.cohort(slu, oo, oo_class, {1: 3, 2: 3, 3: 3, 4: 3}, unenrolled=(4,))
    late_joiner = b.student(slu, 1)  # in team 1 since week 6: not in the project's team 1
    b.member(slu, oo_class, late_joiner)
    b.enroll(oo, late_joiner)
    archived = b.student(slu, 3, archived=True)  # left school: not a member of a new team
    b.member(slu, oo_class, archived)
    b.enroll(oo, archived)
    dropped = b.student(slu, 3)  # left the class: inactive membership, not a member either
    b.member(slu, oo_class, dropped, active=False)
    b.member(slu, oo_class, devries)  # phase 1: a teacher in a team (non_student_member)
    # Two groups of one team each, numbered on the group itself (the older way).
    oo_team5 = b.group(slu, oo, "OO-4A team 5", team_number=5)
    b.cohort(slu, oo, oo_team5, {5: 3})
    oo_team1 = b.group(slu, oo, "OO-4A team 1", team_number=1)
    for student in oo_teams[1]:
        b.member(slu, oo_team1, student)

    wd_class = b.group(slu, wd, "WD-4B klas")
    wd_teams = b.cohort(slu, wd, wd_class, {1: 3, 2: 3}, unenrolled=(2,))
    for student in wd_teams[2][:2]:
        b.enroll(wd, student)
    b.enroll(wd, wd_teams[2][2], active=False)  # phase 1: an inactive enrollment

    db_class = b.group(slu, db, "DB-5 klas")
    db_teams = b.cohort(slu, db, db_class, {1: 3, 2: 3})
    moved = b.student(slu, 2)  # legacy team number 2, but the project has them in team 1
    b.member(slu, db_class, moved)
    b.enroll(db, moved)

    pw_class = b.group(slu, pw, "PW-5 klas")
    b.cohort(slu, pw, pw_class, {1: 2, 2: 2})
    nlt_class = b.group(slu, nlt, "NLT-4 klas")
    b.cohort(slu, nlt, nlt_class, {1: 3})
    inf_class = b.group(cca, inf, "INF-4 klas")
    inf_teams = b.cohort(cca, inf, inf_class, {1: 3})

    library = b.project(slu, oo, "Bibliotheeksysteem in Java")
    b.project_team(slu, library, oo_class, 1, oo_teams[1])
    # Team 2's first version had a student who later moved to team 3; version 2 is current.
    b.project_team(slu, library, oo_class, 2, [*oo_teams[2][:2], oo_teams[3][0]])
    b.project_team(slu, library, oo_class, 2, oo_teams[2], version=2)
    portfolio = b.project(slu, wd, "Portfoliowebsite")
    # Team 1 imported twice at the same version: which one is meant is not for a tool to guess.
    b.project_team(slu, portfolio, wd_class, 1, wd_teams[1])
    b.project_team(slu, portfolio, wd_class, 1, wd_teams[1])
    b.project_team(slu, portfolio, wd_class, 2, wd_teams[2])
    canteen = b.project(slu, db, "Database voor de schoolkantine")
    b.project_team(slu, canteen, db_class, 1, [*db_teams[1], moved])
    b.project(slu, pw, "Projectweek: duurzame school")
    b.project(slu, pw, "Projectweek: escape room")
    # A project the legacy platform kept without a course: no assessment finds it by itself,
    # an operator's decision can name it (docs/migration.md, no_project).
    b.project(slu, None, "NLT-practicum: waterkwaliteit")
    games = b.project(cca, inf, "Spelletjes in Python")
    b.project_team(cca, games, inf_class, 1, inf_teams[1])

    criteria = b.rubric(
        slu, "Projectrubric teamwerk", {"Samenwerking": 1, "Codekwaliteit": 2, "Presentatie": 1}
    )
    other_criteria = b.rubric(cca, "Rubric programmeerproject", {"Werking": 2, "Verslag": 1})

    final = b.assessment(slu, library, oo_class, criteria, devries, "Eindbeoordeling")
    b.team_scores(slu, final, criteria, [1, 2, 3])
    b.score(slu, final, criteria[0], 1, 3, comment="dubbel ingevoerd")  # a duplicate team score
    b.score(slu, final, criteria[2], 2, 5, student=oo_teams[2][0], comment="sterke presentatie")
    b.score(slu, final, criteria[2], 1, 4, student=late_joiner)  # not in the project's team 1
    # No project_id: the project is the only one of the group's course.
    sprint = b.assessment(slu, None, oo_class, criteria, devries, "Tussenbeoordeling sprint 2")
    b.team_scores(slu, sprint, criteria, [3, 4])
    b.score(slu, sprint, criteria[1], 3, 5, student=oo_teams[3][1])
    # Team scores without a number: the group's own team number (5) is the key's.
    team5 = b.assessment(slu, library, oo_team5, criteria, devries, "Beoordeling team 5")
    b.team_scores(slu, team5, criteria, [None])
    # Not scored yet: its only key is its group's team number.
    b.assessment(slu, library, oo_team1, criteria, devries, "Codereview", status="draft")
    # A school 2 assessment on a school 1 cohort group.
    copied = b.assessment(cca, None, oo_class, other_criteria, groen, "Beoordeling (kopie)")
    b.team_scores(cca, copied, other_criteria, [1])
    unnumbered = b.assessment(slu, portfolio, wd_class, criteria, bouzid, "Ontwerpschets")
    b.team_scores(slu, unnumbered, criteria, [None])
    nature = b.assessment(slu, None, nlt_class, criteria, bouzid, "Practicumverslag")
    b.team_scores(slu, nature, criteria, [1])
    week = b.assessment(slu, None, pw_class, criteria, bouzid, "Projectweek eindpresentatie")
    b.team_scores(slu, week, criteria, [2])
    site = b.assessment(slu, portfolio, wd_class, criteria, bouzid, "Oplevering website")
    b.team_scores(slu, site, criteria, [1, 2])
    schema = b.assessment(slu, canteen, db_class, criteria, devries, "Datamodel")
    b.team_scores(slu, schema, criteria, [1, 2])
    game = b.assessment(cca, games, inf_class, other_criteria, groen, "Eindproduct")
    b.team_scores(cca, game, other_criteria, [1])
    return b


def write_legacy_demo(connection: sa.Connection) -> LegacyDemoSummary:
    """Create the legacy tables on ``connection`` (an empty database) and fill them. The caller
    commits."""
    import sqlalchemy as sa

    from teameval.migration.legacy_shape import create_legacy_schema

    create_legacy_schema(connection, assessments=True)
    builder = _scenario()
    for table in TABLES:
        rows = builder.rows.tables[table]
        columns = list(rows[0])
        connection.execute(
            sa.text(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + column for column in columns)})"
            ),
            rows,
        )
        if connection.dialect.name == "postgresql":
            # Fixed ids bypass the sequences; later inserts must not collide with them.
            connection.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :last)"),
                {"last": len(rows)},
            )
    counts = {table: len(rows) for table, rows in builder.rows.tables.items()}
    return LegacyDemoSummary(counts=counts, school_id=1, other_school_id=2)
