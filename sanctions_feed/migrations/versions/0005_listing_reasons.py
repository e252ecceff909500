"""Listings keep the source's reason or remark for the record.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A store made before migrations is created whole by 0001 from today's models: it has it.
    if "reason" in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("listings")}:
        return
    with op.batch_alter_table("listings") as table:
        table.add_column(sa.Column("reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("listings") as table:
        table.drop_column("reason")
