"""metrics: daily metrics per sleeve and for the account; the updater's schedule marks

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(20, 6)


def upgrade() -> None:
    op.create_table(
        "metrics_daily",
        sa.Column("sleeve_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("equity", MONEY, nullable=False),
        sa.Column("cash", MONEY, nullable=False),
        sa.Column("flow", MONEY, nullable=False),
        sa.Column("daily_return", sa.Float),
        sa.Column("cumulative_return", sa.Float),
        sa.Column("gross_exposure", sa.Float),
        sa.Column("net_exposure", sa.Float),
        sa.Column("volatility_annual", sa.Float),
        sa.Column("drawdown", sa.Float),
        sa.Column("var_95", sa.Float),
        sa.Column("sector_weights", sa.Text, nullable=False),
        sa.Column("factor_betas", sa.Text, nullable=False),
        sa.Column("weights", sa.Text, nullable=False),
        sa.Column("stale", sa.Boolean, nullable=False),
        sa.Column("computed_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("sleeve_id", "date", name="pk_metrics_daily"),
    )
    op.create_table(
        "updater_marks",
        sa.Column("name", sa.String(191), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_updater_marks"),
    )


def downgrade() -> None:
    op.drop_table("updater_marks")
    op.drop_table("metrics_daily")
