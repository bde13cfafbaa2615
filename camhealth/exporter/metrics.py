"""``/metrics``: the latest Snapshot as Prometheus text or OpenMetrics, written directly.

Names and labels are DESIGN.md's metric table plus the two additions of docs/metrics.md;
``tests/deploy/data/exporter.prom`` shows the exact shape the rules and dashboards read.

Why direct text instead of prometheus_client's registry: at 50,000 cameras a scrape is about
850,000 samples, and building a ``Metric`` object per family with a ``Sample`` tuple per line
costs several times more than formatting the lines themselves.  The Snapshot is immutable, so
the rendered body is cached per Snapshot and format: a scrape after the first of a Snapshot
costs nothing but sending the bytes (see bench/exporter.md).

Per-camera series exist for every enabled camera, 0 (not absent) while a status is false or
unknown, so offline cameras count in the dashboards; ``camhealth_camera_fault`` has a series
only for a confirmed fault.
"""

from __future__ import annotations

import gzip
import platform
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from camhealth import __version__
from camhealth.health.indicators import STAR_LEVELS, Indicator, IndicatorReport, ScopeIndicators
from camhealth.health.snapshot import CameraEntry, Snapshot

TEXT_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE: Final = "application/openmetrics-text; version=1.0.0; charset=utf-8"

_ONE, _ZERO = "1.0", "0.0"
# The three star levels as label values and their share, from the indicators' own table.
_TARGETS = tuple((str(level), need / 10) for level, need in sorted(STAR_LEVELS))
_STAR_NAMES = ("L4P4", "L4P5", "L4P6")


def wants_openmetrics(accept: str) -> bool:
    """Prometheus asks for OpenMetrics first in its Accept header when it wants it."""
    return any(
        part.split(";", 1)[0].strip() == "application/openmetrics-text"
        for part in accept.split(",")
    )


def escape(value: str) -> str:
    """A label value as both formats want it: backslash, double quote and newline escaped."""
    if "\\" in value or '"' in value or "\n" in value:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return value


def number(value: float) -> str:
    """Floats as prometheus_client writes them (1.0, 0.05, 1.7e+09)."""
    if value != value:  # NaN
        return "NaN"
    return repr(float(value))


def flag(value: bool | None) -> str:
    return _ONE if value is True else _ZERO


@dataclass(frozen=True)
class Family:
    """One metric family: its header and a generator of ready-made sample lines."""

    name: str
    kind: str  # gauge or counter
    help: str
    lines: Callable[[], Iterable[str]]

    def render(self, openmetrics: bool) -> Iterator[str]:
        # OpenMetrics names a counter family without its _total suffix; samples keep it.
        name = self.name
        if openmetrics and self.kind == "counter":
            name = name.removesuffix("_total")
        yield f"# HELP {name} {self.help}\n# TYPE {name} {self.kind}\n"
        yield from self.lines()


