"""allocations: the allocation history and its weights

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"  # after 0002_ledger
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("requested_method", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date),
        sa.Column("expected_return", sa.Double),
        sa.Column("volatility", sa.Double),
        sa.Column("sharpe", sa.Double),
        sa.Column("risk_free", sa.Double, nullable=False),
        sa.Column("return_estimator", sa.String(32), nullable=False),
        sa.Column("covariance_estimator", sa.String(32), nullable=False),
        sa.Column("solver_name", sa.String(32), nullable=False),
        sa.Column("solver_status", sa.String(32), nullable=False),
        sa.Column("solver_iterations", sa.Integer, nullable=False),
        sa.Column("solver_time", sa.Double, nullable=False),
        sa.Column("fallback", sa.Text),
        sa.Column("inputs_hash", sa.String(64), nullable=False),
        sa.Column("n_obs", sa.Integer, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_allocations"),
    )
    op.create_index("ix_allocations_method_id", "allocations", ["method", "id"])
    op.create_index("ix_allocations_inputs_hash", "allocations", ["inputs_hash"])
    op.create_table(
        "allocation_weights",
        sa.Column("allocation_id", sa.Integer, nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("weight", sa.Double, nullable=False),
        sa.Column("risk_contribution", sa.Double),
        sa.PrimaryKeyConstraint("allocation_id", "symbol", name="pk_allocation_weights"),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name="fk_allocation_weights_allocation_id_allocations",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("allocation_weights")
    op.drop_index("ix_allocations_inputs_hash", table_name="allocations")
    op.drop_index("ix_allocations_method_id", table_name="allocations")
    op.drop_table("allocations")
