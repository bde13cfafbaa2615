"""The monitor's tables: what ``camhealth run`` learns, kept so a restart resumes where it stopped.

They live beside the registry's tables (same ``Base``, same migrations) but belong to the monitor:
no foreign keys to ``cameras``, so a camera pruned from the registry keeps its events and history
for the month's report. A change here needs a new Alembic revision (camhealth/migrations).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from camhealth.camera_registry.models import Base, UtcDateTime

# SQLite gives an INTEGER PRIMARY KEY its rowid (autoincrement); PostgreSQL needs a BIGINT.
_ID = BigInteger().with_variant(Integer(), "sqlite")


class StateRow(Base):
    """Each camera's current ``CameraState`` (its JSON form, running streaks included)."""

    __tablename__ = "monitor_states"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventRow(Base):
    """One status change; ``body`` is ``Event.to_dict()``, the other columns are for queries."""

    __tablename__ = "monitor_events"
    __table_args__ = (Index("ix_monitor_events_camera_at", "camera_id", "at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime())
    fault: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class HistoryRow(Base):
    """The indicators' counts, sampled every ``monitor.history_interval``; district "" = city."""

    __tablename__ = "monitor_history"

    at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(32), primary_key=True)
    numerator: Mapped[int]
    denominator: Mapped[int]


class PictureRow(Base):
    """Each camera's last picture: what ``frozen`` compares the next one with, and its diagnosis."""

    __tablename__ = "monitor_pictures"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sample: Mapped[bytes] = mapped_column(LargeBinary)
    diagnosis: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReferenceRow(Base):
    """Each camera's reference view as the diagnosis uses it: the packed Sample of the registry's
    reference JPEG taken at ``taken_at`` (empty when that JPEG does not decode). A different
    ``taken_at`` in the registry means someone set a new one: it is converted again."""

    __tablename__ = "monitor_references"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sample: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceRow(Base):
    """The picture an event was decided on (``Evidence.snapshot`` is its ``ref``)."""

    __tablename__ = "monitor_evidence"

    ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
