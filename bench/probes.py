"""Benchmarks of the probes against a simulated fleet in another process (see bench/probes.md).

    uv run python bench/probes.py frames [--samples 10] [--sizes 640x360 1920x1080] [--loop asyncio]
    uv run python bench/probes.py reachability --cameras 1000 5000 20000 [--seconds 70]
    uv run python bench/probes.py memory --cameras 20000

frames: CPU-seconds and wall time per frame sample (open the stream, first keyframe decoded) for
each codec and size; beside it the ffmpeg command a user would script, and the floor: decoding
the same keyframe alone from a file.

reachability: the scheduler running ONVIF + RTSP probes at the default 60 s intervals over a
healthy fleet (simulated in processes of its own, SHARD cameras each), measured after its first
round, once with the ONVIF identity read on every probe and once at the default
``identity_interval``: probes per second, CPU-seconds per probe (ours and the simulator's),
p99 schedule lag, RSS; then
prometheus-blackbox-exporter (tcp module: RTSP OPTIONS, expect ``RTSP/1.0 200``) driven at the
same rate against the same cameras, its CPU read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import av

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from camhealth.camera_registry.records import CameraRecord
from camhealth.commands.context import run_async
from camhealth.config import ProbesConfig
from camhealth.probes.depacketize import CODECS
from camhealth.probes.frames import (
    DECODERS,
    FrameDecoder,
    _play_keyframe,
    probe_frames,
)
from camhealth.probes.results import ProbeKind
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.steps import Steps, Target
from camhealth.probes.targets import Probers, Watched, watched
from tests.probes.fleet import RunningFleet, simulated_fleet, warm

SIZES = ["640x360", "1280x720", "1920x1080", "3840x2160"]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1]
    load = os.getloadavg()
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc {os.cpu_count()}; {cpu}; "
        f"memory: {' '.join(free.split()[:2])}; load average at start {load[0]:.1f}"
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ frames


def frame_mix(sizes: list[str]) -> dict[str, object]:
    return {
        "resolutions": {size: 1 / len(sizes) for size in sizes},
        "codecs": {"h264": 0.5, "h265": 0.5},
        "platform": 0.0,
    }


def pick_cameras(fleet: RunningFleet, workdir: Path) -> dict[tuple[str, str], Watched]:
    """One camera per (codec, main size); the frames target is pointed at the main stream."""
    import json

    truth = json.loads((workdir / "truth.json").read_text())
    by_id = {c.id: c for c in fleet.cameras}
    chosen: dict[tuple[str, str], Watched] = {}
    for entry in truth["cameras"]:
        key = (entry["codec"], entry["main"])
        camera = by_id[entry["id"]]
        main = camera.targets[ProbeKind.rtsp]
        chosen.setdefault(key, replace(camera, targets={ProbeKind.frames: main}))
    return chosen


PHASES = ["connect", "describe", "setup", "play", "first_keyframe", "decode"]


@dataclass
class FrameFigures:
    """Sums over the samples of one stream (CPU and wall seconds); ``mean`` divides."""

    ours_cpu: float = 0.0
    ours_wall: float = 0.0
    rtsp_cpu: float = 0.0  # connect to TEARDOWN: the keyframe's Annex B, nothing decoded
    picture_cpu: float = 0.0  # the decode pool's work: decode, hand-off (nothing converted)
    bgr_cpu: float = 0.0  # the full-size BGR conversion, now the diagnosis's work in its pool
    jpeg_cpu: float = 0.0  # the 640-wide copy and JPEG, now made only for evidence/reference
    floor_cpu: float = 0.0
    floor_wall: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # wall, from the probe's result

    def mean(self, samples: int) -> dict[str, float]:
        sums = {k: v for k, v in vars(self).items() if isinstance(v, float)}
        return {k: v / samples for k, v in (sums | self.phases).items()}


async def sample_stream(
    target: Target, codec: str, decoder: FrameDecoder, samples: int, path: Path
) -> dict[str, float]:
    """Ours, its parts and the floor, interleaved sample by sample: a load that comes and goes
    on a shared machine then weighs on each of them alike."""
    sums = FrameFigures(phases=dict.fromkeys(PHASES, 0.0))
    for _ in range(samples):
        cpu, wall = time.process_time(), time.perf_counter()
        result = await probe_frames(target, decoder)
        sums.ours_cpu += time.process_time() - cpu
        sums.ours_wall += time.perf_counter() - wall
        assert result.ok, result.detail
        for phase in result.phases:
            sums.phases[phase.name] += phase.seconds
        cpu = time.process_time()
        data = await first_keyframe(target)
        sums.rtsp_cpu += time.process_time() - cpu
        cpu = time.process_time()
        sample = await decoder.decode(codec, data, 0.0)
        sums.picture_cpu += time.process_time() - cpu
        cpu = time.process_time()
        assert sample.image.size  # what the diagnosis converts, in its own pool
        sums.bgr_cpu += time.process_time() - cpu
        cpu = time.process_time()
        assert sample.jpeg  # what a picture kept as evidence or a reference view costs more
        sums.jpeg_cpu += time.process_time() - cpu
        await asyncio.to_thread(path.write_bytes, data)
        cpu, wall = time.process_time(), time.perf_counter()
        decode_floor(codec, path)
        sums.floor_cpu += time.process_time() - cpu
        sums.floor_wall += time.perf_counter() - wall
    return sums.mean(samples)


def bench_ffmpeg(url: str, samples: int) -> tuple[float, float]:
    """The ffmpeg command's CPU and wall seconds per sample (NaN without an ``ffmpeg``)."""
    if not shutil.which("ffmpeg"):
        return math.nan, math.nan
    cpu, wall = children_cpu(), time.perf_counter()
    for _ in range(samples):
        subprocess.run(
            ["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-skip_frame", "nokey",
             "-i", url, "-frames:v", "1", "-f", "null", "-"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    return (children_cpu() - cpu) / samples, (time.perf_counter() - wall) / samples


async def first_keyframe(target: Target) -> bytes:
    """The first keyframe with its parameter sets, Annex B, as the frames probe decodes it."""
    steps = Steps(asyncio.get_running_loop().time() + 30)
    track, keyframe = await _play_keyframe(steps, target)
    return keyframe.unit.annexb(track.parameter_sets + keyframe.unit.parameter_sets)


def decode_floor(codec: str, path: Path) -> None:
    """The floor: the keyframe read from a file into a fresh decoder context, one packet,
    flush; no conversion."""
    context = av.CodecContext.create(DECODERS[codec], "r")
    assert isinstance(context, av.VideoCodecContext)
    context.thread_count = 1
    assert context.decode(av.Packet(path.read_bytes())) + context.decode(None)


FRAME_TABLE = (
    "| codec | size | ours CPU s | ours wall s | ffmpeg CPU s | ffmpeg wall s | floor CPU s "
    "| ours/ffmpeg CPU | ours/floor CPU |\n|---|---|---|---|---|---|---|---|---|"
)
PARTS_TABLE = (
    "| codec | size | ours CPU ms | RTSP+RTP CPU ms | picture in the pool CPU ms "
    "| of which decode (floor) | rest ms | not in ours: BGR (diagnosis) / thumbnail (when "
    "asked) ms | wall ms: " + " / ".join(PHASES) + " |\n|---|---|---|---|---|---|---|---|---|"
)


def parts_row(codec: str, size: str, m: dict[str, float]) -> str:
    """Where a sample's CPU goes: the RTSP client and depacketiser up to the keyframe, the
    picture work in the pool (the decode and the hand-off), and the rest (steps, deadlines, the
    result) as the difference; wall time per phase as the probe timed it. The parts are
    measured apart from ``ours``, so on a loaded machine they may not add up. Beside them, what
    a sample no longer does: the BGR conversion (the diagnosis makes it) and the 640-wide
    thumbnail (made for evidence and reference views only)."""
    rest = m["ours_cpu"] - m["rtsp_cpu"] - m["picture_cpu"]
    walls = " / ".join(f"{m[p] * 1000:.1f}" for p in PHASES)
    return (
        f"| {codec} | {size} | {m['ours_cpu'] * 1000:.2f} | {m['rtsp_cpu'] * 1000:.2f} "
        f"| {m['picture_cpu'] * 1000:.2f} | {m['floor_cpu'] * 1000:.2f} | {rest * 1000:.2f} "
        f"| {m['bgr_cpu'] * 1000:.2f} / {m['jpeg_cpu'] * 1000:.2f} | {walls} |"
    )


async def frames(samples: int, sizes: list[str], loop: str) -> None:
    print(f"machine: {machine()}; event loop: {loop}\n")
    parts: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulated_fleet(40, frame_mix(sizes), Path(tmp)) as fleet,
    ):
        chosen = pick_cameras(fleet, Path(tmp))
        decoder = FrameDecoder(workers=1)
        print(FRAME_TABLE)
        for codec in CODECS:
            for size in sizes:
                camera = chosen.get((codec, size))
                if camera is None:
                    continue
                target = replace(camera.targets[ProbeKind.frames], timeout=600)
                await probe_frames(target, decoder)  # the simulator encodes its clip once
                target = replace(target, timeout=30)
                path = Path(tmp) / f"{codec}-{size}.annexb"
                m = await sample_stream(target, codec, decoder, samples, path)
                ffmpeg = bench_ffmpeg(with_login(target), samples)
                print(f"| {codec} | {size} | {m['ours_cpu']:.4f} | {m['ours_wall']:.3f} "
                      f"| {ffmpeg[0]:.4f} | {ffmpeg[1]:.3f} | {m['floor_cpu']:.4f} "
                      f"| {m['ours_cpu'] / ffmpeg[0]:.2f} | {m['ours_cpu'] / m['floor_cpu']:.2f} |",
                      flush=True)  # fmt: skip
                parts.append(parts_row(codec, size, m))
        decoder.close()
    print(f"\nWhere ours goes (mean of {samples}; load average now {os.getloadavg()[0]:.1f}):\n")
    print(PARTS_TABLE)
    print("\n".join(parts))


def with_login(target: Target) -> str:
    """The URL with user:password@, as the ffmpeg command line would be given it."""
    creds = target.credentials
    return target.url.replace("://", f"://{creds.username}:{creds.password}@", 1)


# ------------------------------------------------------------------ reachability


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(pid: int | str, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0])