class _Cameras:
    """The per-camera families; each camera's label string is made once per Snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.entries = [e for e in snapshot.cameras.values() if e.record.enabled]
        self.labels = [
            f'camera="{e.id}",area="{e.area.id}",district="{escape(e.district)}"'
            for e in self.entries
        ]

    def status(self, name: str, value: Callable[[CameraEntry], bool | None]) -> Iterator[str]:
        for entry, labels in zip(self.entries, self.labels, strict=True):
            yield f"{name}{{{labels}}} {flag(value(entry))}\n"

    def faults(self) -> Iterator[str]:
        for entry, labels in zip(self.entries, self.labels, strict=True):
            for fault in entry.state.confirmed_faults:
                yield f'camhealth_camera_fault{{{labels},fault="{escape(fault)}"}} 1.0\n'

    def probe_success(self) -> Iterator[str]:
        for entry, labels in zip(self.entries, self.labels, strict=True):
            for last in entry.state.probes:
                ok = flag(last.failure is None)
                yield f'camhealth_camera_probe_success{{{labels},probe="{last.probe}"}} {ok}\n'

    def probe_duration(self) -> Iterator[str]:
        name = "camhealth_camera_probe_duration_seconds"
        for entry, labels in zip(self.entries, self.labels, strict=True):
            for last in entry.state.probes:
                yield f'{name}{{{labels},probe="{last.probe}"}} {number(last.duration)}\n'

    def measured(self, name: str, value: Callable[[CameraEntry], float | None]) -> Iterator[str]:
        for entry, labels in zip(self.entries, self.labels, strict=True):
            found = value(entry)
            if found is not None:
                yield f"{name}{{{labels}}} {number(found)}\n"

    def info(self) -> Iterator[str]:
        for entry, labels in zip(self.entries, self.labels, strict=True):
            device, state = entry.state.device, entry.state
            facts = (
                ("vendor", device and device.vendor),
                ("model", device and device.model),
                ("firmware", device and device.firmware),
                ("codec", state.codec),
                ("role", entry.record.role.value),
            )
            extra = ",".join(f'{key}="{escape(value or "")}"' for key, value in facts)
            yield f"camhealth_camera_info{{{labels},{extra}}} 1.0\n"


def _skew(entry: CameraEntry) -> float | None:
    device = entry.state.device
    return None if device is None else device.clock_skew_seconds


def _networked(entry: CameraEntry) -> bool:
    # As the indicators count it: only a stream verified through a platform URL.
    return entry.record.platform_url is not None and entry.state.networked.value is True


def camera_families(snapshot: Snapshot) -> list[Family]:
    c = _Cameras(snapshot)

    def status(suffix: str, help: str, value: Callable[[CameraEntry], bool | None]) -> Family:
        name = f"camhealth_camera_{suffix}"
        return Family(name, "gauge", help, lambda: c.status(name, value))

    def measured(suffix: str, help: str, value: Callable[[CameraEntry], float | None]) -> Family:
        name = f"camhealth_camera_{suffix}"
        return Family(name, "gauge", help, lambda: c.measured(name, value))

    return [
        status("online", "1 while the camera answers, after confirmation", _online),
        status("intact", "1 while online with no confirmed image fault", _intact),
        status("hd", "1 while the decoded frame is at least 1280x720", _hd),
        status("networked", "1 while the stream plays through the sharing platform", _networked),
        Family("camhealth_camera_fault", "gauge", "1 for each confirmed image fault", c.faults),
        status(
            "maintenance",
            "1 while the camera is in its maintenance window (proposed, docs/metrics.md)",
            lambda e: e.muted,
        ),
        Family(
            "camhealth_camera_probe_success",
            "gauge",
            "1 if the last probe succeeded",
            c.probe_success,
        ),
        Family(
            "camhealth_camera_probe_duration_seconds",
            "gauge",
            "Duration of the last probe",
            c.probe_duration,
        ),
        measured("frame_height_pixels", "Height of the last decoded frame", _height),
        measured("frame_width_pixels", "Width of the last decoded frame", _width),
        measured("clock_skew_seconds", "Camera clock minus camhealth's clock", _skew),
        Family("camhealth_camera_info", "gauge", "Identity of the camera", c.info),
    ]


def _online(e: CameraEntry) -> bool | None:
    return e.state.online.value


def _intact(e: CameraEntry) -> bool | None:
    return e.state.intact.value


def _hd(e: CameraEntry) -> bool | None:
    return e.state.hd.value


def _height(e: CameraEntry) -> float | None:
    return e.state.height


def _width(e: CameraEntry) -> float | None:
    return e.state.width


# The per-district counts: (metric name, which rate, numerator or denominator).
_COUNTS = (
    ("camhealth_key_areas", Indicator.hd_coverage, "denominator"),
    ("camhealth_key_areas_hd_covered", Indicator.hd_coverage, "numerator"),
    ("camhealth_key_area_cameras", Indicator.intactness, "denominator"),
    ("camhealth_key_area_cameras_intact", Indicator.intactness, "numerator"),
    ("camhealth_key_area_cameras_networked", Indicator.networking, "numerator"),
    ("camhealth_intersections", Indicator.epolice_coverage, "denominator"),
    ("camhealth_intersections_epolice_covered", Indicator.epolice_coverage, "numerator"),
)


def indicator_families(report: IndicatorReport) -> list[Family]:
    def covered() -> Iterator[str]:
        for area in report.areas:
            if area.indicator is Indicator.hd_coverage:
                labels = f'area="{area.area}",district="{escape(area.district)}"'
                yield f"camhealth_key_area_hd_covered{{{labels}}} {flag(area.covered)}\n"

    def count(name: str, indicator: Indicator, part: str) -> Family:
        def lines() -> Iterator[str]:
            for scope in report.districts:
                value = getattr(scope.rate(indicator), part)
                yield f'{name}{{district="{escape(scope.district or "")}"}} {number(value)}\n'

        words = name.removeprefix("camhealth_").replace("_", " ")
        return Family(name, "gauge", f"Count per district: {words}", lines)

    def ratios() -> Iterator[str]:
        for scope in (report.city, *report.districts):
            district = escape(scope.district or "")
            for indicator in Indicator:
                ratio = scope.rate(indicator).ratio
                if ratio is not None:
                    labels = f'indicator="{indicator}",district="{district}"'
                    yield f"camhealth_indicator_ratio{{{labels}}} {number(ratio)}\n"

    def stars() -> Iterator[str]:
        for name, level in _stars(report.city):
            yield f'camhealth_indicator_stars{{indicator="{name}"}} {number(level)}\n'

    def targets() -> Iterator[str]:
        for name in _STAR_NAMES:
            for level, share in _TARGETS:
                labels = f'indicator="{name}",stars="{level}"'
                yield f"camhealth_indicator_target_ratio{{{labels}}} {number(share)}\n"

    return [
        Family(
            "camhealth_key_area_hd_covered",
            "gauge",
            "1 while the key area has an intact HD camera (proposed, docs/metrics.md)",
            covered,
        ),
        *(count(*spec) for spec in _COUNTS),
        Family(
            "camhealth_indicator_ratio",
            "gauge",
            'Indicator rate (district "" = whole scope)',
            ratios,
        ),
        Family("camhealth_indicator_stars", "gauge", "Stars reached (0, 3, 4, 5)", stars),
        Family(
            "camhealth_indicator_target_ratio", "gauge", "Threshold of each star level", targets
        ),
    ]


def _stars(city: ScopeIndicators) -> Iterator[tuple[str, int]]:
    """Stars of each indicator that has data: no denominator, no stars (docs/health.md)."""
    parts = {
        "L4P4": (city.l4p4_stars, (city.hd_coverage, city.intactness)),
        "L4P5": (city.l4p5_stars, (city.networking,)),
        "L4P6": (city.l4p6_stars, (city.epolice_coverage,)),
    }
    for name, (level, rates) in parts.items():
        if all(rate.denominator for rate in rates):
            yield name, level


def monitor_families(snapshot: Snapshot) -> list[Family]:
    facts = snapshot.monitor

    def probes() -> Iterator[str]:
        for probe, result, count in facts.probes_total:
            labels = f'probe="{probe}",result="{escape(result)}"'
            yield f"camhealth_probes_total{{{labels}}} {number(count)}\n"

    def single(name: str, value: float) -> Callable[[], Iterable[str]]:
        return lambda: (f"{name} {number(value)}\n",)

    build = f'camhealth_build_info{{python="{platform.python_version()}",version="{__version__}"}}'
    return [
        Family("camhealth_probes_total", "counter", "Probes run, by probe and result", probes),
        Family(
            "camhealth_schedule_lag_seconds",
            "gauge",
            "How late the most overdue probe started",
            single("camhealth_schedule_lag_seconds", facts.schedule_lag_seconds),
        ),
        Family(
            "camhealth_event_loop_lag_seconds",
            "gauge",
            "Event loop lag, last measured",
            single("camhealth_event_loop_lag_seconds", facts.event_loop_lag_seconds),
        ),
        Family(
            "camhealth_build_info",
            "gauge",
            "camhealth build information",
            lambda: (f"{build} 1.0\n",),
        ),
    ]


def render(snapshot: Snapshot, openmetrics: bool = False) -> bytes:
    """The whole exposition of ``snapshot`` in one format."""
    families = (
        camera_families(snapshot)
        + indicator_families(snapshot.indicators)
        + monitor_families(snapshot)
    )
    parts = [part for family in families for part in family.render(openmetrics)]
    if openmetrics:
        parts.append("# EOF\n")
    return "".join(parts).encode("utf-8")


class RenderCache:
    """The rendered body of the latest Snapshot, per format and encoding; made at most once.

    Rendering runs in a worker thread (tenths of a second at 50,000 cameras), so a lock keeps
    two concurrent scrapes of a new Snapshot from rendering it twice.  Only the latest Snapshot
    is kept: an older one is never asked for again.  The gzip body is cached too, because
    Prometheus always asks for it and compressing ~90 MB costs as much as rendering it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._bodies: dict[tuple[bool, bool], bytes] = {}

    def body(self, snapshot: Snapshot, openmetrics: bool, gzipped: bool = False) -> bytes:
        with self._lock:
            if snapshot is not self._snapshot:
                self._snapshot, self._bodies = snapshot, {}
            return self._body(snapshot, openmetrics, gzipped)

    def _body(self, snapshot: Snapshot, openmetrics: bool, gzipped: bool) -> bytes:
        key = (openmetrics, gzipped)
        if key not in self._bodies:
            if gzipped:
                plain = self._body(snapshot, openmetrics, False)
                self._bodies[key] = gzip.compress(plain, compresslevel=1, mtime=0)
            else:
                self._bodies[key] = render(snapshot, openmetrics)
        return self._bodies[key]
