"""orders: strategies, orders, order fills and events, paper broker book

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
    _routing_tables()


def _routing_tables() -> None:
    op.create_table(
        "strategies",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sleeve_id", sa.Integer, nullable=False),
        sa.Column("universe", sa.Text, nullable=False),
        sa.Column("scheme", sa.String(32), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(64)),
        sa.Column("order_settings", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_strategies"),
        sa.UniqueConstraint("name", name="uq_strategies_name"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("strategy_id", sa.Integer),
        sa.Column("sleeve_id", sa.Integer, nullable=False),
        sa.Column("reservation_id", sa.Integer, nullable=False),
        sa.Column("broker", sa.String(16), nullable=False),
        sa.Column("broker_order_id", sa.String(64)),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("limit_price", QTY),
        sa.Column("reserve_price", QTY, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", QTY, nullable=False),
        sa.Column("filled_avg_price", QTY),
        sa.Column("note", sa.String(255)),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("client_order_id", name="uq_orders_client_order_id"),
    )
    op.create_index("ix_orders_strategy_id", "orders", ["strategy_id"])
    op.create_index("ix_orders_status", "orders", ["status"])
    _order_history_tables()


def _order_history_tables() -> None:
    op.create_table(
        "order_fills",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("qty", QTY, nullable=False),
        sa.Column("price", QTY, nullable=False),
        sa.Column("cum_qty", QTY, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_fills"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_fills_order_id_orders"),
        sa.UniqueConstraint("order_id", "cum_qty", name="uq_order_fills_order_cum"),
    )
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", QTY, nullable=False),
        sa.Column("note", sa.String(255)),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_events_order_id_orders"
        ),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])


def downgrade() -> None:
    # dropping the table drops its index: MariaDB refuses to drop an index its foreign key uses
    op.drop_table("order_events")
    op.drop_table("order_fills")
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_index("ix_orders_strategy_id", table_name="orders")
    op.drop_table("orders")
    op.drop_table("strategies")
    op.drop_table("paper_fills")
    op.drop_index("ix_paper_orders_submitted_at", table_name="paper_orders")
    op.drop_table("paper_orders")
