"""What a simulated camera's clip costs to make: CPU and wall time of rendering and encoding one
second (one GOP of 25 frames) per resolution and codec, and the sizes of its frames.

    uv run python bench/clips.py > bench/clips.md

CPU time is the process's (all encoder threads); rendering is timed apart from encoding. The
default clip of a fleet (2-s GOPs, as many GOPs as the encode budget allows) costs the
"per clip" column: multiply by the number of distinct (scene, spec, fault) variants of a fleet.
"""

from __future__ import annotations

import platform
import resource
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from camhealth.simulator.camera import Codec, StreamSpec
from camhealth.simulator.clips import ClipKey, ClipLibrary, encode
from camhealth.simulator.scenes import Renderer, View

SIZES = [(640, 360), (640, 480), (704, 576), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    model = models[0] if models else platform.processor()
    return f"{model}, nproc {nproc}, `free -h`: {' '.join(memory.split()[:2])}, load {load}"


def row(width: int, height: int, codec: Codec) -> str:
    view = View("garage", width, height, "Camera 01")
    renderer = Renderer(view)
    renderer.frame(1, 0)  # loads the photograph: not part of a frame's cost
    started = cpu()
    for index in range(25):
        renderer.frame(0, index)
    render = cpu() - started
    key = ClipKey(view, codec, 25, 25, 1)
    wall, started = time.perf_counter(), cpu()
    clip = encode(key)
    total, wall = cpu() - started, time.perf_counter() - wall
    gop = clip.gops[0]
    idr = sum(map(len, gop[0].nals))
    p = sum(sum(map(len, au.nals)) for au in gop[1:]) // (len(gop) - 1)
    default = ClipLibrary(None).key(view, StreamSpec(width, height, codec))
    per_clip = total / 25 * default.gop_frames * default.gops  # rendering included
    return (
        f"| {width}×{height} | {codec} | {render:.2f} | {max(total - render, 0):.2f} | {wall:.1f} "
        f"| {idr / 1024:.0f} | {p / 1024:.1f} | {default.gops} × {default.gop_frames} "
        f"| {per_clip:.0f} |"
    )


def main() -> None:
    print("# Clip encoding cost (`bench/clips.py`)\n")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}.\n")
    print("One second of video (25 frames, one GOP) of the `garage` scene; CPU seconds of the")
    print("whole process. *per clip* estimates the CPU seconds of a fleet's default clip")
    print("(2-s GOPs, GOP count cut by the encode budget).\n")
    columns = ["size", "codec", "render CPU s", "encode CPU s", "wall s", "IDR KiB", "P KiB"]
    columns += ["default GOPs × frames", "per clip CPU s"]
    print("| " + " | ".join(columns) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    for codec in Codec:
        for width, height in SIZES:
            print(row(width, height, codec), flush=True)


if __name__ == "__main__":
    main()
