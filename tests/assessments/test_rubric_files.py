"""Rubric files on both engines: the seed platform's CSV (two rubrics in one file), our CSV and
JSON, preview writes nothing (every table compared in full), commit is all or nothing, errors
name line and column, export then import round-trips exactly (property), through HTTP and CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from teameval.assessments.rubrics.files import export_rubric, import_rubrics
from teameval.assessments.rubrics.schemas import RubricCreate
from teameval.assessments.rubrics.service import create_rubric, rubric_out
from teameval.audit_trail import Actor
from teameval.models import AuditLog, Rubric, RubricCriterion
from tests.cli_helpers import run_cli
from tests.roster.conftest import API, RosterWorld, bearer

SEED = (
    b"scope,target_level,rubric_title,rubric_description,scale_min,scale_max,criterion_name,"
    b"category,weight,level1,level2,level3,level4,level5,learning_objectives\r\n"
    b"project,havo4,Onderzoek,Het onderzoeksverslag,1,5,Vraagstelling,Inhoud,2,geen,zwak,"
    b"voldoende,goed,uitstekend,LO1\r\n"
    b'project,havo4,Onderzoek,,1,5,Bronnen,Inhoud,"1,5",,,,,,\r\n'
    b"peer,havo4,Samenwerken,Peer feedback,1,4,Inzet,Proces,1,nooit,soms,vaak,altijd,,\r\n"
)

LIMITS = {"max_bytes": 1_000_000, "max_rows": 1000}


def _tables(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "rubrics": [tuple(r) for r in session.execute(sa.select(Rubric.__table__)).all()],
        "criteria": [tuple(r) for r in session.execute(sa.select(RubricCriterion.__table__)).all()],
        "audit": [tuple(r) for r in session.execute(sa.select(AuditLog.__table__)).all()],
    }


def _import(client: TestClient, worlds: RosterWorld, data: bytes, mode: str) -> Any:
    return client.post(
        f"{API}/rubrics/import",
        files={"file": ("rubrics.csv", data, "text/csv")},
        data={"mode": mode},
        headers=bearer(worlds.north, "teacher"),
    )


def test_seed_csv_preview_writes_nothing_and_commit_creates_both(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        before = _tables(session)
    preview = _import(client, worlds, SEED, "preview")
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["format"] == "seed-csv"
    assert report["committed"] is False
    assert report["errors"] == []
    assert report["warnings"] == [
        "Not kept (teameval rubrics have no such field): target_level, learning_objectives."
    ]
    assert [
        (r["id"], r["title"], r["scope"], r["criteria"], r["lines"]) for r in report["rubrics"]
    ] == [
        (None, "Onderzoek", "project", ["Vraagstelling", "Bronnen"], [2, 3]),
        (None, "Samenwerken", "peer", ["Inzet"], [4]),
    ]
    with session_factory() as session:
        assert _tables(session) == before

    committed = _import(client, worlds, SEED, "commit")
    assert committed.status_code == 200, committed.text
    ids = [r["id"] for r in committed.json()["rubrics"]]
    teacher = bearer(worlds.north, "teacher")
    first = client.get(f"{API}/rubrics/{ids[0]}", headers=teacher).json()
    second = client.get(f"{API}/rubrics/{ids[1]}", headers=teacher).json()
    assert {k: first[k] for k in ("title", "description", "scope", "scale_min", "scale_max")} == {
        "title": "Onderzoek",
        "description": "Het onderzoeksverslag",
        "scope": "project",
        "scale_min": 1,
        "scale_max": 5,
    }
    assert [
        (c["name"], c["weight"], c["category"], c["descriptors"]) for c in first["criteria"]
    ] == [
        ("Vraagstelling", "2", "Inhoud", ["geen", "zwak", "voldoende", "goed", "uitstekend"]),
        ("Bronnen", "1.5", "Inhoud", None),
    ]
    assert [
        (c["name"], c["weight"], c["category"], c["descriptors"]) for c in second["criteria"]
    ] == [("Inzet", "1", "Proces", ["nooit", "soms", "vaak", "altijd"])]
    # Made by the caller: the teacher may change them.
    assert (
        client.patch(f"{API}/rubrics/{ids[0]}", json={"title": "X"}, headers=teacher).status_code
        == 200
    )


def test_errors_name_line_and_column_and_a_commit_writes_nothing(
    client: TestClient, worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    bad = (
        b"title;scope;scale_min;scale_max;criterion;weight;category;level1;level2;level3\r\n"
        b"Good;project;1;3;A;1;;x;y;z\r\n"
        b"Bad;project;1;3;B;0;;;;\r\n"
        b"Bad;peer;1;3;C;1;;;;\r\n"
        b"Worse;project;1;2;D;1;;a;b;c\r\n"
        b";project;1;2;E;1;;;;\r\n"
        b"Scale;project;one;2;F;1;;;;\r\n"
    )
    with session_factory() as session:
        before = _tables(session)
    response = _import(client, worlds, bad, "commit")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["committed"] is False
    assert problem["delimiter"] == "semicolon"
    assert [(e["line"], e["column"], e["rubric"]) for e in problem["errors"]] == [
        (6, "title", None),
        (4, "scope", "Bad"),
        (5, "level3", "Worse"),
        (7, "scale_min", "Scale"),
    ]
    assert problem["errors"][1]["message"] == "is 'peer' but line 3 says 'project'"
    with session_factory() as session:
        assert _tables(session) == before
    weight = _import(
        client,
        worlds,
        b"title,scope,scale_min,scale_max,criterion,weight\r\nW,project,1,3,B,0\r\n",
        "preview",
    )
    assert [(e["line"], e["column"]) for e in weight.json()["errors"]] == [(2, "weight")]


def test_an_unknown_header_is_refused_naming_what_it_found(
    client: TestClient, worlds: RosterWorld
) -> None:
    response = _import(client, worlds, b"naam,gewicht\r\nA,1\r\n", "preview")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unusable-import-file"
    assert "'naam', 'gewicht'" in response.json()["detail"]


def test_students_may_not_import(client: TestClient, worlds: RosterWorld) -> None:
    response = client.post(
        f"{API}/rubrics/import",
        files={"file": ("r.csv", SEED, "text/csv")},
        headers=bearer(worlds.north, "student"),
    )
    assert response.status_code == 403


texts = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)


@st.composite
def rubric_bodies(draw: st.DrawFn) -> RubricCreate:
    smin = draw(st.integers(0, 3))
    smax = smin + draw(st.integers(1, 9))
    levels = smax - smin + 1
    criteria = [
        {
            "name": draw(texts),
            "weight": str(Decimal(draw(st.integers(1, 999_999_999))) / 1000),
            "category": draw(st.none() | texts),
            "descriptors": draw(st.none() | st.lists(texts, min_size=levels, max_size=levels)),
        }
        for _ in range(draw(st.integers(1, 5)))
    ]
    return RubricCreate.model_validate(
        {
            "title": draw(texts),
            "description": draw(st.none() | texts),
            "scope": draw(st.sampled_from(["project", "peer"])),
            "scale_min": smin,
            "scale_max": smax,
            "criteria": criteria,
        }
    )


def test_export_then_import_round_trips_exactly(
    worlds: RosterWorld, session_factory: sessionmaker[Session]
) -> None:
    actor = Actor.command_line(worlds.north.school.id, "test")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rubric_bodies(), st.sampled_from(["json", "csv"]))
    def round_trip(body: RubricCreate, file_format: str) -> None:
        with session_factory() as session, session.begin():
            original = create_rubric(session, actor, body)
            data = export_rubric(session, original, file_format)  # type: ignore[arg-type]
            report = import_rubrics(session, actor, data, commit=True, **LIMITS)
            assert report.errors == [], report.errors
            (summary,) = report.rubrics
            again = session.get(Rubric, summary["id"])
            assert again is not None
            strip = lambda out: {  # noqa: E731
                **out.model_dump(exclude={"id", "criteria"}),
                "criteria": [c.model_dump(exclude={"id"}) for c in out.criteria],
            }
            assert strip(rubric_out(session, again)) == strip(rubric_out(session, original))
            session.rollback()

    round_trip()


def test_cli_import_preview_commit_and_export(
    client: TestClient, worlds: RosterWorld, db_url: str, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_bytes(SEED)
    slug = worlds.north.school.slug
    preview = run_cli(
        "rubrics", "import", str(seed), "--school", slug, "--json", "--database-url", db_url
    )
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout)["committed"] is False
    teacher = bearer(worlds.north, "teacher")
    assert client.get(f"{API}/rubrics", headers=teacher).json()["total"] == 1
    done = run_cli(
        "rubrics",
        "import",
        str(seed),
        "--school",
        slug,
        "--commit",
        "--json",
        "--database-url",
        db_url,
    )
    assert done.exit_code == 0, done.output
    ids = [r["id"] for r in json.loads(done.stdout)["rubrics"]]
    assert client.get(f"{API}/rubrics", headers=teacher).json()["total"] == 3
    out = tmp_path / "export.csv"
    exported = run_cli(
        "rubrics",
        "export",
        str(ids[0]),
        "--school",
        slug,
        "--format",
        "csv",
        "-o",
        str(out),
        "--database-url",
        db_url,
    )
    assert exported.exit_code == 0, exported.output
    assert out.read_bytes().decode("utf-8-sig").splitlines()[0] == (
        "title,description,scope,scale_min,scale_max,criterion,weight,category,"
        "level1,level2,level3,level4,level5"
    )
    as_json = run_cli("rubrics", "export", str(ids[1]), "--school", slug, "--database-url", db_url)
    assert json.loads(as_json.stdout) == {
        "title": "Samenwerken",
        "description": "Peer feedback",
        "scope": "peer",
        "scale_min": 1,
        "scale_max": 4,
        "criteria": [
            {
                "name": "Inzet",
                "weight": "1",
                "category": "Proces",
                "descriptors": ["nooit", "soms", "vaak", "altijd"],
            }
        ],
    }
    other_school = run_cli(
        "rubrics",
        "export",
        str(ids[1]),
        "--school",
        worlds.south.school.slug,
        "--database-url",
        db_url,
    )
    assert other_school.exit_code == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"title,scope,scale_min,scale_max,criterion,weight\r\nW,project,1,3,B,0\r\n")
    refused = run_cli(
        "rubrics",
        "import",
        str(bad),
        "--school",
        slug,
        "--commit",
        "--json",
        "--database-url",
        db_url,
    )
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["committed"] is False
    assert client.get(f"{API}/rubrics", headers=teacher).json()["total"] == 3
