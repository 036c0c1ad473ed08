"""ledger history: each journal row names its epoch and links to its predecessor

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add constraints to a table in place (it copies it)
    with op.batch_alter_table("ledger_events") as batch:
        batch.add_column(sa.Column("epoch", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("prev_seq", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("prev_epoch", sa.String(32), nullable=True))
        batch.create_unique_constraint("uq_ledger_events_history", ["account", "seq", "epoch"])
        batch.create_foreign_key(
            "fk_ledger_events_predecessor",
            "ledger_events",
            ["account", "prev_seq", "prev_epoch"],
            ["account", "seq", "epoch"],
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_events") as batch:
        batch.drop_constraint("fk_ledger_events_predecessor", type_="foreignkey")
        batch.drop_constraint("uq_ledger_events_history", type_="unique")
        batch.drop_column("prev_epoch")
        batch.drop_column("prev_seq")
        batch.drop_column("epoch")
