"""What every page route receives: the visitor (cookie), the signed-in user, their language,
and ``render``/``redirect``, which write the cookie back when it changed.

A page route declares one of::

    def students_page(page: AdminPage, session: SessionDep) -> HTMLResponse: ...

``PublicPage`` (sign-in), ``SignedInPage`` (any role), ``AdminPage``, ``StaffPage`` (admin or
teacher), ``StudentPage``. Resources named in the path are resolved by ``teameval.access.pages``
(``PageCourseToView`` and friends), exactly as the API's ``access.dependencies`` do.
Not signed in → ``SignInRequired`` → a redirect to the sign-in page (``web.errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from teameval.access.principal import Principal, require_role
from teameval.deps import SessionDep, StateDep
from teameval.errors import AppError
from teameval.models import Role, School, User
from teameval.web import i18n
from teameval.web.session import Visitor, read_visitor, write_visitor
from teameval.web.templating import render_template

# The request's Visitor is kept on request.state so every dependency sees the same object.
_VISITOR = "teameval_visitor"


class SignInRequired(AppError):
    status = 401
    slug = "sign-in-required"
    title = "Sign in required"


def get_visitor(request: Request, state: StateDep) -> Visitor:
    visitor: Visitor | None = getattr(request.state, _VISITOR, None)
    if visitor is None:
        visitor = read_visitor(request, state.secret_key)
        setattr(request.state, _VISITOR, visitor)
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


@dataclass
class Page:
    """One page request: who, in which language, and how to answer."""

    request: Request
    visitor: Visitor
    secret_key: str
    language: str
    user: User | None = None
    school: School | None = None

    @property
    def principal(self) -> Principal:
        if self.user is None:
            raise SignInRequired()
        return Principal(
            user_id=self.user.id,
            school_id=self.user.school_id,
            role=Role(self.user.role),
            email=self.user.email,
            name=self.user.name,
        )

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    def gettext(self, message: str) -> str:
        return i18n.translations(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return i18n.translations(self.language).ngettext(singular, plural, n)

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def render(
        self,
        template: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The template with the page's own context (``page``, ``user``, ``csrf_token``, the
        flashes to announce) under ``context``."""
        if self.user is not None and self.visitor.language != self.language:
            # Remembered in the cookie too, so an error page (which reads no database) and the
            # sign-in page after signing out speak the same language.
            self.visitor.choose_language(self.language)
        full = {
            "page": self,
            "user": self.user,
            "school": self.school,
            "language": self.language,
            "csrf_token": self.visitor.csrf_token,
            "flashes": self.visitor.take_flashes(),
            "request_path": self.request.url.path,
            "return_path": self.return_path(),
            **(context or {}),
        }
        body = render_template(template, self.language, full)
        response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
        self.finish(response)
        return response

    def redirect(self, url: str, flash: str | None = None, level: str = "success") -> Response:
        """303 See Other after a post (the browser then GETs ``url``), with an optional message
        the next page announces. HTMX requests get ``HX-Redirect`` instead: it follows it."""
        if flash:
            self.visitor.flash(flash, level)
        response: Response
        if self.is_htmx:
            response = HTMLResponse("", headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        self.finish(response)
        return response

    def return_path(self) -> str:
        """Where the language switch comes back to: this page when it was a GET (with its
        query), else the page the form was on (a 422 form or an import preview answers a POST
        whose path may have no GET)."""
        if self.request.method == "GET":
            query = self.request.url.query
            return self.request.url.path + (f"?{query}" if query else "")
        referer = urlsplit(self.request.headers.get("referer", ""))
        if referer.netloc == self.request.url.netloc and referer.path.startswith("/"):
            return referer.path + (f"?{referer.query}" if referer.query else "")
        return "/"

    def finish(self, response: Response) -> None:
        write_visitor(response, self.request, self.visitor, self.secret_key)
        # Pages hold personal data: never kept by shared caches or the back button's disk cache.
        response.headers.setdefault("Cache-Control", "no-store")


def sign_in_url(next_path: str) -> str:
    return "/sign-in?next=" + quote(next_path, safe="/")


def _signed_in_user(session: Session, visitor: Visitor) -> tuple[User, School] | None:
    if visitor.user_id is None or visitor.school_id is None:
        return None
    row = session.execute(
        select(User, School)
        .join(School, School.id == User.school_id)
        .where(User.id == visitor.user_id, User.school_id == visitor.school_id)
    ).first()
    if row is None or row[0].archived:
        return None
    return row[0], row[1]


def _language(request: Request, visitor: Visitor, user: User | None, school: School | None) -> str:
    return i18n.choose_language(
        user.locale if user else None,
        visitor.language if user is None else None,
        school.locale if school else None,
        visitor.language,
        i18n.from_accept_language(request.headers.get("accept-language")),
    )


def public_page(
    request: Request, state: StateDep, session: SessionDep, visitor: VisitorDep
) -> Page:
    """A page anyone may see (sign-in); knows the user when someone is signed in."""
    found = _signed_in_user(session, visitor)
    user, school = found if found else (None, None)
    return Page(
        request, visitor, state.secret_key, _language(request, visitor, user, school), user, school
    )


def signed_in_page(page: Annotated[Page, Depends(public_page)]) -> Page:
    if page.user is None:
        if page.visitor.user_id is not None:  # signed in once, archived or expired since
            page.visitor.sign_out()
        raise SignInRequired()
    return page


def _role_page(*roles: Role) -> Any:
    def dependency(page: Annotated[Page, Depends(signed_in_page)]) -> Page:
        require_role(page.principal, *roles)
        return page

    return dependency


PublicPage = Annotated[Page, Depends(public_page)]
SignedInPage = Annotated[Page, Depends(signed_in_page)]
AdminPage = Annotated[Page, Depends(_role_page(Role.ADMIN))]
StaffPage = Annotated[Page, Depends(_role_page(Role.ADMIN, Role.TEACHER))]
TeacherPage = Annotated[Page, Depends(_role_page(Role.TEACHER))]
StudentPage = Annotated[Page, Depends(_role_page(Role.STUDENT))]
