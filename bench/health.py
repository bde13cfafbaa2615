"""Benchmark: a full `camhealth run` over a simulated fleet: CPU, memory, database growth and how
many statuses match the simulator's truth manifest.

Per fleet size: the fleet in `camhealth simulate` processes of at most PER_PROCESS cameras each
(a camera needs a listening socket for ONVIF and one for RTSP, and a process may open only so
many files: 20,000 cameras are four processes), the registry imported with `camhealth areas/
cameras import`, then `camhealth run --duration D` as the real CLI on a SQLite database. The
monitor is measured by rusage (CPU) and /proc VmHWM (peak RSS), the simulators by /proc over the
same window; the database by its used pages per table (dbstat) after the import, at 60% of the
run and at the end; finally every stored status is compared with the truth.

    uv run python bench/health.py --cameras 5000 --duration 900 --out bench/health-5000.md
    uv run python bench/health.py --cameras 20000 --duration 900 --out bench/health-20000.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from camhealth.config import MonitorConfig, load_settings
from camhealth.health.state import CameraState
from camhealth.monitor.store import MonitorStore
from camhealth.simulator.faults import PICTURE_FAULTS
from camhealth.simulator.truth import NO_VIDEO, UNREACHABLE

MIX = """\
resolutions: {1280x720: 0.8, 704x576: 0.2}
sub_resolutions: {640x360: 1.0}
codecs: {h264: 1.0}
faults: {offline: 0.04, hung: 0.02, blur: 0.03, no_frames: 0.02, platform_down: 0.03}
"""
# The defaults, except frames and platform at 300 s → 120 s: two pictures per camera (what a
# fault needs to be confirmed) well inside a 15-minute run. The environment overrides them
# (CAMHEALTH_PROBES__FRAMES_INTERVAL=300 for the defaults: 2.5 times fewer pictures a second).
INTERVALS = {
    "CAMHEALTH_PROBES__ONVIF_INTERVAL": "60",
    "CAMHEALTH_PROBES__RTSP_INTERVAL": "60",
    "CAMHEALTH_PROBES__FRAMES_INTERVAL": "120",
    "CAMHEALTH_PROBES__PLATFORM_INTERVAL": "120",
}
PER_PROCESS = 5000
FAULT_NAMES = {"frozen_osd": "frozen"}  # the simulator's name: the monitor's
READY = "Ctrl-C stops the fleet."
METRICS = "http://127.0.0.1:9810/metrics"
SCRAPE_SECONDS = 30.0
PROBES = re.compile(r'^camhealth_probes_total\{probe="(\w+)",result="(\w+)"\} (\S+)$', re.M)
CLK_TCK = os.sysconf("SC_CLK_TCK")
STATUSES = ("online", "intact", "hd", "networked", "faults")
# Tables that grow with time, and the retention that bounds them; the others are one row per
# camera (states, last pictures) or the registry.
RETAINED = {
    "monitor_events": "events_days",
    "monitor_history": "history_days",
    "monitor_evidence": "evidence_days",
}


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_peak_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), as the kernel counts it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mib(pid: int) -> float:
    """The resident set of a process and its descendants (the diagnosis workers), summed
    now: shared pages count once per process, so this errs high."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue  # gone meanwhile
    tree, total = {pid}, 0.0
    while grown := {p for p, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def table_bytes(db: Path) -> dict[str, int]:
    """Bytes each table takes with its indexes, after a checkpoint (the WAL is not growth)."""
    with sqlite3.connect(db, timeout=30) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + int(size)
    return sizes


@dataclass
class Fleet:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    parts: list[Path] = field(default_factory=list)  # each process's files, fleetN.*

    def cpu(self) -> float:
        return sum(proc_cpu(p.pid) for p in self.processes)

    def peak_mib(self) -> float:
        return sum(proc_peak_mib(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            process.wait(120)


def start_fleet(count: int, work: Path, per_process: int) -> Fleet:
    """The fleet in processes of ``per_process`` cameras, numbered and addressed apart."""
    (work / "mix.yml").write_text(MIX)
    fleet = Fleet()
    for part, first in enumerate(range(0, count, per_process)):
        stem, size = work / f"fleet{part}", min(per_process, count - first)
        args = [
            sys.executable, "-m", "camhealth", "simulate", "-n", str(size),
            "--first", str(first + 1), "--mix", str(work / "mix.yml"), "--seed", str(5 + part),
            "--base-address", f"127.{110 + part}.0.0", "--platform", f"127.109.{part}.2:8554",
            "--control", f"127.109.{part}.2:8089", "--onvif-port", "8080", "--rtsp-port", "8554",
            "--warm", "--registry-out", f"{stem}.csv", "--truth-out", f"{stem}.json",
        ]  # fmt: skip
        with Path(f"{stem}.log").open("wb") as log:  # the child keeps its own descriptor
            fleet.processes.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        fleet.parts.append(stem)
    started = time.monotonic()
    for process, stem in zip(fleet.processes, fleet.parts, strict=True):
        while READY not in Path(f"{stem}.log").read_text():
            if process.poll() is not None:
                fleet.stop()
                raise RuntimeError(Path(f"{stem}.log").read_text()[-2000:])
            time.sleep(1)
    print(f"  {len(fleet.processes)} simulator(s) ready in {time.monotonic() - started:.0f} s")
    return fleet


def camhealth(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "camhealth", *args], env=env, check=True)


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    sim_cpu: float
    sim_peak_mib: float
    db_start: dict[str, int]
    db_warm: dict[str, int]
    db_end: dict[str, int]
    warm_at: float  # seconds into the run when db_warm was taken
    stopped: dict[str, Any]  # the monitor's last log line ("monitoring stopped")
    scrapes: list[Scrape]  # /metrics every SCRAPE_SECONDS
    loop_cpu: float  # CPU seconds of the monitor's main thread (its event loop)


def measure_run(env: dict[str, str], duration: float, db: Path, log: Path, fleet: Fleet) -> Run:
    db_start = table_bytes(db)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sim_cpu = fleet.cpu()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "camhealth", "run", "--duration", str(duration)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    started, peak, loop_cpu = time.monotonic(), 0.0, 0.0
    warm: tuple[float, dict[str, int]] | None = None
    scrapes: list[Scrape] = []
    # Growth is measured over the last 40% of the run: after every camera's first state,
    # picture and decisions are in.
    while process.poll() is None:
        elapsed = time.monotonic() - started
        try:
            peak = max(peak, proc_peak_mib(process.pid), tree_rss_mib(process.pid))
            loop_cpu = thread_cpu(process.pid)
        except FileNotFoundError:  # exited between poll and read
            break
        if warm is None and elapsed >= duration * 0.6:
            warm = (elapsed, table_bytes(db))
        if elapsed >= SCRAPE_SECONDS * (len(scrapes) + 1):
            scrapes += [s for s in [scrape(elapsed)] if s is not None]
        time.sleep(2)
    process.wait()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert process.returncode == 0, log.read_text()[-2000:]
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    warm = warm or (wall, table_bytes(db))
    return Run(
        wall=wall,
        cpu=cpu,
        peak_mib=max(peak, after.ru_maxrss / 1024),
        sim_cpu=fleet.cpu() - sim_cpu,
        sim_peak_mib=fleet.peak_mib(),
        db_start=db_start,
        db_warm=warm[1],
        db_end=table_bytes(db),
        warm_at=warm[0],
        stopped=_last_line(log, "monitoring stopped"),
        scrapes=scrapes,
        loop_cpu=loop_cpu,
    )


@dataclass
class Scrape:
    """What the monitor's /metrics said at ``at`` seconds into the run."""

    at: float
    lag: float  # camhealth_schedule_lag_seconds: p99 of the recent probes' start delays
    loop_lag: float  # camhealth_event_loop_lag_seconds: the worst stall since the last Snapshot
    done: dict[str, float]  # probes run by kind (held and late ones left out)


def scrape(at: float) -> Scrape | None:
    try:
        with urllib.request.urlopen(METRICS, timeout=10) as reply:
            text = reply.read().decode()
    except OSError:  # not up yet, or busy: the next one
        return None
    gauges = dict(re.findall(r"^(camhealth_\w+_lag_seconds) (\S+)$", text, re.M))
    done: dict[str, float] = {}
    for kind, result, count in PROBES.findall(text):
        if result not in ("held", "late"):
            done[kind] = done.get(kind, 0.0) + float(count)
    return Scrape(
        at,
        float(gauges.get("camhealth_schedule_lag_seconds", "nan")),
        float(gauges.get("camhealth_event_loop_lag_seconds", "nan")),
        done,
    )


def thread_cpu(pid: int) -> float:
    """CPU seconds of a process's main thread (for the monitor: its event loop)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _last_line(log: Path, message: str) -> dict[str, Any]:
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if line.startswith("{") and f'"{message}"' in line:
            return json.loads(line)  # type: ignore[no-any-return]
    return {}


def growth(run: Run, retention: MonitorConfig) -> tuple[dict[str, float], float]:
    """Bytes per day each growing table adds (from warm to end), and the database's size once
    retention holds: the per-camera tables as they are, each growing one for its days."""
    seconds = run.wall - run.warm_at
    per_day = {
        table: max(0, run.db_end.get(table, 0) - run.db_warm.get(table, 0)) / seconds * 86400
        for table in RETAINED
    }
    fixed = sum(size for table, size in run.db_end.items() if table not in RETAINED)
    kept = sum(rate * getattr(retention, RETAINED[table]) for table, rate in per_day.items())
    return per_day, fixed + kept


def matches(
    state: CameraState | None, expected: dict[str, Any], faults: list[str]
) -> dict[str, bool | None]:
    """Per status: None when the truth leaves it undecided, else whether the monitor agrees
    (an unknown status counts as "not online / not intact / not HD"). ``faults``: the confirmed
    picture faults are exactly the injected ones (none for a camera whose video does not play)."""
    found: dict[str, bool | None] = {}
    for name in STATUSES[:-1]:
        seen = state is not None and getattr(state, name).value is True
        found[name] = None if expected[name] is None else seen is expected[name]
    pictures = not set(faults) & (UNREACHABLE | NO_VIDEO)
    injected = {FAULT_NAMES.get(f, f) for f in faults if f in PICTURE_FAULTS} if pictures else set()
    confirmed = set(state.confirmed_faults) if state is not None else set()
    found["faults"] = None if expected["intact"] is None else confirmed == injected
    return found


async def compare(env: dict[str, str], truth: list[dict[str, Any]]) -> dict[str, list[int]]:
    settings = load_settings(None, environ=env)
    store = await MonitorStore.open(settings)
    states = await store.states()
    events = len(await store.events())
    await store.close()
    matched = {name: [0, 0] for name in STATUSES}
    for camera in truth:
        found = matches(states.get(camera["id"]), camera["expected"], camera["faults"])
        for name, ok in found.items():
            if ok is not None:
                matched[name][0] += ok
                matched[name][1] += 1
    print(f"  {len(states)} states, {events} events", flush=True)
    return matched


def bench(count: int, duration: float, per_process: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "monitor.db"
        env = {
            **INTERVALS,
            **os.environ,
            "CAMHEALTH_DATABASE__URL": f"sqlite+aiosqlite:///{db}",
            "CAMHEALTH_CREDENTIALS__KEY": Fernet.generate_key().decode(),
            "CAMHEALTH_LOGGING__FORMAT": "json",
        }
        fleet = start_fleet(count, work, per_process)
        try:
            for stem in fleet.parts:
                camhealth(env, "areas", "import", f"{stem}-areas.csv")
                camhealth(env, "cameras", "import", f"{stem}.csv")
            run = measure_run(env, duration, db, work / "run.log", fleet)
            truth = [
                c for p in fleet.parts for c in json.loads(Path(f"{p}.json").read_text())["cameras"]
            ]
            matched = asyncio.run(compare(env, truth))
        finally:
            fleet.stop()
        per_day, retained = growth(run, load_settings(None, environ=env).monitor)
        return {"cameras": count, "run": run, "per_day": per_day, "retained": retained,
                "matched": matched}  # fmt: skip


def table(results: list[dict[str, Any]]) -> str:
    mib = 2**20
    lines = [
        "| cameras | run (s) | monitor CPU (s) | CPU (% of one core) | event loop (% of one core) "
        "| monitor peak RSS (MiB) | simulator CPU (s) | simulator peak RSS (MiB) "
        "| DB at start / end (MiB) | DB growth per day (MiB) | DB size with retention (MiB) "
        "| late probes | undiagnosed | p99 schedule lag, end / worst of 2nd half (s) "
        "| worst loop stall (s) | frames / platform run (% of due) "
        f"| {' | '.join(STATUSES)} |",
        "|" + "---|" * (16 + len(STATUSES)),
    ]
    for r in results:
        run: Run = r["run"]
        cells = [f"{ok}/{total}" for ok, total in r["matched"].values()]
        start, end = sum(run.db_start.values()) / mib, sum(run.db_end.values()) / mib
        lines.append(
            f"| {r['cameras']:,} | {run.wall:.0f} | {run.cpu:.0f} | {100 * run.cpu / run.wall:.0f} "
            f"| {100 * run.loop_cpu / run.wall:.0f} "
            f"| {run.peak_mib:.0f} | {run.sim_cpu:.0f} | {run.sim_peak_mib:.0f} "
            f"| {start:.1f} / {end:.1f} | {sum(r['per_day'].values()) / mib:.0f} "
            f"| {r['retained'] / mib:.0f} "
            f"| {run.stopped.get('late', '?')} | {run.stopped.get('undiagnosed', '?')} "
            f"| {_lags(run)} | {_worst_stall(run)} | {_share_run(run, r['cameras'])} "
            f"| {' | '.join(cells)} |"
        )
    return "\n".join(lines)


def _lags(run: Run) -> str:
    if not run.scrapes:
        return "?"
    second_half = [s.lag for s in run.scrapes if s.at >= run.wall / 2] or [run.scrapes[-1].lag]
    return f"{run.scrapes[-1].lag:.1f} / {max(second_half):.1f}"


def _worst_stall(run: Run) -> str:
    return f"{max(s.loop_lag for s in run.scrapes):.2f}" if run.scrapes else "?"


def _share_run(run: Run, cameras: int) -> str:
    """Frames probes and platform checks run by the last scrape, against those due by then
    (each camera once per interval; the first ones spread over the first interval)."""
    if not run.scrapes:
        return "?"
    last, values = run.scrapes[-1], {**INTERVALS, **os.environ}
    shares = []
    for kind in ("frames", "platform"):
        interval = float(values[f"CAMHEALTH_PROBES__{kind.upper()}_INTERVAL"])
        due = cameras * last.at / interval
        shares.append(f"{100 * last.done.get(kind, 0.0) / due:.0f}")
    return " / ".join(shares)


def _done(scrape: Scrape) -> str:
    return ", ".join(f"{kind} {count:.0f}" for kind, count in sorted(scrape.done.items()))


def timeline(results: list[dict[str, Any]]) -> str:
    """The p99 schedule lag and probes run by kind at each scrape, for the record."""
    lines = []
    for r in results:
        run: Run = r["run"]
        points = ", ".join(f"{s.at:.0f} s: {s.lag:.1f} s ({_done(s)})" for s in run.scrapes)
        lines.append(f"- {r['cameras']:,} cameras, p99 schedule lag over time: {points}")
    return "\n".join(lines)


def by_table(results: list[dict[str, Any]]) -> str:
    """Where the growth goes, and where the rest of the database is."""
    mib = 2**20
    lines = []
    for r in results:
        run: Run = r["run"]
        grows = ", ".join(f"{t} {v / mib:.0f}" for t, v in r["per_day"].items())
        fixed = ", ".join(
            f"{t} {v / mib:.1f}" for t, v in sorted(run.db_end.items()) if t not in RETAINED
        )
        lines.append(f"- {r['cameras']:,}: MiB/day {grows}; MiB at the end {fixed}")
    return "\n".join(lines)


def report(results: list[dict[str, Any]], duration: float, load: tuple[float, ...]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python", "bench/health.py", *sys.argv[1:]])
    return (
        f"- date: {when}; command: `{command}`; duration {duration:.0f} s per size\n"
        f"- probe intervals (s): {_intervals()}\n"
        f"- machine: {os.cpu_count()} CPUs; load average at the end "
        f"{' / '.join(f'{x:.1f}' for x in load)}\n\n{table(results)}\n\n{by_table(results)}\n"
        f"{timeline(results)}\n"
    )


def _intervals() -> str:
    values = {**INTERVALS, **os.environ}
    return ", ".join(f"{k.split('__')[1].lower()} {values[k]}" for k in INTERVALS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, action="append", required=True)
    parser.add_argument("--duration", type=float, default=900.0)
    parser.add_argument("--out", type=Path, help="Write the markdown figures here as well.")
    parser.add_argument("--per-process", type=int, default=PER_PROCESS, help="Simulator size.")
    args = parser.parse_args()
    results = []
    for count in args.cameras:
        print(f"{count} cameras", flush=True)
        results.append(bench(count, args.duration, args.per_process))
        print(table(results), flush=True)
    text = report(results, args.duration, os.getloadavg())
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
