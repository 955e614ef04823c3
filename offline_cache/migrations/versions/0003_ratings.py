"""Ratings wait in the database for the centre, like dossiers.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("level", sa.String(24), nullable=False),
        sa.Column("procedure_code", sa.String(40), nullable=True),
        sa.Column("sealed_reason", sa.LargeBinary(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    )
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])
    op.create_index("ix_ratings_state", "ratings", ["state"])


def downgrade() -> None:
    raise NotImplementedError("a kiosk never downgrades its queue")
