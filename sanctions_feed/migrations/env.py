"""Alembic's environment: migrations run on the connection `open_store` hands over."""

from alembic import context
from sqlmodel import SQLModel

from sanctions_feed.schemas import tables  # noqa: F401 (the tables, registered on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
