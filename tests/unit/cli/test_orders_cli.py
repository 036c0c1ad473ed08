"""`pas strategies`, `pas rebalance`, `pas orders`, `pas reconcile` on the embedded defaults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pas.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_demo_strategies_rebalance_then_ledger_and_broker_agree(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_json(capsys, "data", "load-demo")
    demo = run_json(capsys, "strategies", "demo")
    assert [s["name"] for s in demo] == [
        "demo-max_sharpe", "demo-min_variance", "demo-risk_parity",
        "demo-strategic", "demo-tactical", "demo-dynamic",
    ]  # fmt: skip
    assert len({s["sleeve_id"] for s in demo}) == 6
    assert run_json(capsys, "strategies", "demo") == demo  # idempotent
    plan = run_json(capsys, "rebalance", "demo-min_variance", "--dry-run")
    assert plan["dry_run"] and plan["orders"] == [] and plan["plan"]["orders"]
    done = run_json(capsys, "rebalance", "demo-min_variance")
    assert done["orders"] and {o["status"] for o in done["orders"]} == {"filled"}
    assert main(["reconcile"]) == 0
    assert "ledger and broker agree" in capsys.readouterr().out
    assert main(["ledger", "verify"]) == 0
    capsys.readouterr()
    listed = run_json(capsys, "orders", "list", "--strategy", "demo-min_variance")
    assert {o["id"] for o in listed} == {o["id"] for o in done["orders"]}
    shown = run_json(capsys, "orders", "show", str(listed[0]["id"]))
    assert [h["status"] for h in shown["history"]] == ["new", "filled"] and len(shown["fills"]) == 1
    canceled = run_json(capsys, "orders", "cancel", str(listed[0]["id"]))
    assert canceled["status"] == "filled"  # too late to cancel


def test_strategies_crud_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "data", "load-demo")
    made = run_json(
        capsys, "strategies", "create", "tech", "--universe", "AAPL,MSFT,AMD",
        "--scheme", "equal_weight", "--cash", "50000", "--order", '{"type": "limit"}',
    )  # fmt: skip
    assert made["universe"] == ["AAPL", "MSFT", "AMD"] and made["order"]["type"] == "limit"
    assert run_json(capsys, "strategies", "show", "tech")["id"] == made["id"]
    assert [s["name"] for s in run_json(capsys, "strategies", "list")] == ["tech"]
    planned = run_json(capsys, "rebalance", "tech", "--dry-run")
    assert {o["type"] for o in planned["plan"]["orders"]} == {"limit"}
    assert (
        main(
            [
                "strategies",
                "create",
                "tech",
                "--universe",
                "AAPL",
                "--scheme",
                "equal_weight",
                "--cash",
                "1",
            ]
        )
        == 1
    )
    assert "exists already" in capsys.readouterr().err
    assert (
        main(["strategies", "create", "x", "--universe", "AAPL", "--scheme", "nope", "--cash", "1"])
        == 1
    )
    assert "unknown scheme" in capsys.readouterr().err
    assert main(["rebalance", "nope"]) == 1
    assert "no strategy named 'nope'" in capsys.readouterr().err
    run_json(capsys, "strategies", "delete", "tech")
    assert run_json(capsys, "strategies", "list") == []


def test_reconcile_exits_1_on_a_difference(capsys: pytest.CaptureFixture[str]) -> None:
    from decimal import Decimal

    from pas.bootstrap import build
    from pas.core.orders import OrderRequest, OrderSide

    run_json(capsys, "data", "load-demo")
    c = build()
    try:  # an order placed at the broker behind the ledger's back
        c.broker.submit(OrderRequest("manual-1", "AAPL", OrderSide.buy, Decimal(3)))
    finally:
        c.close()
    assert main(["reconcile", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["differences"] == [
        {"kind": "position", "symbol": "AAPL", "ledger": "0", "broker": "3", "detail": ""}
    ]
