"""Data versions: one counter per kind of stored data, for caches and ETags."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base


class DataVersion(Base):
    """A counter per kind of data, bumped by every write in the writing transaction."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
