"""Every record type, declared once: pydantic models for what crosses a boundary and what is
published, SQLModel tables for the store."""
