"""Field checks shared by the API, the CSV importer and the CLI."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from teameval.errors import InvalidInput


def email_problem(email: str) -> str | None:
    """Why ``email`` (already normalised) is not a usable address, or None when it is."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None


def check_email(email: str) -> None:
    problem = email_problem(email)
    if problem:
        raise InvalidInput(
            f"Invalid email {email!r}: {problem}",
            errors=[{"field": "email", "message": problem}],
        )
