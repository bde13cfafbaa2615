"""``camhealth simulate``: a fleet of simulated ONVIF/RTSP cameras on loopback, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Annotated

import typer

from camhealth.commands.context import fail, run_async
from camhealth.simulator.camera import MAIN_PATH
from camhealth.simulator.clips import ClipLibrary, default_cache_dir
from camhealth.simulator.control import ControlServer
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.manifest import write_registry, write_truth
from camhealth.simulator.mix import Mix, MixError, load_mix
from camhealth.simulator.plan import Layout, Plan, onvif_url, plan_fleet, rtsp_url
from camhealth.simulator.rtsp_server import RtspServer


def _host_port(value: str, what: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host.startswith("127."):
        fail(f"{what} must be a loopback HOST:PORT such as 127.0.0.1:8089, not {value!r}")
    return host, int(port)


def simulate(
    cameras: Annotated[int, typer.Option("--cameras", "-n", min=1, help="How many cameras.")] = 100,
    mix: Annotated[
        Path | None, typer.Option(help="MIX.yml: shares of faults, resolutions, codecs, night...")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the draw: same seed, same fleet.")] = 0,
    first: Annotated[
        int,
        typer.Option(min=1, help="Number of the first camera (fleets in several processes)."),
    ] = 1,
    registry_out: Annotated[
        Path | None, typer.Option(help="Write the cameras as a CSV for `camhealth cameras import`.")
    ] = None,
    areas_out: Annotated[
        Path | None,
        typer.Option(help="Write the areas CSV (default: beside --registry-out, NAME-areas.csv)."),
    ] = None,
    truth_out: Annotated[
        Path | None, typer.Option(help="Write each camera's faults and expected status (JSON).")
    ] = None,
    control: Annotated[str, typer.Option(help="HOST:PORT of the control API.")] = "127.0.0.1:8089",
    platform: Annotated[
        str, typer.Option(help="HOST:PORT of the sharing platform's relay.")
    ] = "127.0.0.2:8554",
    base_address: Annotated[
        str, typer.Option(help="First camera address; cameras count up from it.")
    ] = "127.1.0.0",
    onvif_port: Annotated[int, typer.Option(help="ONVIF (HTTP) port of every camera.")] = 80,
    rtsp_port: Annotated[int, typer.Option(help="RTSP port of every camera.")] = 554,
    clip_cache: Annotated[
        Path | None, typer.Option(help="Directory of encoded clips (default: the user cache).")
    ] = None,
    warm: Annotated[
        bool,
        typer.Option(help="Encode every clip before listening (slow once, then cached on disk)."),
    ] = False,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: at Ctrl-C).")
    ] = None,
) -> None:
    """Start a fleet of simulated cameras, each on its own loopback address, with faults.

    Every camera serves ONVIF (device and media services, snapshots) and RTSP (H.264/H.265 main
    and sub streams); the sharing platform's relay re-serves them on one address. Faults change
    at run time through the control API. Ctrl-C stops everything cleanly.

    Examples:

      camhealth simulate --cameras 300 --registry-out fleet.csv --truth-out truth.json

      camhealth simulate -n 5000 --mix MIX.yml --seed 7 --onvif-port 8080 --rtsp-port 8554

      curl -X PUT -d '{"faults": ["blur"]}' http://127.0.0.1:8089/cameras/ID/faults
    """
    platform_host, platform_port = _host_port(platform, "--platform")
    layout = Layout(base_address, onvif_port, rtsp_port, platform_host, platform_port)
    try:
        plan = plan_fleet(cameras, load_mix(mix) if mix else Mix(), seed, layout, first)
    except MixError as exc:
        fail("invalid mix " + str(exc))
    except ValueError as exc:
        fail(str(exc))
    _write_files(plan, registry_out, areas_out, truth_out)
    library = ClipLibrary(clip_cache or default_cache_dir())
    fleet = Fleet(plan, RtspServer(library))
    run_async(_run(fleet, _host_port(control, "--control"), warm, duration))


def _write_files(
    plan: Plan, registry_out: Path | None, areas_out: Path | None, truth_out: Path | None
) -> None:
    if registry_out is not None:
        areas = areas_out or registry_out.with_name(f"{registry_out.stem}-areas.csv")
        write_registry(plan, registry_out, areas)
        typer.echo(
            f"registry: {registry_out} (import {areas} first, with `camhealth areas import`)"
        )
    if truth_out is not None:
        write_truth(plan, truth_out)
        typer.echo(f"truth: {truth_out}")


async def _run(
    fleet: Fleet, control_at: tuple[str, int], warm: bool, duration: float | None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    control = ControlServer(fleet, *control_at)
    try:
        if warm:
            await fleet.warm(lambda done, total: typer.echo(f"clips ready: {done}/{total}"))
        await fleet.start()
        await control.start()
        _print_where(fleet, control)
        with contextlib.suppress(TimeoutError):  # --duration is over
            await asyncio.wait_for(stop.wait(), duration)
    except OSError as exc:
        fail(f"cannot listen: {exc.strerror or exc}")
    finally:
        await control.stop()
        await fleet.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    typer.echo("stopped: every listener closed")


def _print_where(fleet: Fleet, control: ControlServer) -> None:
    cameras = fleet.plan.cameras
    first, last = cameras[0].camera, cameras[-1].camera
    relayed = next((p.camera for p in cameras if p.relayed), None)
    typer.echo(f"{len(cameras)} cameras from {first.host} to {last.host}")
    typer.echo(f"  ONVIF:    {onvif_url(first)}")
    typer.echo(f"  RTSP:     {rtsp_url(first, MAIN_PATH)}  (login: see the registry file)")
    if relayed is not None:
        typer.echo(f"  platform: {fleet.plan.relay_url(relayed)}")
    typer.echo(f"  control:  {control.url}/cameras")
    typer.echo("Ctrl-C stops the fleet.")
