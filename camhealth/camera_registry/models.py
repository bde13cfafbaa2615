"""The registry's tables: areas, cameras, their encrypted credentials and reference pictures.

Column names are the field names of ``records.py`` so a record converts to a row by name. A change
here needs a new Alembic revision in ``camhealth/migrations/versions`` (see its README).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Dialect, Enum, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from camhealth.camera_registry.records import AreaKind, CameraRole


class UtcDateTime(TypeDecorator[datetime]):
    """A zone-aware UTC datetime on every backend; SQLite keeps no zone, so it stores UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored; give it a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(cls: type[AreaKind] | type[CameraRole]) -> Enum:
    # Stored as the value in a VARCHAR with a CHECK, so adding a kind is a small migration.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    pass


class Area(Base):
    __tablename__ = "areas"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AreaKind] = mapped_column(_enum(AreaKind))
    district: Mapped[str] = mapped_column(String(100), index=True)
    key_area: Mapped[bool]
    lat: Mapped[float | None]
    lon: Mapped[float | None]


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # RESTRICT: an area with cameras cannot disappear by accident (an area prune says why).
    area_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[CameraRole] = mapped_column(_enum(CameraRole))
    onvif_url: Mapped[str | None] = mapped_column(Text)
    rtsp_url: Mapped[str | None] = mapped_column(Text)
    sub_rtsp_url: Mapped[str | None] = mapped_column(Text)
    platform_url: Mapped[str | None] = mapped_column(Text)
    declared_networked: Mapped[bool]
    enabled: Mapped[bool]
    maintenance_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    maintenance_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    tags: Mapped[list[str]] = mapped_column(JSON)


class CameraCredential(Base):
    """One Fernet token holding a camera's username and password; no plaintext in the database."""

    __tablename__ = "camera_credentials"

    camera_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[bytes] = mapped_column(LargeBinary)


class CameraReference(Base):
    """The JPEG of a camera's normal view, compared against later frames to detect scene changes."""

    __tablename__ = "camera_references"

    camera_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
