"""The fleet on paper: areas, cameras, addresses and faults drawn from a mix, before any socket.

Pure and deterministic: the same size, mix, seed and layout give the same plan, so the registry
file and the truth manifest written for one run describe the fleet that runs.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from itertools import cycle

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRole
from camhealth.simulator.camera import MAIN_PATH, Codec, SimCamera, StreamSpec
from camhealth.simulator.faults import Fault, FaultState
from camhealth.simulator.mix import Mix, deal, flags, parse_resolution
from camhealth.simulator.onvif_operations import DEVICE_PATH
from camhealth.simulator.scenes import SCENE_NAMES

DISTRICTS = ("城厢街道", "古柳街道", "龙旺庄街道", "冯格庄街道", "柏林庄街道")
KEY_KINDS = (
    AreaKind.station,
    AreaKind.scenic_spot,
    AreaKind.park_square,
    AreaKind.library,
    AreaKind.hospital,
    AreaKind.school,
    AreaKind.gov_service_center,
    AreaKind.business_district,
)
RELAY_PATH = "/relay/{camera_id}/main"


@dataclass(frozen=True)
class Layout:
    """Where the fleet listens: cameras count up from ``base_address`` (x.y.z.0 and .255 are
    skipped), every camera on the same ports; the platform relay has an address of its own."""

    base_address: str = "127.1.0.0"
    onvif_port: int = 80
    rtsp_port: int = 554
    platform_host: str = "127.0.0.2"
    platform_port: int = 8554


@dataclass
class PlannedCamera:
    camera: SimCamera
    area_id: str
    role: CameraRole
    relayed: bool  # the sharing platform re-serves it (it has a platform_url)
    injected: frozenset[Fault] = field(default_factory=frozenset)


@dataclass
class Plan:
    layout: Layout
    areas: list[AreaRecord]
    cameras: list[PlannedCamera]

    def relay_url(self, camera: SimCamera) -> str:
        path = RELAY_PATH.format(camera_id=camera.id)
        return f"rtsp://{self.layout.platform_host}:{self.layout.platform_port}{path}"


def onvif_url(camera: SimCamera) -> str:
    return f"http://{camera.host}:{camera.onvif_port}{DEVICE_PATH}"


def rtsp_url(camera: SimCamera, path: str = MAIN_PATH) -> str:
    return f"rtsp://{camera.host}:{camera.rtsp_port}{path}"


def host_addresses(base: str, count: int) -> list[str]:
    """``count`` loopback addresses from ``base`` on, skipping .0, .255 and 127.0.0.1."""
    start = ipaddress.IPv4Address(base)
    network = ipaddress.IPv4Network("127.0.0.0/8")
    hosts: list[str] = []
    candidate = start
    while len(hosts) < count:
        if candidate not in network:
            raise ValueError(f"{count} cameras do not fit in 127.0.0.0/8 after {base}")
        last = int(candidate) & 0xFF
        if last not in (0, 255) and str(candidate) != "127.0.0.1":
            hosts.append(str(candidate))
        candidate += 1
    return hosts


def camera_id(index: int) -> str:
    """A GB/T 28181 device id: centre 37068200 (Laiyang), industry 00, type 132 (IPC), net 0."""
    return f"3706820000132{0}{index:06d}"


def plan_fleet(
    count: int, mix: Mix, seed: int = 0, layout: Layout | None = None, first: int = 1
) -> Plan:
    """The plan of ``count`` cameras numbered from ``first``: fleets planned with disjoint
    numbers (and base addresses) have disjoint camera and area ids, so one registry can hold
    several (a process may not open enough sockets for 20,000 cameras)."""
    layout = layout or Layout()
    rng = random.Random(seed)
    hosts = host_addresses(layout.base_address, count)
    roles = flags(rng, mix.e_police, count)
    fault_sets = deal(rng, mix.fault_sets(), count)
    mains = deal(rng, mix.resolutions, count)
    subs = deal(rng, mix.sub_resolutions, count)
    codecs = deal(rng, mix.codecs, count)
    gops = deal(rng, mix.gop_seconds, count)
    nights = flags(rng, mix.night, count)
    relayed = flags(rng, mix.platform, count)
    areas, area_of = _areas(rng, roles, mix, first)
    cameras = []
    for index, host in enumerate(hosts):
        main = parse_resolution(mains[index] or "1920x1080")
        sub = parse_resolution(subs[index] or "640x360")
        codec = codecs[index] or Codec.h264
        injected = fault_sets[index] or frozenset()
        settings = mix.fault_settings
        sim = SimCamera(
            id=camera_id(first + index),
            name=f"{area_of[index].name} cam {first + index}",
            host=host,
            scene=SCENE_NAMES[rng.randrange(len(SCENE_NAMES))],
            main=StreamSpec(*main, codec=codec, gop_seconds=gops[index] or 2.0),
            sub=StreamSpec(*sub, codec=codec),
            rtsp_port=layout.rtsp_port,
            onvif_port=layout.onvif_port,
            night=nights[index],
            faults=FaultState(set(injected), **settings.model_dump()),
        )
        role = CameraRole.e_police if roles[index] else CameraRole.surveillance
        cameras.append(PlannedCamera(sim, area_of[index].id, role, relayed[index], injected))
    return Plan(layout, areas, cameras)


def _areas(
    rng: random.Random, e_police: list[bool], mix: Mix, first: int
) -> tuple[list[AreaRecord], list[AreaRecord]]:
    """The areas, and each camera's: e-police cameras stand at intersections, the others in
    places of the key kinds (a ``key_areas`` share of them key areas) or of kind other."""
    per_area = mix.cameras_per_area
    areas: list[AreaRecord] = []
    area_of: list[AreaRecord | None] = [None] * len(e_police)
    for is_e_police in (False, True):
        members = [i for i, flag in enumerate(e_police) if flag is is_e_police]
        groups = [members[i : i + per_area] for i in range(0, len(members), per_area)]
        keys = flags(rng, 0.0 if is_e_police else mix.key_areas, len(groups))
        kinds = cycle((AreaKind.intersection,) if is_e_police else KEY_KINDS)
        for group, key in zip(groups, keys, strict=True):
            kind = next(kinds) if key or is_e_police else AreaKind.other
            number = first + len(areas)  # a fleet has no more areas than cameras
            area = AreaRecord(
                id=f"A{number:05d}",
                name=f"{kind.value.replace('_', ' ').title()} {number}",
                kind=kind,
                district=DISTRICTS[number % len(DISTRICTS)],
                key_area=key,
            )
            areas.append(area)
            for index in group:
                area_of[index] = area
    assert all(area is not None for area in area_of)
    return areas, [area for area in area_of if area is not None]
