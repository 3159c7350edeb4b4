"""What the assessment pages share: reading a form whose field names depend on the data (one
radio group per criterion), a form value as a whole number, and the services' pydantic bodies
built from form input with each problem named by its field instead of a 500."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from teameval.kit.inputs import MAX_DB_INT

BodyT = TypeVar("BodyT", bound=BaseModel)
FieldErrors = list[dict[str, str]]


async def read_form(request: Request) -> FormData:
    # Starlette caches the parsed form on the request: the CSRF check has read it already.
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def whole_number(text: str) -> int | None:
    """A positive id or score as typed, else None (never a 500 on ``abc`` or a huge number)."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_DB_INT else None


def body_or_errors(model: type[BodyT], values: dict[str, Any]) -> tuple[BodyT | None, FieldErrors]:
    """``model(**values)``, or the problems pydantic found, each ``{field, message}``."""
    try:
        return model.model_validate(values), []
    except ValidationError as error:
        return None, [
            {"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
            for item in error.errors()
        ]
