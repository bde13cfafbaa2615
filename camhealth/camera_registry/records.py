"""Validated area and camera records: what an import produces, the store keeps and an export writes.

Validation messages never contain the value that was given: a URL may carry a password.
A URL with ``user:password@`` has that part moved into ``username``/``password``, so the
credential goes to the encrypted store and the URL that is kept, shown and logged is clean.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

TAG_SEPARATORS = re.compile(r"[,;，；]")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class AreaKind(StrEnum):
    station = "station"
    scenic_spot = "scenic_spot"
    park_square = "park_square"
    library = "library"
    hospital = "hospital"
    school = "school"
    gov_service_center = "gov_service_center"
    business_district = "business_district"
    intersection = "intersection"
    other = "other"


class CameraRole(StrEnum):
    surveillance = "surveillance"
    e_police = "e_police"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        # Control characters cannot be stored in XLSX and are never meant in a name or URL.
        texts = value if isinstance(value, tuple) else (value,)
        if any(isinstance(text, str) and _has_control(text) for text in texts):
            raise ValueError("contains a control character")
        return value


class AreaRecord(_Record):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: AreaKind = AreaKind.other
    district: str = Field("", max_length=100)
    key_area: bool = False
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @field_validator("lat", "lon", mode="after")
    @classmethod
    def _centimetres(cls, value: float | None) -> float | None:
        # 7 decimals is 1 cm: more is noise, and it keeps within what XLSX cells hold exactly.
        return None if value is None else round(value, 7)


URL_SCHEMES = {
    "onvif_url": ("http", "https"),
    "rtsp_url": ("rtsp", "rtsps"),
    "sub_rtsp_url": ("rtsp", "rtsps"),
    "platform_url": ("rtsp", "rtsps"),
}


class CameraRecord(_Record):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    area_id: str = Field(pattern=ID_PATTERN)
    role: CameraRole = CameraRole.surveillance
    onvif_url: str | None = None
    rtsp_url: str | None = None
    sub_rtsp_url: str | None = None
    platform_url: str | None = None
    declared_networked: bool = False
    username: str | None = Field(None, max_length=200)
    password: SecretStr | None = None
    enabled: bool = True
    maintenance_start: datetime | None = None
    maintenance_end: datetime | None = None
    tags: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _move_url_credentials(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for field in URL_SCHEMES:
            url = data.get(field)
            if not isinstance(url, str) or "@" not in url:
                continue
            clean, user, password = split_userinfo(url)
            data[field] = clean
            if user and not data.get("username"):
                data["username"] = user
            if password and not data.get("password"):
                data["password"] = password
        return data

    @field_validator("onvif_url", "rtsp_url", "sub_rtsp_url", "platform_url", mode="after")
    @classmethod
    def _check_url(cls, value: str | None, info: Any) -> str | None:
        if not value:
            return None
        schemes = URL_SCHEMES[info.field_name]
        parts = urlsplit(value)
        if parts.scheme.lower() not in schemes:
            raise ValueError(f"not an {schemes[0]}:// URL")
        if not parts.hostname:
            raise ValueError("URL has no host")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port lazily
        except ValueError:
            raise ValueError("URL has an invalid port") from None
        return value

    @field_validator("maintenance_start", "maintenance_end", mode="after")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(tag.strip() for tag in TAG_SEPARATORS.split(value) if tag.strip())
        return value

    @field_validator("tags", mode="after")
    @classmethod
    def _whole_tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # A spreadsheet keeps tags in one cell split on these, so a tag holding one would split.
        if any(TAG_SEPARATORS.search(tag) for tag in value):
            raise ValueError("a tag must not contain , or ;")
        return value

    @model_validator(mode="after")
    def _check_window(self) -> CameraRecord:
        if (self.maintenance_start is None) != (self.maintenance_end is None):
            raise ValueError("maintenance_start and maintenance_end go together")
        if self.maintenance_start and self.maintenance_end <= self.maintenance_start:  # type: ignore[operator]
            raise ValueError("maintenance_end must be after maintenance_start")
        return self

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password)

    def in_maintenance(self, now: datetime) -> bool:
        if self.maintenance_start is None or self.maintenance_end is None:
            return False
        return self.maintenance_start <= as_utc(now) < self.maintenance_end


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a time without a zone is read in the host's local time zone.

    Spreadsheets write maintenance windows as local wall-clock times; normalising them here makes
    a record compare equal after a trip through a database that keeps no zone (SQLite).
    """
    return value.astimezone(UTC)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def split_userinfo(url: str) -> tuple[str, str | None, str | None]:
    """``rtsp://u:p@h/x`` → (``rtsp://h/x``, ``u``, ``p``); other URLs come back unchanged."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, unquote(user) or None, unquote(password) if sep else None
