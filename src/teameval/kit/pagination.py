"""Page-number pagination shared by every roster list: ``?page=1&page_size=50`` → a ``Page``.

``page`` is bounded so the offset (at most ``MAX_PAGE * MAX_PAGE_SIZE`` = 5e8) always fits
the databases' integer types; a page past the end is an empty page, a larger number a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Mapper, Session

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_request(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number.")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    ] = DEFAULT_PAGE_SIZE,
) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)


PageDep = Annotated[PageRequest, Depends(page_request)]


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    page: int
    page_size: int


def fetch_page(
    session: Session, query: Select[RowT], request: PageRequest
) -> tuple[Sequence[RowT], int]:
    """One page of ``query`` (already ordered) and the total, in two statements."""
    total = session.scalar(select(func.count()).select_from(_counted(query).subquery())) or 0
    rows = session.scalars(query.limit(request.page_size).offset(request.offset)).all()
    return rows, int(total)


def _counted(query: Select[RowT]) -> Select[Any]:
    """The rows to count: a query of one mapped class over its primary key only. As a
    subquery, a whole entity names every column, deferred ones too: ``ProjectTeam.team_id``,
    which a database retired by phase 6 no longer has."""
    query = query.order_by(None)
    described = query.column_descriptions
    if len(described) == 1 and isinstance(described[0]["expr"], type):
        mapper: Mapper[Any] | None = inspect(described[0]["expr"], raiseerr=False)
        if isinstance(mapper, Mapper):
            return query.with_only_columns(*mapper.primary_key, maintain_column_froms=True)
    return query
