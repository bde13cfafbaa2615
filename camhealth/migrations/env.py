"""Alembic environment: runs on the connection camhealth hands over (see database.migrate)."""

from __future__ import annotations

from alembic import context

from camhealth.camera_registry.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("camhealth runs its migrations itself: see camera_registry/database.py")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
