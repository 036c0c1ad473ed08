"""foundation: securities, prices, factor returns, api keys

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

PRICE = sa.Numeric(18, 6)


def upgrade() -> None:
    op.create_table(
        "securities",
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("sector", sa.String(100)),
        sa.Column("industry", sa.String(200)),
        sa.PrimaryKeyConstraint("symbol", name="pk_securities"),
    )
    op.create_table(
        "prices",
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("open", PRICE),
        sa.Column("high", PRICE),
        sa.Column("low", PRICE),
        sa.Column("close", PRICE, nullable=False),
        sa.Column("adj_close", PRICE, nullable=False),
        sa.Column("volume", sa.BigInteger),
        sa.PrimaryKeyConstraint("symbol", "date", name="pk_prices"),
    )
    op.create_index("ix_prices_date", "prices", ["date"])
    op.create_table(
        "factor_returns",
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("mkt_rf", sa.Double, nullable=False),
        sa.Column("smb", sa.Double, nullable=False),
        sa.Column("hml", sa.Double, nullable=False),
        sa.Column("rf", sa.Double, nullable=False),
        sa.Column("mom", sa.Double),
        sa.PrimaryKeyConstraint("frequency", "date", name="pk_factor_returns"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("key_prefix", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("factor_returns")
    op.drop_index("ix_prices_date", table_name="prices")
    op.drop_table("prices")
    op.drop_table("securities")
