"""A continuous evaluation persisted on MariaDB and extended there."""

from __future__ import annotations

from pathlib import Path

from pas.workflows.evaluation import run_evaluation, update_all
from pas.workflows.evaluation_reads import DEFAULT_RUN
from tests.unit.workflows.test_evaluation_workflow import REQUEST, fresh, load, stored


def test_persistence_on_mariadb(mysql_url: str, tmp_path: Path, demo_batches) -> None:  # type: ignore[no-untyped-def]
    c = fresh(mysql_url, tmp_path, "m")
    load(c, demo_batches, "2006-01-01", "2007-03-30")
    first = run_evaluation(c.uow(), REQUEST, name=DEFAULT_RUN)
    load(c, demo_batches, "2006-01-01", "2007-05-31")
    (summary,) = update_all(c.uow())
    assert summary.new_days > 0 and summary.run.id == first.run.id
    rows = stored(c)
    assert rows.index.is_unique and rows["net"].notna().sum() > 0
    c.close()
