"""Who submitted a queued dossier (a keyed hash), whether its receipt was printed, and
each sealed box's SHA-256 (a salvage tells a whole box from a damaged one).

Revision ID: 0004

Dossiers queued before this revision have no hash (the kiosk's look-up cannot
confirm them: the centre answers once they arrive) and their receipt is
``unknown``, so they are not reported as missing receipts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("submitter_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("receipt", sa.String(16), nullable=True))
        batch.add_column(sa.Column("receipt_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE dossiers SET receipt = 'unknown'")
    with op.batch_alter_table("dossier_contents") as batch:
        batch.add_column(sa.Column("sealed_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("a kiosk never downgrades its queue")
