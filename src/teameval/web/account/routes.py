"""Sign in (school, email, password → the session cookie), sign out, choose the language.

Sign-in goes through the API's own service and the same throttle (per account and per address,
counted before the password is checked), so the browser is no easier to guess through than
``POST /api/v1/auth/login``. Only local paths are accepted as the page to return to.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from teameval.auth import service
from teameval.auth.passwords import HashingBusy
from teameval.auth.throttling import Attempt, account_key, client_address
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError, TooManyRequests, Unauthenticated
from teameval.models import School
from teameval.web import i18n
from teameval.web.csrf import CsrfChecked
from teameval.web.pages import Page, PublicPage, SignedInPage

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: ``//evil.example`` and ``https://…`` become the home page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _sign_in_form(
    page: Page,
    next_path: str,
    school: str = "",
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return page.render(
        "account/sign_in.html",
        {"next_path": next_path, "school_slug": school, "email": email, "error": error},
        status_code=status_code,
    )


@router.get("/sign-in")
def sign_in_page(page: PublicPage, next: Annotated[str | None, Query()] = None) -> Response:
    if page.user is not None:
        return page.redirect(_safe_next(next))
    return _sign_in_form(page, _safe_next(next))


@router.post("/sign-in", dependencies=[CsrfChecked])
def sign_in(
    page: PublicPage,
    session: SessionDep,
    state: StateDep,
    school: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    next_path = _safe_next(next)
    if not school.strip() or not email.strip() or not password:
        message = page.gettext("Fill in your school, email address and password.")
        return _sign_in_form(page, next_path, school, email, message, 422)
    attempt = Attempt(account_key(school, email), client_address(page.request))
    try:
        state.login_throttle.count_attempt(attempt)
        try:
            user = service.authenticate(session, school, email, password, state.hashing_gate)
        except HashingBusy:
            state.login_throttle.give_back(attempt)
            raise
    except Unauthenticated:
        message = page.gettext("School, email address or password is not correct.")
        return _sign_in_form(page, next_path, school, email, message, 401)
    except TooManyRequests as refused:
        message = page.gettext("Too many attempts. Wait a while and try again.")
        response = _sign_in_form(page, next_path, school, email, message, 429)
        response.headers.update(refused.headers())
        return response
    except AppError as busy:  # 503: the server is busy hashing passwords
        message = page.gettext("The service is busy. Try again in a moment.")
        response = _sign_in_form(page, next_path, school, email, message, busy.status)
        response.headers.update(busy.headers())
        return response
    state.login_throttle.succeeded(session, attempt)
    page.visitor.sign_in(user.id, user.school_id)
    if user.locale is None and page.visitor.language and user.school_id:
        # A language picked on the sign-in page is this user's choice from now on.
        school_row = session.get(School, user.school_id)
        if school_row is not None and school_row.locale != page.visitor.language:
            user.locale = page.visitor.language
    return page.redirect(next_path)


@router.post("/sign-out", dependencies=[CsrfChecked])
def sign_out(page: PublicPage) -> Response:
    page.visitor.sign_out()
    message = i18n.translations(page.language).gettext("You are signed out.")
    return page.redirect("/sign-in", flash=message)


@router.post("/language", dependencies=[CsrfChecked])
def choose_language(
    page: PublicPage,
    language: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = i18n.supported(language)
    if chosen is None:
        return page.redirect(_safe_next(next))
    page.visitor.choose_language(chosen)
    if page.user is not None:
        page.user.locale = chosen  # remembered for the user, on every browser
    return page.redirect(_safe_next(next))


@router.get("/account")
def account_page(page: SignedInPage) -> Response:
    return page.render("account/account.html")
