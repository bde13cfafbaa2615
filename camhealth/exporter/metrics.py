"""``/metrics``: the latest Snapshot as Prometheus text or OpenMetrics, written directly.

Names and labels are DESIGN.md's metric table plus the additions of docs/metrics.md;
``tests/deploy/data/exporter.prom`` shows the exact shape the rules and dashboards read.

Why direct text instead of prometheus_client's registry: at 50,000 cameras a scrape is about
850,000 samples, and building a ``Metric`` object per family with a ``Sample`` tuple per line
costs several times more than formatting the lines themselves.  The per-camera families
(nearly all of the body) are made and kept by ``camera_metrics.CameraLines``; when the body is
made and kept, and what a scrape waits for, is ``scrape.RenderCache``'s business.

Per-camera series exist for every enabled camera, 0 (not absent) while a status is false or
unknown, so offline cameras count in the dashboards; ``camhealth_camera_fault`` has a series
only for a confirmed fault.
"""

from __future__ import annotations

import platform
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Final

from camhealth import __version__
from camhealth.exporter.camera_metrics import CAMERA_FAMILIES, CameraLines
from camhealth.exporter.prom_text import escape, flag, number
from camhealth.health.indicators import STAR_LEVELS, Indicator, IndicatorReport, ScopeIndicators
from camhealth.health.snapshot import Snapshot

EOF: Final = b"# EOF\n"
TEXT_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE: Final = "application/openmetrics-text; version=1.0.0; charset=utf-8"

# The three star levels as label values and their share, from the indicators' own table.
_TARGETS = tuple((str(level), need / 10) for level, need in sorted(STAR_LEVELS))
_STAR_NAMES = ("L4P4", "L4P5", "L4P6")


def wants_openmetrics(accept: str) -> bool:
    """Prometheus asks for OpenMetrics first in its Accept header when it wants it."""
    return any(
        part.split(";", 1)[0].strip() == "application/openmetrics-text"
        for part in accept.split(",")
    )


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


def camera_families(cameras: Sequence[tuple[bytes, ...]]) -> list[Family]:
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

    def single(name: str, kind: str, help: str, value: float) -> Family:
        """A family of one unlabelled sample."""
        return Family(name, kind, help, lambda: (f"{name} {number(value)}\n",))

    build = f'camhealth_build_info{{python="{platform.python_version()}",version="{__version__}"}}'
    return [
        Family("camhealth_probes_total", "counter", "Probes run, by probe and result", probes),
        single(
            "camhealth_pictures_undiagnosed_total",
            "counter",
            "Pictures decided without being judged: the diagnosis was behind (docs/metrics.md)",
            facts.pictures_undiagnosed,
        ),
        single(
            "camhealth_diagnosis_queue_pictures",
            "gauge",
            "Pictures waiting for the diagnosis (docs/metrics.md)",
            facts.diagnosis_queue_pictures,
        ),
        single(
            "camhealth_schedule_lag_seconds",
            "gauge",
            "How late the most overdue probe started",
            facts.schedule_lag_seconds,
        ),
        single(
            "camhealth_event_loop_lag_seconds",
            "gauge",
            "Event loop lag, last measured",
            facts.event_loop_lag_seconds,
        ),
        Family(
            "camhealth_build_info",
            "gauge",
            "camhealth build information",
            lambda: (f"{build} 1.0\n",),
        ),
    ]


def families(snapshot: Snapshot, cameras: Sequence[tuple[bytes, ...]]) -> list[Family]:
    """Every family of ``snapshot``, in order; ``cameras``: its lines (``CameraLines.of``)."""
    return (
        camera_families(cameras)
        + indicator_families(snapshot.indicators)
        + monitor_families(snapshot)
    )


def render(
    snapshot: Snapshot,
    openmetrics: bool = False,
    cameras: Sequence[tuple[bytes, ...]] | None = None,
) -> bytes:
    """The whole exposition of ``snapshot`` in one format (``cameras``: its lines, if made)."""
    lines = CameraLines().of(snapshot) if cameras is None else cameras
    parts = chain.from_iterable(family.parts(openmetrics) for family in families(snapshot, lines))
    return b"".join(chain(parts, (EOF,) if openmetrics else ()))


def render_gzip(
    snapshot: Snapshot, openmetrics: bool, cameras: Sequence[tuple[bytes, ...]]
) -> bytes:
    """``render``'s body gzipped (level 1), compressed a family at a time: the 100 MB plain
    body of 50,000 cameras is never made when only the gzip is asked for."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: a gzip member, mtime 0
    out = [
        packer.compress(b"".join(family.parts(openmetrics)))
        for family in families(snapshot, cameras)
    ]
    out += [packer.compress(EOF) if openmetrics else b"", packer.flush()]
    return b"".join(out)
