"""The web UI's languages: a school's default and each user's own choice (issue 11).

Two nullable columns, each limited to the languages the UI has catalogs for. ``NULL`` means
"not chosen": a user without a choice gets the school's language, a school without one gets the
browser's preference. ``batch_alter_table`` adds the check constraints on SQLite too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The languages of migration 0008; a later language is a later migration.
_KNOWN = "locale IS NULL OR locale IN ('nl', 'en')"


def upgrade() -> None:
    for table in ("schools", "users"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("locale", sa.String(8), nullable=True))
            batch.create_check_constraint(op.f(f"ck_{table}_locale_known"), _KNOWN)


def downgrade() -> None:
    for table in ("users", "schools"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_locale_known"), type_="check")
            batch.drop_column("locale")
