"""Benchmark: CPU and memory of `camhealth simulate` at 1,000 and 5,000 cameras, idle and with
50 streams played at once.

The simulator runs as its own process and is measured from /proc (utime+stime, VmRSS). The
players are one separate process of small RTSP readers (DESCRIBE, SETUP over TCP, PLAY, then
read and count bytes), so their cost is not counted; each stream is played for a bounded time.
Players pick healthy cameras sharing a few clips, and the measured window starts only when every
player receives data, so clip encoding (a one-off, cached on disk) stays out of the figures.

    uv run python bench/simulator.py --out bench/simulator.md
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

BASE = "127.5.0.0"
PLATFORM = "127.0.5.2:8554"
CONTROL = "127.0.5.2:8089"
MIX = """\
resolutions: {1920x1080: 0.6, 1280x720: 0.4}
codecs: {h264: 0.8, h265: 0.2}
faults: {offline: 0.05, hung: 0.05, blur: 0.05, no_frames: 0.05}
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_percent(pid: int, seconds: float) -> float:
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


# --- the players: a separate process -------------------------------------------------------


async def _request(reader, writer, line: str, headers: str) -> tuple[int, dict[str, str], bytes]:
    writer.write(f"{line} RTSP/1.0\r\n{headers}\r\n".encode())
    status = int((await reader.readline()).split()[1])
    fields: dict[str, str] = {}
    while (header := (await reader.readline()).decode().strip()) != "":
        name, _, value = header.partition(":")
        fields[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(fields.get("content-length", 0)))
    return status, fields, body


async def play(
    url: str, login: str, seconds: float, ready: asyncio.Queue[str], started: asyncio.Event
) -> int:
    """Play one stream over RTSP/TCP for ``seconds`` once every player gets data; bytes read."""
    host, port = url.split("/")[2].split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
    auth = f"Authorization: Basic {base64.b64encode(login.encode()).decode()}\r\n"
    _, headers, sdp = await _request(reader, writer, f"DESCRIBE {url}", f"CSeq: 1\r\n{auth}")
    control = next(line[10:] for line in sdp.decode().splitlines() if "control:track" in line)
    base = headers.get("content-base", url + "/")
    transport = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
    _, headers, _ = await _request(
        reader, writer, f"SETUP {base}{control}", f"CSeq: 2\r\n{auth}{transport}"
    )
    session = headers["session"].split(";")[0]
    writer.write(f"PLAY {url} RTSP/1.0\r\nCSeq: 3\r\n{auth}Session: {session}\r\n\r\n".encode())
    received = len(await reader.read(1 << 16))
    ready.put_nowait(url)
    await started.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        received += len(await reader.read(1 << 16))
    writer.close()
    return received


async def players(urls: list[str], login: str, seconds: float) -> None:
    started = asyncio.Event()
    ready: asyncio.Queue[str] = asyncio.Queue()
    tasks = [asyncio.create_task(play(url, login, seconds, ready, started)) for url in urls]
    for _ in urls:  # the window starts when every stream flows (first plays may encode clips)
        await ready.get()
    print("playing", flush=True)
    started.set()
    sizes = await asyncio.gather(*tasks)
    print(json.dumps({"bytes": sum(sizes), "streams_with_data": sum(s > 0 for s in sizes)}))


def player_main(args: argparse.Namespace) -> None:
    urls = Path(args.urls).read_text().split()
    asyncio.run(players(urls, args.login, args.seconds))


# --- the simulator and the measurement -----------------------------------------------------


def start_simulator(count: int, work: Path) -> tuple[subprocess.Popen[str], float]:
    (work / "mix.yml").write_text(MIX)
    command = [
        sys.executable, "-m", "camhealth", "simulate", "-n", str(count), "--seed", "1",
        "--mix", str(work / "mix.yml"), "--base-address", BASE, "--onvif-port", "8080",
        "--rtsp-port", "8554", "--platform", PLATFORM, "--control", CONTROL,
        "--registry-out", str(work / "fleet.csv"), "--truth-out", str(work / "truth.json"),
    ]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Ctrl-C"):
            return process, time.monotonic() - started
    raise RuntimeError("the simulator did not start")


