"""The lists that were bare arrays before issue 8 (``GET /me/courses`` and a course's legacy
teams) are pages like every other list: ``page``/``page_size`` in, ``Page`` out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.factories import SchoolWorld

API = "/api/v1"


def test_my_courses_is_a_page(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north = two_schools[0]
    admin = login(client, "north", north.admin.email)
    codes = sorted([north.course.code, north.other_course.code])
    first = client.get(f"{API}/me/courses", params={"page_size": 1}, headers=admin).json()
    second = client.get(
        f"{API}/me/courses", params={"page": 2, "page_size": 1}, headers=admin
    ).json()
    assert (first["total"], first["page"], first["page_size"]) == (2, 1, 1)
    assert [first["items"][0]["code"], second["items"][0]["code"]] == codes
    past = client.get(f"{API}/me/courses", params={"page": 3}, headers=admin).json()
    assert (past["items"], past["total"]) == ([], 2)
    bad = client.get(f"{API}/me/courses", params={"page_size": 501}, headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.page_size"


@pytest.mark.legacy
def test_a_courses_legacy_teams_are_a_page(
    client: TestClient, two_schools: tuple[SchoolWorld, SchoolWorld]
) -> None:
    north = two_schools[0]
    teacher = login(client, "north", north.teacher.email)
    groups = f"{API}/courses/{north.course.id}/groups"
    for team in (3, 1, 2):
        assert client.post(groups, json={"team_number": team}, headers=teacher).status_code == 201
    pages = [
        client.get(groups, params={"page": page, "page_size": 2}, headers=teacher).json()
        for page in (1, 2)
    ]
    assert [page["total"] for page in pages] == [3, 3]
    assert [[g["team_number"] for g in page["items"]] for page in pages] == [[1, 2], [3]]
