"""What every handler of the exporter reads: the current Snapshot and the optional stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from aiohttp import web

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.exporter.accounts import Accounts
from camhealth.exporter.history import HistoryStore
from camhealth.exporter.zones import zone_of
from camhealth.health.snapshot import Snapshot

SnapshotSource = Callable[[], Snapshot | None]


@dataclass
class Services:
    """One per Application, under ``app[SERVICES]``; None stores mean "not available" (503)."""

    snapshot_source: SnapshotSource
    settings: Settings
    registry: Registry | None = None
    history: HistoryStore | None = None
    accounts: Accounts | None = None
    # Times are shown and periods read in it (exporter.timezone, else the machine's zone).
    zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = zone_of(self.settings.exporter.timezone)

    def snapshot(self) -> Snapshot:
        """The current Snapshot, or 503 before the first one."""
        found = self.snapshot_source()
        if found is None:
            raise web.HTTPServiceUnavailable(reason="no snapshot yet", headers={"Retry-After": "5"})
        return found

    def need_registry(self) -> Registry:
        if self.registry is None:
            raise web.HTTPServiceUnavailable(reason="no registry database")
        return self.registry

    def need_history(self) -> HistoryStore:
        if self.history is None:
            raise web.HTTPServiceUnavailable(reason="no history store")
        return self.history

    def need_accounts(self) -> Accounts:
        if self.accounts is None:
            raise web.HTTPServiceUnavailable(reason="no user database")
        return self.accounts


SERVICES = web.AppKey("services", Services)
