"""Support staff: who may sign in, their lockouts, the staff calls waiting for the centre,
the hash-chained audit log, and which dossiers a staff member assisted.

Revision ID: 0005

- ``staff_accounts``: the staff list (from the centre, signed, or the local list a
  technician manages): staff ID, role, the PIN's Argon2id hash, a SHA-256 of the
  staff member's own ID card number (their card signs them in), never a name;
- ``staff_lockouts``: failed sign-ins per staff ID (kept when the list is replaced);
- ``staff_calls``: "Gọi nhân viên" alerts queued for the centre like dossiers;
- ``audit_log``: one row per staff or technician action, each carrying the hash of
  the previous one and the kiosk's signature; ``sent_at`` once the centre has it;
- ``dossiers.assisted_by``: the staff ID of the staff member who assisted.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("staff_id", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=False),
        sa.Column("card_sha256", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("list_version", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_staff_accounts_card_sha256", "staff_accounts", ["card_sha256"])
    op.create_table(
        "staff_lockouts",
        sa.Column("staff_id", sa.String(40), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "staff_calls",
        sa.Column("call_id", sa.String(32), primary_key=True),  # also the idempotency key
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=False),
        # pending → sent → acknowledged; "closed" when the kiosk no longer waits for it
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_staff_calls_state", "staff_calls", ["state"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("dossier_code", sa.String(40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(120), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_audit_log_sent_at", "audit_log", ["sent_at"])
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("assisted_by", sa.String(40), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("a kiosk never downgrades its queue")
