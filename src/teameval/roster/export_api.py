"""``GET /admin/students/export.csv``: the admin list, as a CSV the importer reads back."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from teameval.config import LegacyGroupsMode
from teameval.deps import AdminDep, SessionDep, StateDep
from teameval.inputs import SingleLine
from teameval.roster.exporter import export_students

router = APIRouter(prefix="/admin/students", tags=["students"])


@router.get(
    "/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with BOM."}},
)
def export_students_csv(
    admin: AdminDep,
    session: SessionDep,
    state: StateDep,
    q: Annotated[
        SingleLine | None,
        Query(max_length=100, description="Name, email, class or student number."),
    ] = None,
    course: Annotated[
        SingleLine | None,
        Query(max_length=50, description="Only students enrolled in this code."),
    ] = None,
    status_filter: Annotated[Literal["active", "archived"] | None, Query(alias="status")] = None,
) -> Response:
    export = export_students(
        session,
        admin.school_id,
        search=q,
        course_code=course,
        status=status_filter,
        include_team=state.settings.legacy_groups == LegacyGroupsMode.DUAL_WRITE,
    )
    return Response(
        content=export.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
