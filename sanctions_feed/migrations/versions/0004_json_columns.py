"""Lists and objects as JSON columns: addresses.issues; listings.assets, holder, other_holders,
programs and issues (they were JSON written as text).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = {("addresses", "issues"): "[]", ("listings", "assets"): "[]", ("listings", "holder"): "{}",
           ("listings", "other_holders"): "[]", ("listings", "programs"): "[]", ("listings", "issues"): "[]"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite keeps JSON as text whatever a column's declared type: nothing to convert
    for (table, column), empty in COLUMNS.items():
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE json USING {column}::json")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT '{empty}'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar USING {column}::text")
