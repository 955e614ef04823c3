"""Split the outbox from the dossier record; counters move into the database.

Revision ID: 0002

Queued dossiers of revision 0001 are carried over: their metadata stays in
``dossiers``, their sealed box moves to ``dossier_contents`` and their queue
state (state, attempts, last error, idempotency key) to ``outbox``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_contents",
        sa.Column(
            "code",
            sa.String(40),
            sa.ForeignKey("dossiers.code", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "code",
            sa.String(40),
            sa.ForeignKey("dossiers.code", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("central_ref", sa.String(64), nullable=True),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])
    op.create_table(
        "counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO dossier_contents (code, sealed) SELECT code, sealed FROM dossiers")
    op.execute(
        "INSERT INTO outbox (code, state, idempotency_key, attempts, last_error) "
        "SELECT code, state, idempotency_key, attempts, last_error FROM dossiers"
    )
    op.drop_index("ix_dossiers_state", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        for column in ("state", "attempts", "last_error", "idempotency_key", "sealed"):
            batch.drop_column(column)


def downgrade() -> None:
    raise NotImplementedError("a kiosk never downgrades its queue")
