"""CPU time of one picture diagnosis, on one core, at three camera resolutions.

    uv run python bench/quality/speed.py [--runs 40]

OpenCV is held to one thread and the BLAS pools to one, so the figures are single-core CPU
time (process time), as one of the monitor's workers would spend per frame.  Each run
diagnoses a fresh noisy frame with the previous sample and the reference picture, so every
measure (frozen and scene_change included) is timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from camera import finish, load_scene, view  # noqa: E402

from camhealth.health.quality import diagnose  # noqa: E402
from camhealth.health.thresholds import QualityThresholds  # noqa: E402

SIZES = [(640, 360), (1920, 1080), (3840, 2160)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(0)
    thresholds = QualityThresholds()
    print(f"{'frame':>10} {'median ms':>10} {'p90 ms':>8} {'wall median ms':>15}")
    for size in SIZES:
        scene = view(load_scene("astronaut"), rng, size)
        frames = [finish(scene, rng, clock=i) for i in range(4)]
        reference = diagnose(frames[0], thresholds).sample
        previous = diagnose(frames[1], thresholds).sample
        cpu, wall = [], []
        for run in range(args.runs + 3):
            frame = frames[2 + run % 2]
            c0, w0 = time.process_time(), time.perf_counter()
            diagnose(frame, thresholds, previous=previous, reference=reference)
            if run >= 3:  # the first runs warm caches and OpenCV's lazy initialisation
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
        p90 = statistics.quantiles(cpu, n=10)[-1]
        label = f"{size[0]}x{size[1]}"
        print(
            f"{label:>10} {statistics.median(cpu):>10.2f} {p90:>8.2f}"
            f" {statistics.median(wall):>15.2f}"
        )


if __name__ == "__main__":
    main()
