"""Errors on web pages: the same ``AppError`` the services raise, answered as an HTML page in
the visitor's language (the API keeps its problem details). Not signed in: a redirect to the
sign-in page that comes back here afterwards."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from teameval.errors import AppError
from teameval.web import i18n
from teameval.web.session import read_visitor, write_visitor
from teameval.web.templating import render_template

# Everything outside these is a page of the web UI.
NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/static/")


# The status line a page shows, translated; the service's own detail follows it in English.
def N_(message: str) -> str:
    return message


TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("This page does not exist"),
    405: N_("This page does not accept that request"),
    409: N_("This could not be done in its current state"),
    412: N_("Someone else changed this in the meantime"),
    413: N_("The file is too large"),
    422: N_("Some input is not valid"),
    429: N_("Too many attempts"),
    503: N_("The service is busy"),
}


def is_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(NOT_PAGES) and path != "/api"


def error_page(request: Request, error: AppError) -> Response:
    secret_key = request.app.state.teameval.secret_key
    visitor = read_visitor(request, secret_key)
    if error.status == 401:
        from teameval.web.pages import sign_in_url  # pages imports this module's neighbours

        target = sign_in_url(request.url.path if request.method == "GET" else "/")
        response: Response
        if request.headers.get("HX-Request") == "true":
            response = HTMLResponse("", status_code=401, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        write_visitor(response, request, visitor, secret_key)
        return response
    language = i18n.choose_language(
        visitor.language, i18n.from_accept_language(request.headers.get("accept-language"))
    )
    translate = i18n.translations(language).gettext
    title = translate(TITLES.get(error.status) or N_("Something went wrong"))
    body = render_template(
        "errors/error.html",
        language,
        {
            "status": error.status,
            "title": title,
            "detail": error.detail,
            "errors": error.extensions.get("errors") or [],
            "signed_in": visitor.user_id is not None,
            "csrf_token": visitor.csrf_token,
            "language": language,
        },
    )
    response = HTMLResponse(body, status_code=error.status, headers=error.headers())
    response.headers["Cache-Control"] = "no-store"
    write_visitor(response, request, visitor, secret_key)
    return response
