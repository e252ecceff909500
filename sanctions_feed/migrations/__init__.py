"""Alembic migrations of the store (see `sanctions_feed.store.open_store`)."""
