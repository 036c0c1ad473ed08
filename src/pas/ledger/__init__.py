"""The trade ledger: protocol, Redis backend, embedded backend, journal."""