def chosen_streams(work: Path, count: int) -> list[str]:
    """``count`` healthy cameras' main streams, from the few most common clip variants."""
    truth = {t["id"]: t for t in json.loads((work / "truth.json").read_text())["cameras"]}
    by_variant: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (work / "fleet.csv").open(encoding="utf-8-sig") as rows:
        for row in csv.DictReader(rows):
            entry = truth[row["id"]]
            if not entry["faults"]:
                by_variant[(entry["main"], entry["codec"])].append(row["rtsp_url"])
    ordered = sorted(by_variant.values(), key=len, reverse=True)
    return [url for urls in ordered for url in urls][:count]


def warm_up(count: int, players_count: int) -> None:
    """Play the streams once in a simulator of its own, so their clips are encoded into the disk
    cache and the measured simulator only loads them (encoding grows a process by ~1 GiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        simulator, _ = start_simulator(count, work)
        try:
            played(simulator.pid, chosen_streams(work, players_count), work, 2)
        finally:
            simulator.send_signal(2)
            simulator.wait(60)


def measure(count: int, players_count: int, seconds: float) -> dict[str, float]:
    warm_up(count, players_count)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        simulator, startup = start_simulator(count, work)
        try:
            time.sleep(3)
            idle_rss = rss_mib(simulator.pid)
            idle_cpu = cpu_percent(simulator.pid, seconds)
            result = played(simulator.pid, chosen_streams(work, players_count), work, seconds)
        finally:
            simulator.send_signal(2)
            stop_started = time.monotonic()
            code = simulator.wait(60)
        return {
            "cameras": count,
            "startup_s": startup,
            "idle_cpu_pct": idle_cpu,
            "idle_rss_mib": idle_rss,
            **result,
            "stop_s": time.monotonic() - stop_started,
            "exit_code": code,
        }


def played(pid: int, urls: list[str], work: Path, seconds: float) -> dict[str, float]:
    (work / "urls.txt").write_text("\n".join(urls))
    player = subprocess.Popen(
        [sys.executable, __file__, "--player", "--urls", str(work / "urls.txt"),
         "--login", "admin:admin12345", "--seconds", str(seconds)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert player.stdout is not None
    assert player.stdout.readline().strip() == "playing"
    cpu = cpu_percent(pid, max(1.0, seconds - 1))
    rss = rss_mib(pid)
    summary = json.loads(player.stdout.readline())
    player.wait(60)
    return {
        "players": len(urls),
        "streams_with_data": summary["streams_with_data"],
        "play_cpu_pct": cpu,
        "play_rss_mib": rss,
        "play_mbit_s": summary["bytes"] * 8 / seconds / 1e6,
    }


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n- nproc: {os.cpu_count()}\n"
        f"- CPU: {model}\n- load average at start: {' '.join(load)}\n"
        f"- memory (`free -h`):\n\n```\n{memory}```\n"
    )


def report(rows: list[dict[str, float]]) -> str:
    header = (
        "| cameras | start (s) | idle CPU % | idle RSS (MiB) | players with data | "
        "CPU % with 50 playing | RSS (MiB) playing | played Mbit/s | stop (s) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r['cameras']} | {r['startup_s']:.1f} | {r['idle_cpu_pct']:.2f} | "
        f"{r['idle_rss_mib']:.0f} | {r['streams_with_data']}/{r['players']} | "
        f"{r['play_cpu_pct']:.1f} | {r['play_rss_mib']:.0f} | {r['play_mbit_s']:.1f} | "
        f"{r['stop_s']:.1f} |"
        for r in rows
    ]
    return header + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--player", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    parser.add_argument("--login", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.player:
        player_main(args)
        return
    info = machine()
    rows = [measure(size, args.players, args.seconds) for size in args.sizes]
    text = f"## Run\n\n{info}\n{report(rows)}"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
