"""Every source sends a constant number of statements whatever the layout's size: 10 students in
2 teams and 60 in 12 send exactly as many (set-based reads, then the one layout write path)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from teameval.models import User
from tests.factories import make_group, make_project, make_team
from tests.projects.teams.sources_support import Factory, group_member, students
from tests.roster.conftest import API, RosterWorld, bearer
from tests.statements import recorded_statements

TEAM_SIZE = 5


def _engine(client: TestClient) -> sa.Engine:
    engine: sa.Engine = client.app.state.teameval.session_factory.kw["bind"]  # type: ignore[attr-defined]
    return engine


def _counts(client: TestClient, worlds: RosterWorld, factory: Factory, size: int) -> list[int]:
    north = worlds.north
    prefix = f"n{size}-"
    ids = students(factory, north.course, size, prefix=prefix)
    teams = [ids[i : i + TEAM_SIZE] for i in range(0, size, TEAM_SIZE)]
    with factory.begin() as session:
        course = session.merge(north.course)
        for number, members in enumerate(teams, start=size * 10):
            group = make_group(session, course, number)
            for member in members:
                group_member(session, group.id, course.id, course.school_id, member)
        source = make_project(session, course, f"Source {size}")
        people = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(ids)))}
        for number, members in enumerate(teams, start=1):
            make_team(session, source, number, *(people[m] for m in members))
        targets = [make_project(session, course, f"Target {size} {i}").id for i in range(4)]
        source_id = source.id
    csv = "team_number,email\n" + "".join(
        f"{index // TEAM_SIZE + 1},{prefix}{index}@example.org\n" for index in range(size)
    )
    headers = bearer(north, "teacher")
    requests = [
        ("from-groups", {}),
        ("clone", {"json": {"source_project_id": source_id}}),
        ("generate", {"json": {"team_size": TEAM_SIZE, "seed": 1}}),
        (
            "import",
            {"files": {"file": ("t.csv", csv.encode(), "text/csv")}, "data": {"mode": "commit"}},
        ),
    ]
    counts = []
    for project_id, (source_name, kwargs) in zip(targets, requests, strict=True):
        with recorded_statements(_engine(client)) as sent:
            response = client.post(
                f"{API}/projects/{project_id}/teams/{source_name}", headers=headers, **kwargs
            )
        assert response.status_code == 200, (source_name, response.text)
        assert len(response.json()["teams"]) >= len(teams), source_name
        counts.append(len(sent))
    return counts


@pytest.mark.legacy
def test_sources_send_as_many_statements_for_60_students_as_for_10(
    client: TestClient, worlds: RosterWorld, session_factory: Factory
) -> None:
    small = _counts(client, worlds, session_factory, 10)
    large = _counts(client, worlds, session_factory, 60)
    assert large == small
