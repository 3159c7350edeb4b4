"""Rubrics: the school's list, create with criteria, weights and level descriptors, one rubric's
page, edit (until it is frozen), copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from teameval.access.pages import PageRubricToManage, PageRubricToView, allows
from teameval.access.rubrics import RUBRIC, RubricAction
from teameval.assessments.rubrics import service as rubrics
from teameval.assessments.rubrics import usage
from teameval.deps import SessionDep
from teameval.errors import Conflict, InvalidInput
from teameval.kit.inputs import SingleLine
from teameval.kit.pagination import MAX_PAGE, PageRequest, fetch_page
from teameval.models import Rubric
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, StaffPage
from teameval.web.rubrics import forms
from teameval.web.rubrics.forms import RubricForm

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


def N_(message: str) -> str:
    return message


SCOPES = {"project": N_("Project assessment"), "peer": N_("Peer evaluation")}


@router.get("/rubrics")
def rubric_list(
    page: StaffPage,
    session: SessionDep,
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    q: Annotated[SingleLine | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    query = rubrics.rubric_list_query(page.principal, scope=None, search=q)
    rows, total = fetch_page(session, query, PageRequest(number, PAGE_SIZE))
    ids = [rubric.id for rubric in rows]
    return page.render(
        "rubrics/list.html",
        {
            "rubrics": rows,
            "criteria": usage.criterion_counts(session, ids),
            "in_use": usage.assessment_counts(session, ids),
            "owners": usage.creator_names(session, [rubric.created_by_id for rubric in rows]),
            "scopes": SCOPES,
            "search": q or "",
            "paging": {"page": number, "pages": max(1, -(-total // PAGE_SIZE)), "total": total},
        },
    )


def _form_page(
    page: Page,
    form: RubricForm,
    rubric: Rubric | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page.render(
        "rubrics/form.html",
        {"form": form, "rubric": rubric, "scopes": SCOPES, "problems": _problems(page, form)},
        status_code=status_code,
    )


FIELD_NAMES = {
    "title": N_("Rubric title"),
    "scope": N_("What is the rubric for?"),
    "scale_min": N_("Lowest level"),
    "scale_max": N_("Highest level"),
}


def _problems(page: Page, form: RubricForm) -> list[dict[str, str]]:
    """The summary above the form: each problem with the control it is about."""
    found = []
    for name, message in form.errors.items():
        where = FIELD_NAMES.get(name)
        label = page.gettext(where) if where else ""
        if name.startswith("criterion-"):
            number = int(name.split("-")[1]) + 1
            label = page.gettext("Criterion %(number)s") % {"number": number}
        found.append({"field": label, "message": page.gettext(message)})
    return found + [{"field": "", "message": message} for message in form.general]


@router.get("/rubrics/new")
def new_rubric(page: StaffPage) -> HTMLResponse:
    return _form_page(page, forms.blank_form())


def _more_rows(form: RubricForm, action: str) -> bool:
    """Without JavaScript: "Add more rows" and "Show the levels" answer the form again."""
    if action == "more":
        form.add_rows(forms.BLANK_ROWS)
        return True
    return action == "levels"


@router.post("/rubrics", dependencies=[CsrfChecked])
async def create_rubric(page: StaffPage, session: SessionDep, request: Request) -> Response:
    posted = await request.form()
    form = forms.read_form(posted)
    if _more_rows(form, str(posted.get("action") or "")):
        return _form_page(page, form)
    body, parsed = forms.create_body(form)
    if body is not None:
        try:
            with session.begin_nested():
                rubric = rubrics.create_rubric(session, page.principal.actor, body)
        except InvalidInput as invalid:
            forms.place_service_errors(form, parsed, invalid.extensions.get("errors") or [])
        else:
            return page.redirect(f"/rubrics/{rubric.id}", flash=page.gettext("Rubric created."))
    return _form_page(page, form, status_code=422)


@router.post("/rubrics/criterion-row", dependencies=[CsrfChecked])
async def criterion_row(page: StaffPage, request: Request) -> HTMLResponse:
    """With HTMX, "Add criterion" appends one row (and counts it in the form's ``rows``)."""
    posted = await request.form()
    form = forms.read_form(posted)
    form.add_rows(1)
    return page.render("rubrics/_criterion_added.html", {"form": form, "row": form.rows[-1]})


@router.get("/rubrics/{rubric_id}")
def rubric_page(rubric: PageRubricToView, page: StaffPage, session: SessionDep) -> HTMLResponse:
    criteria = rubrics.criteria_of(session, [rubric.id])[rubric.id]
    return page.render(
        "rubrics/show.html",
        {
            "rubric": rubric,
            "criteria": criteria,
            "levels": list(range(rubric.scale_min, rubric.scale_max + 1)),
            "weights": {c.id: forms.exact(c.weight) for c in criteria},
            "owner": usage.creator_names(session, [rubric.created_by_id]).get(
                rubric.created_by_id or 0
            ),
            "in_use": usage.assessment_counts(session, [rubric.id]).get(rubric.id, 0),
            "may_edit": allows(session, page, RUBRIC, RubricAction.MANAGE, rubric.id),
            "scopes": SCOPES,
        },
    )


@router.get("/rubrics/{rubric_id}/edit")
def edit_rubric(rubric: PageRubricToManage, page: StaffPage, session: SessionDep) -> HTMLResponse:
    criteria = rubrics.criteria_of(session, [rubric.id])[rubric.id]
    return _form_page(page, forms.form_of_rubric(rubric, criteria), rubric)


@router.post("/rubrics/{rubric_id}", dependencies=[CsrfChecked])
async def update_rubric(
    rubric: PageRubricToManage, page: StaffPage, session: SessionDep, request: Request
) -> Response:
    posted = await request.form()
    form = forms.read_form(posted, rubric)
    if _more_rows(form, str(posted.get("action") or "")):
        return _form_page(page, form, rubric)
    body, parsed = forms.update_body(form)
    status_code = 422
    if body is not None:
        try:
            with session.begin_nested():
                rubrics.update_rubric(session, page.principal.actor, rubric, body)
        except InvalidInput as invalid:
            forms.place_service_errors(form, parsed, invalid.extensions.get("errors") or [])
        except Conflict:
            # Frozen meanwhile: the page then says why and offers the copy.
            session.refresh(rubric)
            status_code = 409
        else:
            return page.redirect(f"/rubrics/{rubric.id}", flash=page.gettext("Rubric saved."))
    return _form_page(page, form, rubric, status_code)


@router.post("/rubrics/{rubric_id}/copy", dependencies=[CsrfChecked])
def copy_rubric(rubric: PageRubricToView, page: StaffPage, session: SessionDep) -> Response:
    copy = rubrics.copy_rubric(session, page.principal.actor, rubric)
    return page.redirect(
        f"/rubrics/{copy.id}", flash=page.gettext("Copy made: this one you can change.")
    )
