"""named evaluation runs with their stored metrics; data versions for caches and ETags

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-26
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: the parameters of `pas evaluate --update`'s default run (symbols aside) when 0008 was written
_DEFAULT = {
    "rebalance": "M",
    "lookback": 756,
    "cost_bps": 10.0,
    "expected_returns": None,
    "covariance": "ledoit_wolf",
    "params": {},
}
_ALL = {
    "max_sharpe",
    "risk_parity",
    "min_variance",
    "strategic",
    "tactical",
    "dynamic",
    "equal_weight",
    "inverse_volatility",
    "hrp",
}
VERSIONED = ("securities", "prices", "factors", "evaluations", "allocations")


def _is_default(params: dict) -> bool:
    same = all(params.get(k) == v for k, v in _DEFAULT.items())
    return same and set(params.get("methods", ())) == _ALL


def _name_runs() -> None:
    """Name the newest run with the default parameters `default`, every other `run-<id>`."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, params FROM evaluation_runs ORDER BY updated_at DESC, id DESC")
    ).all()
    default = next((rid for rid, params in rows if _is_default(json.loads(params))), None)
    for rid, _ in rows:
        conn.execute(
            sa.text("UPDATE evaluation_runs SET name = :name WHERE id = :id"),
            {"name": "default" if rid == default else f"run-{rid}", "id": rid},
        )


def upgrade() -> None:
    with op.batch_alter_table("evaluation_runs") as batch:
        batch.add_column(sa.Column("name", sa.String(64), nullable=True))
        batch.add_column(sa.Column("metrics", sa.Text))
    _name_runs()
    with op.batch_alter_table("evaluation_runs") as batch:
        batch.alter_column("name", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_evaluation_runs_name", ["name"])
    versions = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_versions"),
    )
    op.bulk_insert(versions, [{"name": n, "version": 1} for n in VERSIONED])


def downgrade() -> None:
    op.drop_table("data_versions")
    with op.batch_alter_table("evaluation_runs") as batch:
        batch.drop_constraint("uq_evaluation_runs_name", type_="unique")
        batch.drop_column("metrics")
        batch.drop_column("name")