@dataclass
class Reachability:
    cameras: int
    seconds: float
    probes: int
    failed: int
    cpu: float  # our process, CPU-seconds
    simulator_cpu: float  # all simulator processes, CPU-seconds
    lag_p99: float
    rss_mib: float
    peak_rss_mib: float
    simulator_rss_mib: float

    @property
    def rate(self) -> float:
        return self.probes / self.seconds


# The scheduler runs one round (every camera probed once by each kind) before the measured
# window, so the window is a monitor's steady state: with the default identity_interval every
# camera's identity was read in that first round, and the window's onvif probes read the clock.
FIRST_ROUND = 61.0
IDENTITY = {"every probe": 0.001, "default (600 s)": ProbesConfig().identity_interval}


async def bench_scheduler(fleet: RunningFleet, seconds: float, identity: float) -> Reachability:
    """The scheduler with the real probes, ONVIF and RTSP at their default 60 s intervals."""
    config = ProbesConfig(identity_interval=identity)
    reachability = (ProbeKind.onvif, ProbeKind.rtsp)
    cameras = [replace(c, targets={k: c.targets[k] for k in reachability}) for c in fleet.cameras]
    probers = Probers(config)
    await probers.start()
    scheduler = Scheduler(config, probers.run, lambda *_: None)
    scheduler.refresh(cameras)
    scheduler.start()
    await asyncio.sleep(FIRST_ROUND)
    before = dict(scheduler.stats.results)
    cpu, simulator_cpu = time.process_time(), sum(map(proc_cpu, fleet.pids))
    await asyncio.sleep(seconds)
    used = time.process_time() - cpu
    simulator_used = sum(map(proc_cpu, fleet.pids)) - simulator_cpu
    results = {key: n - before.get(key, 0) for key, n in scheduler.stats.results.items()}
    await scheduler.stop()
    await probers.close()
    return Reachability(
        cameras=len(cameras),
        seconds=seconds,
        probes=sum(results.values()),
        failed=sum(n for (_, label), n in results.items() if label != "ok"),
        cpu=used,
        simulator_cpu=simulator_used,
        lag_p99=scheduler.stats.lag_quantile(0.99),
        rss_mib=status_kib("self", "VmRSS") / 1024,
        peak_rss_mib=status_kib("self", "VmHWM") / 1024,
        simulator_rss_mib=sum(status_kib(pid, "VmRSS") for pid in fleet.pids) / 1024,
    )


