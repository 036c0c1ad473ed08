"""The real-time event hub (topics metrics, logs, ledger, orders, evaluations)."""
