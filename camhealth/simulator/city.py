"""The demo city served by the simulator: each registry camera at its own address, with faults.

The fault mix is chosen so that the city lands just under the plan's 90% target on every
indicator (see ``DEMO_FAULTS``): a newcomer sees what camhealth finds and what it costs the
city, with every kind of failure represented at least once.
"""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from camhealth.camera_registry.demo_city import PLATFORM_HOST, DemoCity
from camhealth.camera_registry.records import AreaKind, CameraRecord, CameraRole
from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.faults import Fault, FaultState
from camhealth.simulator.plan import Layout, Plan, PlannedCamera

F = Fault
# Faults dealt to key-area surveillance cameras: about 12% of them end up not intact.
DEMO_FAULTS: tuple[frozenset[Fault], ...] = (
    *[frozenset({F.offline})] * 9,
    frozenset({F.hung}),
    frozenset({F.flapping}),
    frozenset({F.auth_failed}),
    frozenset({F.rtsp_503}),
    frozenset({F.no_frames}),
    frozenset({F.undecodable}),
    *[frozenset({F.blur})] * 3,
    *[frozenset({F.blank})] * 2,
    *[frozenset({F.too_dark})] * 2,
    *[frozenset({F.occlusion})] * 2,
    frozenset({F.too_bright}),
    frozenset({F.color_cast}),
    frozenset({F.noise}),
    frozenset({F.stripes}),
    frozenset({F.frozen}),
    frozenset({F.frozen_osd}),
    frozenset({F.scene_change}),
    # Facts rather than faults: the camera stays intact.
    *[frozenset({F.clock_skew})] * 3,
    frozenset({F.replaced}),
    *[frozenset({F.platform_down})] * 6,
)
# Small key areas whose cameras are all below HD: they count against HD coverage.
SD_AREAS = ("heluo-weishengyuan", "xuefang-zhongxue", "heluo-jishi", "xuefang-jishi", "yingyuan")
# Intersections whose e-police cameras are both down: they count against e-police coverage.
DARK_INTERSECTIONS = ("lk-heluo-zhongxin", "lk-xuefang-s212")
PLATFORM_PORT = int(PLATFORM_HOST.rpartition(":")[2])
# Few distinct clips, so a newcomer's first demo encodes its video in about a minute: every
# distinct (scene, size, codec, night, picture fault) is one clip to encode. The scenes are
# the daylight ones the diagnosis reads as they are (no dark launch site, no campus lawn).
DAY_SCENES = ("garage", "cafe", "entrance")
NIGHT_SCENE = "entrance"
FAULTED_SCENE = "garage"
HD_1080_AREAS = ("huochezhan", "renmin-guangchang")  # the rest stream 1280x720
H265_AREAS = ("hangzhan-lou", "renmin-yiyuan")  # newer cameras: 1280x720 H.265
NIGHT_AREAS = ("wulong-shidi", "lihua-jingqu")  # scenic spots filmed in IR


def plan_city(city: DemoCity, seed: int = 2026) -> Plan:
    """A simulator plan serving every camera of ``city`` where its registry URLs point."""
    rng = random.Random(seed)
    first = urlsplit(city.cameras[0].rtsp_url or "")
    layout = Layout(
        base_address=first.hostname or "127.20.0.1",
        onvif_port=urlsplit(city.cameras[0].onvif_url or "").port or 80,
        rtsp_port=first.port or 554,
        platform_host=PLATFORM_HOST.rpartition(":")[0],
        platform_port=PLATFORM_PORT,
    )
    key_areas = {a.id for a in city.areas if a.key_area}
    dealt = [c.id for c in city.cameras if c.area_id in key_areas and c.area_id not in SD_AREAS]
    rng.shuffle(dealt)
    faults = dict(zip(dealt, DEMO_FAULTS, strict=False))
    faults.update(
        {c.id: frozenset({F.offline}) for c in city.cameras if c.area_id in DARK_INTERSECTIONS}
    )
    kinds = {a.id: a.kind for a in city.areas}
    cameras = [
        _planned(rng, record, faults.get(record.id, frozenset()), kinds[record.area_id])
        for record in city.cameras
    ]
    return Plan(layout, city.areas, cameras)


def _planned(
    rng: random.Random, record: CameraRecord, injected: frozenset[Fault], kind: AreaKind
) -> PlannedCamera:
    url = urlsplit(record.rtsp_url or "")
    area = record.area_id
    codec, size = Codec.h264, (1280, 720)
    if area in SD_AREAS:
        size = (704, 576)
    elif injected:
        pass  # every broken camera shares one stream spec: one clip per picture fault
    elif area in H265_AREAS:
        codec = Codec.h265
    elif area in HD_1080_AREAS:
        size = (1920, 1080)
    night = area in NIGHT_AREAS and not injected
    scene = DAY_SCENES[rng.randrange(len(DAY_SCENES))]
    if injected or size == (1920, 1080):
        scene = FAULTED_SCENE
    password = record.password.get_secret_value() if record.password else ""
    sim = SimCamera(
        id=record.id,
        name=record.id,  # the OSD draws ASCII only
        host=url.hostname or "",
        scene=NIGHT_SCENE if night else scene,
        main=StreamSpec(*size, codec=codec, gop_seconds=1.0),
        sub=StreamSpec(640, 360, codec=codec),
        username=record.username or "admin",
        password=password,
        rtsp_port=url.port or 554,
        onvif_port=urlsplit(record.onvif_url or "").port or 80,
        night=night,
        serial=f"DS{rng.randrange(10**9):09d}",
        faults=FaultState(set(injected)),
    )
    relayed = record.platform_url is not None
    return PlannedCamera(sim, area, CameraRole(record.role), relayed, injected)
