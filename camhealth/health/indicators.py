"""The L4P4/L4P5/L4P6 indicators, per district and for the whole city, from the registry and
the cameras' confirmed statuses, as ``shared/reference/indicators.md`` defines them.

- HD coverage: key areas with a camera that is intact and HD at once / all key areas.
- intactness: intact cameras in key areas / all cameras in key areas.
- networking: cameras in key areas whose stream plays through the sharing platform / all
  cameras in key areas; cameras declared networked without a platform URL to check are
  counted apart (``networking_declared``), never in the numerator.
- e-police coverage: intersections with an intact ``e_police`` camera / all intersections.

Denominators come from the registry, never from what answered: a camera never probed, and a
disabled camera (which is not probed), count as not intact.  An empty denominator gives the
rate None ("no data", never 100%) and no stars.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.health.state import CameraState

# Stars and the share they need, best first: 5 stars = 100%, 4 = 90%, 3 = 80%.
STAR_LEVELS = ((5, 10), (4, 9), (3, 8))


def stars(numerator: float, denominator: float) -> int:
    """0, 3, 4 or 5; compared without dividing, so that 100% means every single one."""
    if not denominator:
        return 0
    tenths = 10 * numerator
    return next((level for level, need in STAR_LEVELS if tenths >= need * denominator), 0)


@dataclass(frozen=True)
class Rate:
    """A count over a count; the counts are authoritative (they sum), the ratio derives."""

    numerator: int = 0
    denominator: int = 0

    @property
    def ratio(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def stars(self) -> int:
        return stars(self.numerator, self.denominator)

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)


class Indicator(StrEnum):
    """The ``indicator`` label values of ``camhealth_indicator_ratio``."""

    hd_coverage = "hd_coverage"
    intactness = "intactness"
    networking = "networking"
    epolice_coverage = "epolice_coverage"


@dataclass(frozen=True)
class ScopeIndicators:
    """The indicators of one district, or of the whole city when ``district`` is None."""

    district: str | None
    hd_coverage: Rate = Rate()
    intactness: Rate = Rate()
    networking: Rate = Rate()
    networking_declared: int = 0
    epolice_coverage: Rate = Rate()

    def rate(self, indicator: Indicator) -> Rate:
        return getattr(self, indicator.value)  # type: ignore[no-any-return]

    @property
    def l4p4_stars(self) -> int:
        """L4P4 needs both of its parts at the level."""
        return min(self.hd_coverage.stars, self.intactness.stars)

    @property
    def l4p5_stars(self) -> int:
        return self.networking.stars

    @property
    def l4p6_stars(self) -> int:
        return self.epolice_coverage.stars

    def __add__(self, other: ScopeIndicators) -> ScopeIndicators:
        """The sum of two scopes: the same district, or the whole (None) of different ones."""
        return ScopeIndicators(
            self.district if self.district == other.district else None,
            self.hd_coverage + other.hd_coverage,
            self.intactness + other.intactness,
            self.networking + other.networking,
            self.networking_declared + other.networking_declared,
            self.epolice_coverage + other.epolice_coverage,
        )


class CoverageReason(StrEnum):
    """Why an area is not covered, checked in this order."""

    no_cameras = "no_cameras"  # the registry has no camera in the area
    not_probed = "not_probed"  # none of its cameras has been probed yet
    no_hd_camera = "no_hd_camera"  # none of its cameras has delivered an HD picture
    no_e_police_camera = "no_e_police_camera"  # the registry has no e_police camera there
    cameras_offline = "cameras_offline"  # the cameras that would cover it are all offline
    cameras_not_intact = "cameras_not_intact"  # ... they answer, but a fault or a dead stream


@dataclass(frozen=True)
class AreaCoverage:
    """Whether one area counts as covered for ``indicator`` (hd_coverage or epolice_coverage).

    ``candidates`` are the cameras that could cover it (HD ones, or e_police ones).
    """

    area: str
    district: str
    indicator: Indicator
    cameras: int
    candidates: int
    reason: CoverageReason | None  # None: covered

    @property
    def covered(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class IndicatorReport:
    city: ScopeIndicators
    districts: tuple[ScopeIndicators, ...]  # by district name
    areas: tuple[AreaCoverage, ...]  # key areas (hd_coverage), then intersections

    def district(self, name: str) -> ScopeIndicators:
        return next((d for d in self.districts if d.district == name), ScopeIndicators(name))

    def uncovered(self, indicator: Indicator) -> tuple[AreaCoverage, ...]:
        return tuple(a for a in self.areas if a.indicator is indicator and not a.covered)


class _Seen(NamedTuple):
    """One camera as the indicators see it, its facts read once (20,000 per snapshot)."""

    probed: bool  # False: never probed, or disabled (so not watched)
    intact: bool
    hd: bool
    offline: bool
    networked: bool  # verified through its platform URL
    declared_only: bool  # declared networked, with no platform URL to verify it
    e_police: bool


def _seen(camera: CameraRecord, state: CameraState | None) -> _Seen:
    has_platform = camera.platform_url is not None
    e_police = camera.role is CameraRole.e_police
    declared = not has_platform and camera.declared_networked
    if state is None:
        return _Seen(False, False, False, False, False, declared, e_police)
    return _Seen(
        True,
        state.intact.value is True,
        state.hd.value is True,
        state.online.value is False,
        has_platform and state.networked.value is True,
        declared,
        e_police,
    )


def compute_indicators(
    areas: Iterable[AreaRecord],
    cameras: Iterable[CameraRecord],
    states: Mapping[str, CameraState],
) -> IndicatorReport:
    """Every indicator per district and for the city, and the coverage of each counted area.

    Cameras whose area is not in ``areas`` are in no key area and count nowhere.
    """
    by_area: dict[str, list[_Seen]] = defaultdict(list)
    for camera in cameras:
        state = states.get(camera.id) if camera.enabled else None
        by_area[camera.area_id].append(_seen(camera, state))
    scopes: dict[str, ScopeIndicators] = {}
    coverage: list[AreaCoverage] = []
    for area in areas:
        seen = by_area.get(area.id, [])
        found = _area_coverage(area, seen)
        coverage += found
        scope = _scope_of(area, seen, found)
        scopes[area.district] = scopes.get(area.district, ScopeIndicators(area.district)) + scope
    districts = tuple(scope for _, scope in sorted(scopes.items()))
    city = sum(districts, ScopeIndicators(None))
    coverage.sort(key=lambda a: (a.indicator is Indicator.epolice_coverage, a.district, a.area))
    return IndicatorReport(city, districts, tuple(coverage))


def _area_coverage(area: AreaRecord, seen: list[_Seen]) -> list[AreaCoverage]:
    found = []
    if area.key_area:
        found.append(_cover(area, seen, Indicator.hd_coverage, CoverageReason.no_hd_camera))
    if area.kind is AreaKind.intersection:
        found.append(
            _cover(area, seen, Indicator.epolice_coverage, CoverageReason.no_e_police_camera)
        )
    return found


_CANDIDATE: dict[Indicator, Callable[[_Seen], bool]] = {
    Indicator.hd_coverage: lambda c: c.hd,
    Indicator.epolice_coverage: lambda c: c.e_police,
}


def _cover(
    area: AreaRecord, seen: list[_Seen], indicator: Indicator, no_candidate: CoverageReason
) -> AreaCoverage:
    candidates = [c for c in seen if _CANDIDATE[indicator](c)]
    reason = _why_not(seen, candidates, no_candidate)
    return AreaCoverage(area.id, area.district, indicator, len(seen), len(candidates), reason)


def _why_not(
    seen: list[_Seen], candidates: list[_Seen], no_candidate: CoverageReason
) -> CoverageReason | None:
    if not seen:
        return CoverageReason.no_cameras
    if any(c.intact for c in candidates):
        return None
    if not any(c.probed for c in seen):
        return CoverageReason.not_probed
    if not candidates:
        return no_candidate
    if all(c.offline for c in candidates):
        return CoverageReason.cameras_offline
    return CoverageReason.cameras_not_intact


def _scope_of(area: AreaRecord, seen: list[_Seen], found: list[AreaCoverage]) -> ScopeIndicators:
    """One area's contribution to its district's counts."""

    def share(indicator: Indicator) -> Rate:
        mine = [a for a in found if a.indicator is indicator]
        return Rate(sum(a.covered for a in mine), len(mine))

    counted = seen if area.key_area else []
    return ScopeIndicators(
        area.district,
        hd_coverage=share(Indicator.hd_coverage),
        intactness=Rate(sum(c.intact for c in counted), len(counted)),
        networking=Rate(sum(c.networked for c in counted), len(counted)),
        networking_declared=sum(c.declared_only for c in counted),
        epolice_coverage=share(Indicator.epolice_coverage),
    )
