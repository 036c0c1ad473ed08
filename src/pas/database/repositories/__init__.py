"""Repositories: the only place that speaks SQL to the foundation tables."""

from pas.database.repositories.allocations import SqlAllocationRepository
from pas.database.repositories.api_keys import SqlApiKeyRepository
from pas.database.repositories.factors import SqlFactorRepository
from pas.database.repositories.prices import SqlPriceRepository
from pas.database.repositories.securities import SqlSecurityRepository

__all__ = [
    "SqlAllocationRepository",
    "SqlApiKeyRepository",
    "SqlFactorRepository",
    "SqlPriceRepository",
    "SqlSecurityRepository",
]
