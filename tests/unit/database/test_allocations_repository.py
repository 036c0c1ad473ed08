"""The allocation history on SQLite and MariaDB: round trip, ordering, filter, cascade."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import inspect, text

from pas.analytics.allocation import allocate
from pas.bootstrap import Container
from pas.core.errors import NotFound
from tests.conftest import make_settings
from tests.unit.analytics.allocation.conftest import factor_model_returns


@pytest.fixture
def db(any_db_url: str, tmp_path: Path) -> Container:
    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    yield c  # type: ignore[misc]
    c.close()


def test_round_trip(db: Container) -> None:
    returns = factor_model_returns(5, 300, 1)
    sectors = {s: "Tech" if i % 2 else "Energy" for i, s in enumerate(returns.columns)}
    alloc = allocate(returns=returns, method="dynamic", sectors=sectors, risk_free=0.01)
    with db.uow() as uow:
        stored = uow.allocations.add(alloc)
        uow.commit()
    with db.uow() as uow:
        back = uow.allocations.get(stored.id)
    assert back.weights == pytest.approx(alloc.weights.to_dict(), abs=1e-15)
    assert "CASH" in back.weights and back.method == "dynamic"
    assert back.inputs_hash == alloc.inputs_hash and back.as_of == alloc.as_of.date()
    assert back.sector_weights == pytest.approx(alloc.sector_weights.to_dict())
    assert back.risk_contributions == pytest.approx(alloc.risk_contributions.to_dict())
    assert back.solver["name"] == alloc.solver.name and back.notes == alloc.notes
    assert np.isclose(back.sharpe, alloc.sharpe) and back.parameters["risk_free"] == 0.01


def test_list_and_missing(db: Container) -> None:
    returns = factor_model_returns(3, 200, 2)
    with db.uow() as uow:
        for method in ("equal_weight", "hrp", "equal_weight"):
            uow.allocations.add(allocate(returns=returns, method=method))
        uow.commit()
    with db.uow() as uow:
        assert [a.method for a in uow.allocations.list()] == ["equal_weight", "hrp", "equal_weight"]
        assert [a.id for a in uow.allocations.list("equal_weight", 1)] == [3]
        with pytest.raises(NotFound):
            uow.allocations.get(42)


def test_rollback_writes_nothing(db: Container) -> None:
    with db.uow() as uow:
        uow.allocations.add(allocate(returns=factor_model_returns(3, 100, 3)))
    with db.uow() as uow:
        assert uow.allocations.list() == []


def test_migration_matches_the_models(db: Container) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pas.database.init_db import head_revision
    from pas.database.models import Base

    names = set(inspect(db.engine).get_table_names())
    assert {"allocations", "allocation_weights"} <= names
    with db.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    ours = [d for d in diff if "allocation" in repr(d)]
    assert ours == []
