"""orders: paper broker book

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

QTY = sa.Numeric(20, 6)
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "paper_orders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("limit_price", QTY),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", QTY, nullable=False),
        sa.Column("filled_avg_price", QTY),
        sa.Column("submitted_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("filled_at", TIME),
        sa.Column("canceled_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_paper_orders"),
        sa.UniqueConstraint("client_order_id", name="uq_paper_orders_client_order_id"),
    )
    op.create_index("ix_paper_orders_submitted_at", "paper_orders", ["submitted_at"])
    op.create_table(
        "paper_fills",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("price", QTY, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_paper_fills"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["paper_orders.id"], name="fk_paper_fills_order_id_paper_orders"
        ),
    )


def downgrade() -> None:
    op.drop_table("paper_fills")
    op.drop_index("ix_paper_orders_submitted_at", table_name="paper_orders")
    op.drop_table("paper_orders")