BLACKBOX_CONFIG = """modules:
  rtsp:
    prober: tcp
    timeout: 5s
    tcp:
      query_response:
        - send: "OPTIONS rtsp://camera/ RTSP/1.0\\r\\nCSeq: 1\\r\\n\\r\\n"
        - expect: "^RTSP/1.0 200"
"""


def start_blackbox(port: int) -> subprocess.Popen[bytes]:
    workdir = Path(tempfile.mkdtemp())
    (workdir / "blackbox.yml").write_text(BLACKBOX_CONFIG)
    return subprocess.Popen(
        ["prometheus-blackbox-exporter", f"--config.file={workdir / 'blackbox.yml'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def bench_blackbox(fleet: RunningFleet, rate: float, seconds: float) -> tuple[int, float]:
    """blackbox_exporter's CPU for RTSP OPTIONS probes at ``rate`` per second."""
    import aiohttp

    port = 19115
    process = start_blackbox(port)
    await asyncio.sleep(1.0)
    hosts = [urlsplit(c.targets[ProbeKind.rtsp].url).netloc for c in fleet.cameras]
    done = 0
    try:
        async with aiohttp.ClientSession() as session:
            cpu = proc_cpu(process.pid)

            async def one(host: str) -> None:
                nonlocal done
                url = f"http://127.0.0.1:{port}/probe?module=rtsp&target={host}"
                async with session.get(url) as response:
                    body = await response.text()
                done += "probe_success 1" in body

            started, tasks, index = time.monotonic(), set(), 0
            while time.monotonic() - started < seconds:
                task = asyncio.ensure_future(one(hosts[index % len(hosts)]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                index += 1
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            await asyncio.gather(*tasks)
            used = proc_cpu(process.pid) - cpu
    finally:
        process.terminate()
        process.wait()
    return index, used


async def rtsp_only_cpu(fleet: RunningFleet, count: int) -> float:
    """Our CPU per RTSP reachability probe (OPTIONS + DESCRIBE), sequential, for the ratio."""
    targets = [c.targets[ProbeKind.rtsp] for c in fleet.cameras[:count]]
    cpu = time.process_time()
    for target in targets:
        await probe_rtsp(target)
    return (time.process_time() - cpu) / len(targets)


async def reachability(cameras: int, seconds: float) -> None:
    print(f"machine: {machine()}\n")
    mix: dict[str, object] = {"resolutions": {"1280x720": 1.0}, "codecs": {"h264": 1.0}}
    rows = []
    with tempfile.TemporaryDirectory() as tmp, simulated_fleet(cameras, mix, Path(tmp)) as fleet:
        await warm(fleet)
        runs = {label: await bench_scheduler(fleet, seconds, i) for label, i in IDENTITY.items()}
        due = 2 * len(fleet.cameras) / 60
        for label, run in runs.items():
            print(f"ours, {run.cameras} cameras, ONVIF+RTSP every 60 s, identity {label}: "
                  f"{run.probes} probes ({run.failed} failed) in {seconds:.0f} s = "
                  f"{run.rate:.1f}/s of {due:.1f}/s due; CPU {run.cpu:.2f} s = "
                  f"{run.cpu / run.probes * 1000:.2f} ms/probe; simulator CPU "
                  f"{run.simulator_cpu:.2f} s = {run.simulator_cpu / run.probes * 1000:.2f} "
                  f"ms/probe; p99 schedule lag {run.lag_p99:.3f} s; RSS {run.rss_mib:.0f} MiB "
                  f"(peak {run.peak_rss_mib:.0f}), simulator RSS {run.simulator_rss_mib:.0f} MiB",
                  flush=True)  # fmt: skip
        ours_rtsp = await rtsp_only_cpu(fleet, min(500, cameras))
        rtsp_rate = due / 2
        sent, bb_used = await bench_blackbox(fleet, rtsp_rate, seconds)
        bb = bb_used / sent
        print(f"ours, RTSP probe alone (OPTIONS+DESCRIBE): {ours_rtsp * 1000:.2f} ms CPU/probe")
        print(f"blackbox_exporter, RTSP OPTIONS at {rtsp_rate:.1f}/s: {sent} probes, CPU "
              f"{bb_used:.2f} s = {bb * 1000:.2f} ms/probe; "
              f"ours/blackbox CPU per RTSP probe = {ours_rtsp / bb:.2f}")  # fmt: skip
        for label, run in runs.items():
            rows.append(
                f"| {run.cameras:,} | {label} | {run.rate:.1f} ({due:.1f}) | {run.failed} "
                f"| {run.cpu / run.probes * 1000:.2f} "
                f"| {run.simulator_cpu / run.probes * 1000:.2f} | {run.lag_p99:.3f} "
                f"| {run.rss_mib:.0f} ({run.peak_rss_mib:.0f}) | {ours_rtsp * 1000:.2f} "
                f"| {bb * 1000:.2f} | {ours_rtsp / bb:.2f} |"
            )
    print(
        "\n| cameras | ONVIF identity | probes/s (due) | failed | our CPU ms/probe "
        "| simulator CPU ms/probe | p99 lag s | our RSS MiB (peak) | our RTSP ms | blackbox ms "
        "| ratio |"
    )
    print("\n".join(rows))


def each_size(sizes: list[int], seconds: float) -> None:
    """One process per fleet size, so RSS (and its peak) is that size's alone."""
    for size in sizes:
        command = [sys.executable, __file__, "reachability", "--cameras", str(size)]
        subprocess.run([*command, "--seconds", str(seconds)], check=True)


# ------------------------------------------------------------------ memory


def rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def records(count: int) -> list[CameraRecord]:
    def host(i: int) -> str:
        return f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"

    return [
        CameraRecord(
            id=f"c{i}",
            name=f"camera {i}",
            area_id="a1",
            onvif_url=f"http://{host(i)}/onvif/device_service",
            rtsp_url=f"rtsp://{host(i)}/Streaming/Channels/101",
            sub_rtsp_url=f"rtsp://{host(i)}/Streaming/Channels/102",
            platform_url=f"rtsp://10.255.0.1/relay/c{i}/main",
        )
        for i in range(count)
    ]


async def memory(cameras: int) -> None:
    """RSS of the watched set, the ONVIF WSDLs and the scheduler's state; refresh's CPU."""
    print(f"machine: {machine()}\n")
    base = rss_mib()
    watched_set = [watched(r, "admin", "password", 5.0) for r in records(cameras)]
    probers = Probers(ProbesConfig())
    await probers.start()
    loaded = rss_mib()
    scheduler = Scheduler(ProbesConfig(), probers.run, lambda *_: None)
    cpu = time.process_time()
    scheduler.refresh(watched_set)
    first = time.process_time() - cpu
    cpu = time.process_time()
    scheduler.refresh(watched_set)
    again = time.process_time() - cpu
    print(f"RSS: imports {base:.0f} MiB; + {cameras} watched cameras and the ONVIF WSDLs "
          f"{loaded:.0f} MiB; + the scheduler's state {rss_mib():.0f} MiB")  # fmt: skip
    print(f"refresh: first {first * 1000:.0f} ms CPU, unchanged {again * 1000:.0f} ms CPU")
    await probers.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["frames", "reachability", "memory"])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--cameras", type=int, nargs="+", default=[1000])
    parser.add_argument("--seconds", type=float, default=70.0)
    parser.add_argument("--sizes", nargs="+", choices=SIZES, default=SIZES, help="frames only")
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="frames only: the event loop (uvloop, as the monitor runs by default)",
    )
    args = parser.parse_args()
    run: Callable[[], object]
    if args.what == "frames":
        return run_async(frames(args.samples, args.sizes, args.loop), args.loop)
    elif args.what == "memory":
        run = lambda: memory(args.cameras[0])  # noqa: E731
    elif len(args.cameras) > 1:
        return each_size(args.cameras, args.seconds)
    else:
        run = lambda: reachability(args.cameras[0], args.seconds)  # noqa: E731
    asyncio.run(run())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
