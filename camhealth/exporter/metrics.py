"""``/metrics``: the latest Snapshot as Prometheus text or OpenMetrics, written directly.

Names and labels are DESIGN.md's metric table plus the two additions of docs/metrics.md;
``tests/deploy/data/exporter.prom`` shows the exact shape the rules and dashboards read.

Why direct text instead of prometheus_client's registry: at 50,000 cameras a scrape is about
850,000 samples, and building a ``Metric`` object per family with a ``Sample`` tuple per line
costs several times more than formatting the lines themselves.  Two caches make a scrape cheap
(see bench/exporter.md): each camera's lines are kept, already encoded, while its record, area
and state stay the same objects (``CameraLines``), so a new Snapshot re-formats only the cameras
that changed; and the whole body (and its gzip) is kept per Snapshot (``RenderCache``), so a
second scrape of the same Snapshot only sends bytes.

Per-camera series exist for every enabled camera, 0 (not absent) while a status is false or
unknown, so offline cameras count in the dashboards; ``camhealth_camera_fault`` has a series
only for a confirmed fault.
"""

from __future__ import annotations

import gzip
import platform
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
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

    def parts(self, openmetrics: bool) -> Iterator[bytes]:
        """The header, then the samples: joined once with every other family's, no copies."""
        # OpenMetrics names a counter family without its _total suffix; samples keep it.
        name = self.name
        if openmetrics and self.kind == "counter":
            name = name.removesuffix("_total")
        yield f"# HELP {name} {self.help}\n# TYPE {name} {self.kind}\n".encode()
        yield from self.samples()

    def samples(self) -> Iterable[bytes]:
        return ("".join(self.lines()).encode(),)


@dataclass(frozen=True)
class _CameraFamily(Family):
    """A per-camera family: its samples are the cameras' kept, already encoded lines."""

    index: int = 0
    cameras: Sequence[tuple[bytes, ...]] = ()

    def samples(self) -> Iterable[bytes]:
        return map(itemgetter(self.index), self.cameras)


# The per-camera families, in the order they are written.
CAMERA_FAMILIES = (
    ("camhealth_camera_online", "1 while the camera answers, after confirmation"),
    ("camhealth_camera_intact", "1 while online with no confirmed image fault"),
    ("camhealth_camera_hd", "1 while the decoded frame is at least 1280x720"),
    ("camhealth_camera_networked", "1 while the stream plays through the sharing platform"),
    ("camhealth_camera_fault", "1 for each confirmed image fault"),
    (
        "camhealth_camera_maintenance",
        "1 while the camera is in its maintenance window (proposed, docs/metrics.md)",
    ),
    ("camhealth_camera_probe_success", "1 if the last probe succeeded"),
    ("camhealth_camera_probe_duration_seconds", "Duration of the last probe"),
    ("camhealth_camera_frame_height_pixels", "Height of the last decoded frame"),
    ("camhealth_camera_frame_width_pixels", "Width of the last decoded frame"),
    ("camhealth_camera_clock_skew_seconds", "Camera clock minus camhealth's clock"),
    ("camhealth_camera_info", "Identity of the camera"),
)
_MEASURED = [name for name, _ in CAMERA_FAMILIES[8:11]]


def camera_lines(entry: CameraEntry) -> tuple[bytes, ...]:
    """One camera's lines of each per-camera family (in CAMERA_FAMILIES' order), "" for none."""
    labels = f'camera="{entry.id}",area="{entry.area.id}",district="{escape(entry.district)}"'
    state, record = entry.state, entry.record
    device = state.device
    # As the indicators count it: only a stream verified through a platform URL.
    networked = record.platform_url is not None and state.networked.value is True
    facts = (
        ("vendor", device and device.vendor),
        ("model", device and device.model),
        ("firmware", device and device.firmware),
        ("codec", state.codec),
        ("role", record.role.value),
    )
    info = ",".join(f'{key}="{escape(value or "")}"' for key, value in facts)
    skew = None if device is None else device.clock_skew_seconds
    measured = zip(_MEASURED, (state.height, state.width, skew), strict=True)
    lines = (
        f"camhealth_camera_online{{{labels}}} {flag(state.online.value)}\n",
        f"camhealth_camera_intact{{{labels}}} {flag(state.intact.value)}\n",
        f"camhealth_camera_hd{{{labels}}} {flag(state.hd.value)}\n",
        f"camhealth_camera_networked{{{labels}}} {flag(networked)}\n",
        "".join(
            f'camhealth_camera_fault{{{labels},fault="{escape(fault)}"}} 1.0\n'
            for fault in state.confirmed_faults
        ),
        f"camhealth_camera_maintenance{{{labels}}} {flag(entry.muted)}\n",
        "".join(
            f'camhealth_camera_probe_success{{{labels},probe="{p.probe}"}} '
            f"{flag(p.failure is None)}\n"
            for p in state.probes
        ),
        "".join(
            f'camhealth_camera_probe_duration_seconds{{{labels},probe="{p.probe}"}} '
            f"{number(p.duration)}\n"
            for p in state.probes
        ),
        *(
            "" if value is None else f"{name}{{{labels}}} {number(value)}\n"
            for name, value in measured
        ),
        f"camhealth_camera_info{{{labels},{info}}} 1.0\n",
    )
    return tuple(text.encode() for text in lines)


class CameraLines:
    """Each camera's lines, kept from one Snapshot to the next while the camera is unchanged.

    Records, areas and states are immutable and replaced when they change, so the same objects
    mean the same lines: a new Snapshot costs only the cameras whose state changed.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[CameraEntry, tuple[bytes, ...]]] = {}

    def of(self, snapshot: Snapshot) -> list[tuple[bytes, ...]]:
        kept, fresh = self._kept, {}
        for entry in snapshot.cameras.values():
            if not entry.record.enabled:
                continue
            old = kept.get(entry.id)
            if old is None or not _unchanged(old[0], entry):
                old = (entry, camera_lines(entry))
            fresh[entry.id] = old
        self._kept = fresh
        return [lines for _, lines in fresh.values()]


def _unchanged(old: CameraEntry, new: CameraEntry) -> bool:
    """The same state object, and equal records: a Snapshot copies records with credentials."""
    return (
        old.state is new.state
        and old.muted == new.muted
        and (old.record is new.record or old.record == new.record)
        and (old.area is new.area or old.area == new.area)
    )


def camera_families(cameras: list[tuple[bytes, ...]]) -> list[Family]:
    return [
        _CameraFamily(name, "gauge", help, lambda: (), index, cameras)
        for index, (name, help) in enumerate(CAMERA_FAMILIES)
    ]


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


def render(
    snapshot: Snapshot, openmetrics: bool = False, cameras: CameraLines | None = None
) -> bytes:
    """The whole exposition of ``snapshot`` in one format (``cameras``: lines kept from before)."""
    families = (
        camera_families((cameras or CameraLines()).of(snapshot))
        + indicator_families(snapshot.indicators)
        + monitor_families(snapshot)
    )
    parts = chain.from_iterable(family.parts(openmetrics) for family in families)
    return b"".join(chain(parts, (b"# EOF\n",) if openmetrics else ()))


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
        self._cameras = {False: CameraLines(), True: CameraLines()}  # per format

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
                self._bodies[key] = render(snapshot, openmetrics, self._cameras[openmetrics])
        return self._bodies[key]
