"""The configuration: one YAML file plus ``CAMHEALTH_*`` environment overrides, validated.

Nested fields are reached from the environment with a double underscore:
``CAMHEALTH_PROBES__TIMEOUT=3`` sets ``probes.timeout``; ``CAMHEALTH_DATABASE__URL`` sets the
database.  Values from the environment are parsed as YAML scalars, so ``true``, ``3`` and ``2.5``
have their natural types.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from camhealth.health.thresholds import QualityConfig

ENV_PREFIX = "CAMHEALTH_"
MASK = "********"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///camhealth.db"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    url: SecretStr = Field(
        SecretStr(DEFAULT_DATABASE_URL),
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE or postgresql+asyncpg://...",
    )

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: SecretStr) -> SecretStr:
        from sqlalchemy.engine import make_url

        try:
            url = make_url(value.get_secret_value())
        except Exception as exc:
            raise ValueError("not a database URL") from exc
        if url.drivername not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError(
                f"driver {url.drivername!r} is not supported; "
                "use sqlite+aiosqlite:///FILE or postgresql+asyncpg://HOST/DB"
            )
        return value

    def masked_url(self) -> str:
        """The URL with its password replaced, safe to print or log."""
        from sqlalchemy.engine import make_url

        return make_url(self.url.get_secret_value()).render_as_string(hide_password=True)


class CredentialsConfig(_Section):
    key: SecretStr | None = Field(
        None, description="Fernet key for credentials at rest (prefer CAMHEALTH_CREDENTIALS__KEY)."
    )
    key_file: Path | None = Field(None, description="File holding the Fernet key.")


class ProbesConfig(_Section):
    timeout: float = Field(5.0, gt=0, description="Deadline of one probe, seconds.")
    onvif_interval: float = Field(60.0, gt=0, description="Seconds between ONVIF probes.")
    rtsp_interval: float = Field(60.0, gt=0, description="Seconds between RTSP probes.")
    frames_interval: float = Field(300.0, gt=0, description="Seconds between frame samples.")
    platform_interval: float = Field(300.0, gt=0, description="Seconds between platform checks.")
    identity_interval: float = Field(
        600.0,
        gt=0,
        description="Least seconds between two GetDeviceInformation requests to one camera: the "
        "onvif probe reads the clock every time and the identity (vendor, model, firmware, "
        "serial) at most this often, and again after any failed probe. A serial changes only "
        "when a camera is replaced; the credentials are checked by every rtsp probe. Set it to "
        "onvif_interval or less to ask every time.",
    )
    concurrency: int = Field(
        256, gt=0, description="ONVIF and RTSP probes in flight at once, all cameras."
    )
    picture_concurrency: int = Field(
        224,
        gt=0,
        description="Frames probes and platform checks in flight at once, all cameras: a limit "
        "of their own, so they never queue behind the far more frequent ONVIF and RTSP probes. "
        "The default is platform_concurrency plus the monitor's 128 picture places: each "
        "waits on a camera (or the platform) most of its time, and 20,000 cameras at the "
        "default intervals start ~130 a second.",
    )
    per_host: int = Field(
        2,
        gt=0,
        description="RTSP sessions at once with one host (RTSP and frames probes, platform "
        "relays), and as many ONVIF requests apart.",
    )
    platform_concurrency: int = Field(
        96,
        gt=0,
        description="Platform checks in flight at once (all go to the platform's host). Needs "
        "checks a second × seconds a check: 20,000 cameras every 5 min at up to 1.4 s each; "
        "lower it if the platform limits its RTSP sessions.",
    )
    platform_frames_every: int = Field(
        6, ge=0, description="Every Nth platform check also decodes a keyframe (0: never)."
    )
    onvif_verify_tls: bool = Field(
        False,
        description="Check https:// ONVIF devices' certificates (cameras mostly self-sign).",
    )


class HealthConfig(_Section):
    confirm_after: int = Field(2, ge=1, description="Bad samples in a row that confirm a fault.")
    clear_after: int = Field(2, ge=1, description="Good samples in a row that clear a fault.")
    offline_after: int = Field(3, ge=1, description="Failed reachability probes that mean offline.")


class MonitorConfig(_Section):
    """How ``camhealth run`` keeps what it learns: batching, history and retention."""

    flush_interval: float = Field(2.0, gt=0, description="Seconds between database batches.")
    snapshot_interval: float = Field(
        2.0, ge=0, description="Least seconds between two Snapshots (20,000 cameras: ~0.4 s each)."
    )
    history_interval: float = Field(
        60.0, gt=0, description="Seconds between two recorded samples of the indicators."
    )
    refresh_interval: float = Field(
        300.0, gt=0, description="Seconds between re-reads of the registry (new, removed cameras)."
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        "uvloop",
        description="Event loop of run and demo: uvloop (libuv; about 30% less CPU a probe) or "
        "asyncio's own.",
    )
    events_days: int = Field(400, gt=0, description="Days events are kept.")
    history_days: int = Field(400, gt=0, description="Days the indicator history is kept.")
    evidence_days: int = Field(35, gt=0, description="Days evidence pictures are kept.")


class ExporterConfig(_Section):
    host: str = Field("127.0.0.1", description="Address the exporter listens on.")
    port: int = Field(9810, gt=0, lt=65536, description="Port of /metrics, /api/v1, the console.")
    tls_cert: Path | None = Field(None, description="PEM certificate: serve HTTPS with tls_key.")
    tls_key: Path | None = Field(None, description="PEM private key of tls_cert.")
    metrics_username: str | None = Field(None, description="Basic auth user for /metrics.")
    metrics_password: SecretStr | None = Field(None, description="Basic auth password, /metrics.")
    max_request_bytes: int = Field(1 << 20, gt=0, description="Larger request bodies get 413.")
    timezone: str | None = Field(
        None,
        description="IANA zone of the console's times, its exports and the API's periods "
        "(e.g. Asia/Shanghai); unset: the machine's local zone.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        try:
            if value is not None:
                ZoneInfo(value)
        except (ValueError, ZoneInfoNotFoundError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Asia/Shanghai") from None
        return value

    @model_validator(mode="after")
    def _pairs(self) -> ExporterConfig:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if (self.metrics_username is None) != (self.metrics_password is None):
            raise ValueError("metrics_username and metrics_password go together")
        return self


class AuthConfig(_Section):
    """Users of the API and console (``camhealth users``): sessions and login throttling."""

    session_hours: float = Field(12.0, gt=0, description="A login lasts this long.")
    login_attempts: int = Field(5, gt=0, description="Failed logins allowed per window.")
    login_window_seconds: float = Field(300.0, gt=0, description="Window of login_attempts.")


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "text"] = Field(
        "auto", description="auto: text on a terminal, JSON lines otherwise."
    )


class Settings(_Section):
    database: DatabaseConfig = DatabaseConfig()
    credentials: CredentialsConfig = CredentialsConfig()
    probes: ProbesConfig = ProbesConfig()
    health: HealthConfig = HealthConfig()
    quality: QualityConfig = QualityConfig()
    monitor: MonitorConfig = MonitorConfig()
    exporter: ExporterConfig = ExporterConfig()
    auth: AuthConfig = AuthConfig()
    logging: LoggingConfig = LoggingConfig()


class ConfigError(Exception):
    """The configuration is invalid; ``errors`` lists each problem as ``path: message``."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.source = source
        self.errors = errors


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the YAML file (if any), apply the environment overrides, validate everything."""
    source = str(path) if path else "configuration"
    data = _read_yaml(path) if path else {}
    _apply_env(data, os.environ if environ is None else environ)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, format_errors(exc)) from None


def format_errors(exc: ValidationError) -> list[str]:
    """pydantic's errors as ``probes.timeout: must be greater than 0``, without input values."""
    return [f"{_path(err['loc'])}: {_message(err)}" for err in exc.errors()]


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    msg = str(err["msg"])
    for prefix, replacement in (("Input should be", "must be"), ("Value error, ", "")):
        if msg.startswith(prefix):
            msg = replacement + msg[len(prefix) :]
    return msg.strip()


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise ConfigError(str(path), [f"{where}: not valid YAML"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), ["(top level): must be a mapping of sections"])
    return data


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        *parents, leaf = name[len(ENV_PREFIX) :].lower().split("__")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(name, [f"{part}: is not a section"])
        node[leaf] = _env_value(raw)


def _env_value(raw: str) -> Any:
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return raw if isinstance(value, dict | list) or value is None else value


def masked_dump(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, secrets replaced by a mask."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = settings.database.masked_url()
    if settings.credentials.key is not None:
        data["credentials"]["key"] = MASK
    return data
