from __future__ import annotations

import sys
from typing import Annotated

import typer

from teameval.cli.common import DatabaseUrlOption, console, emit_json, fail, unit_of_work
from teameval.models import Role

schools_app = typer.Typer(help="Schools (tenants).", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)

JsonOption = typer.Option("--json", help="Print the result as JSON.")


@schools_app.command("create")
def create_school(
    slug: Annotated[str, typer.Option(help="Short id used at login, e.g. 'hillside'.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """Create a school."""
    # Imported when the command runs, so `teameval` starts fast for scripted audits.
    from teameval.roster.accounts import service as accounts

    with unit_of_work(database_url) as session:
        school = accounts.create_school(session, slug, name)
        result = {"id": school.id, "slug": school.slug, "name": school.name}
    if json_output:
        emit_json(result)
    else:
        console.print(f"Created school [bold]{result['slug']}[/] (id {result['id']}).")


def _read_password() -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def create_user(
    school: Annotated[str, typer.Option(help="The school's slug.")],
    role: Annotated[Role, typer.Option(help="admin, teacher or student.")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    database_url: Annotated[str | None, DatabaseUrlOption] = None,
    json_output: Annotated[bool, JsonOption] = False,
) -> None:
    """Create a user. The password is read from standard input, or prompted for on a terminal."""
    from teameval.audit_trail import Actor
    from teameval.roster.accounts import service as accounts

    password = _read_password()
    with unit_of_work(database_url) as session:
        found = accounts.school_by_slug(session, school)
        actor = Actor.command_line(found.id, "users create")
        user = accounts.create_user(
            session, actor, role=role, email=email, name=name, password=password
        )
        result = {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "school": found.slug,
        }
    if json_output:
        emit_json(result)
    else:
        console.print(f"Created {result['role']} [bold]{result['email']}[/] (id {result['id']}).")
