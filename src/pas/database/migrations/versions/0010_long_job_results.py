"""job results as long text on MariaDB: a reconciliation report outgrows TEXT's 64 KB

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "mysql":  # SQLite's TEXT has no such limit
        op.alter_column("jobs", "result", type_=mysql.LONGTEXT(), existing_nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "mysql":
        op.alter_column("jobs", "result", type_=sa.Text(), existing_nullable=True)
