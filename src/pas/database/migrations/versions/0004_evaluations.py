"""evaluations: runs, daily returns, rebalance weights, resumable states, fallbacks, jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("last_date", sa.Date),
        sa.PrimaryKeyConstraint("id", name="pk_evaluation_runs"),
        sa.UniqueConstraint("params_hash", name="uq_evaluation_runs_params_hash"),
    )
    op.create_table(
        "evaluation_returns",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("gross", sa.Double),
        sa.Column("net", sa.Double),
        sa.Column("turnover", sa.Double, nullable=False),
        sa.Column("cost", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "method", "date", name="pk_evaluation_returns"),
    )
    op.create_table(
        "evaluation_weights",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("weight", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "method", "date", "symbol", name="pk_evaluation_weights"),
    )
    op.create_table(
        "evaluation_states",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "method", name="pk_evaluation_states"),
    )
    op.create_table(
        "evaluation_fallbacks",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "method", "date", name="pk_evaluation_fallbacks"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )


def downgrade() -> None:
    for table in (
        "jobs",
        "evaluation_fallbacks",
        "evaluation_states",
        "evaluation_weights",
        "evaluation_returns",
        "evaluation_runs",
    ):
        op.drop_table(table)
