"""Change checks: when a source was last changed and published, and its change signals.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


COLUMNS = [
    sa.Column("last_changed", sa.DateTime(), nullable=True),
    sa.Column("last_published", sa.DateTime(), nullable=True),
    sa.Column("last_release", sa.String(), nullable=True),
    sa.Column("signals", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
]


def upgrade() -> None:
    # A store made by a development build between 0.1 and migrations may have some already.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("sources")}
    with op.batch_alter_table("sources") as table:
        for column in COLUMNS:
            if column.name not in present:
                table.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("sources") as table:
        for name in ("signals", "last_release", "last_published", "last_changed"):
            table.drop_column(name)
