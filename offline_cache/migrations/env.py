"""Alembic environment: migrations run from the kiosk itself (see offline_cache.store).

Unlike Alembic's template, no ``logging.config.fileConfig``: that would put its own
INFO handler on stderr; the kiosk's logging is set up once, by kiosk.runtime.logs.
"""

from __future__ import annotations

from alembic import context

from offline_cache.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
