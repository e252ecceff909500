"""Alembic migrations of the store (see `sanctions_feed.pipeline.store.open_store`)."""
