"""Brokers: protocol, paper broker, Alpaca broker, order planner, reconciliation."""
