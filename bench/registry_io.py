"""Benchmark: export 50,000 cameras to every format and read each file back (no database).

Each step runs in a child process of its own, so its peak RSS is its own:

    uv run python bench/registry_io.py [--cameras 50000]

The records come from bench/registry.py (the same city the database benchmark imports).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from registry import cameras  # bench/registry.py, beside this script

from camhealth.camera_registry.exporting import EXPORT_FORMATS, write_cameras
from camhealth.camera_registry.importing import read_cameras


def step(kind: str, path: Path, count: int) -> dict[str, float]:
    """One measured step in this process: ``export`` writes ``path``, ``read`` reads it."""
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "export":
        with path.open("wb") as out:
            write_cameras(cameras(count), path.suffix[1:], out)  # type: ignore[arg-type]
    else:
        assert len(read_cameras(path)) == count
    return {
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(kind: str, path: Path, count: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--step", kind, "--file", str(path)]
    command += ["--cameras", str(count)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, default=50_000)
    parser.add_argument("--step", choices=["export", "read"])
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.file, args.cameras)))
        return
    print(f"{args.cameras} cameras; load average before: {os.getloadavg()[0]:.1f}")
    print("| format | file MB | export s (cpu) | export peak MB | read s (cpu) | read peak MB |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in EXPORT_FORMATS:
            path = Path(folder) / f"cameras.{fmt}"
            export = run_child("export", path, args.cameras)
            read = run_child("read", path, args.cameras)
            size = path.stat().st_size / 1024 / 1024
            print(
                f"| {fmt} | {size:.1f} | {export['wall_s']:.1f} ({export['cpu_s']:.1f}) "
                f"| {export['peak_mb']:.0f} | {read['wall_s']:.1f} ({read['cpu_s']:.1f}) "
                f"| {read['peak_mb']:.0f} |"
            )


if __name__ == "__main__":
    main()
