"""The store as release 0.1 made it (before migrations): the baseline.

A store without Alembic's version table but with our tables is upgraded through this revision,
which takes it as 0.1 left it; one older still (made while 0.1 was in development) gets the
columns added since, each with its default.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Columns that stores made during 0.1's development may lack, as 0.1 declared them.
_LATE_COLUMNS = {
    "listings": [sa.Column("raw_label", sa.String(), nullable=True)],
    "sources": [
        sa.Column("raw_parts", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("warnings", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    ],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for table, columns in _LATE_COLUMNS.items():
        if not inspector.has_table(table):
            continue
        present = {column["name"] for column in inspector.get_columns(table)}
        for column in columns:
            if column.name not in present:
                op.add_column(table, column)


def downgrade() -> None:
    raise NotImplementedError("release 0.1 is the oldest store schema")
