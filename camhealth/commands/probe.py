"""``camhealth probe CAMERA_ID|URL``: a one-shot diagnosis a maintenance worker can read."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from camhealth.camera_registry.records import CameraRecord, split_userinfo
from camhealth.commands import registry_cli
from camhealth.commands.context import fail, get_context
from camhealth.config import Settings
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.targets import Probers, Watched, watched

CLOCK_SKEW_HINT = 5.0  # seconds; WS-Security usually allows a few seconds of difference

HINTS = {
    FailureCode.refused: "the port is closed: is the camera powered and the port right "
    "(RTSP usually 554, ONVIF 80)?",
    FailureCode.unreachable: "no route to the camera: check the network, VLAN and its power",
    FailureCode.auth_failed: "wrong username or password (or the account is locked): check "
    "the credentials stored for this camera",
    FailureCode.not_found: "the camera answers but has no such stream: check the URL's path "
    "or channel number",
    FailureCode.protocol_error: "the camera answered something that is not valid "
    "RTSP/ONVIF: firmware fault, or another service on this port",
    FailureCode.decode_error: "video arrived but does not decode: encoder fault or exotic "
    "encoder settings",
    FailureCode.unsupported_codec: "the stream is not H.264/H.265 (MJPEG?): set the camera's "
    "encoder to H.264 or H.265",
}


def hint(result: ProbeResult, timeout: float) -> str:
    """What a person should check, from the failure code and the step it happened in."""
    if result.failure is FailureCode.timeout:
        step = result.phases[-1].name if result.phases else "connect"
        if step == "connect":
            return "nothing answers: the camera is down or a firewall drops the packets"
        return f"the camera accepted the connection but did not answer ({step}): hung firmware?"
    if result.failure is FailureCode.no_frames:
        return f"the stream plays but no keyframe came in {timeout:g} s: the encoder stalled"
    if result.failure is not None:
        return HINTS.get(result.failure, "")
    skew = result.device.clock_skew_seconds if result.device else None
    if skew is not None and abs(skew) > CLOCK_SKEW_HINT:
        return f"the camera's clock is {skew:+.0f} s off: enable NTP on it"
    return ""


def probe(
    ctx: typer.Context,
    camera: Annotated[str, typer.Argument(help="A camera id from the registry, or a URL.")],
    username: Annotated[str | None, typer.Option(help="For a URL: the login.")] = None,
    password: Annotated[
        str | None,
        typer.Option(envvar="CAMHEALTH_PROBE_PASSWORD", help="For a URL (prefer the env var)."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed for each probe.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for machines.")] = False,
    save_frame: Annotated[
        Path | None, typer.Option(help="Write the decoded keyframe's JPEG thumbnail here.")
    ] = None,
) -> None:
    """Probe one camera now and say what works, how long each step took and what to check.

    A registry camera gets every probe it has a URL for: onvif, rtsp (main stream), frames
    (sub-stream when there is one) and platform. An rtsp:// URL gets rtsp and frames; an
    http:// URL is an ONVIF device service (its streams are discovered and probed too).
    Nothing on the camera is changed, and after a refused login no further probe tries it.
    Exit code 0 when every probe succeeded, 1 otherwise.

    Examples:

      camhealth probe 37068200001320000001

      camhealth probe rtsp://10.2.3.4/Streaming/Channels/102 --username admin

      CAMHEALTH_PROBE_PASSWORD=... camhealth probe http://10.2.3.4/onvif/device_service --json
    """
    settings = get_context(ctx).settings
    if "://" in camera:
        target = _from_url(camera, username, password, timeout)
    else:
        target = _from_registry(ctx, camera, timeout)
    results = asyncio.run(_probe_all(settings, target))
    if save_frame is not None:
        _save_frame(results, save_frame)
    typer.echo(_json(results, timeout) if as_json else _text(target, results, timeout))
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


def _from_url(url: str, username: str | None, password: str | None, timeout: float) -> Watched:
    clean, url_user, url_password = split_userinfo(url)
    scheme = clean.split("://", 1)[0].lower()
    field = "onvif_url" if scheme in ("http", "https") else "rtsp_url"
    try:
        record = CameraRecord.model_validate(
            {"id": "probe", "name": "probe", "area_id": "probe", field: clean}
        )
    except ValueError:
        fail("not an rtsp:// or http:// URL with a host")
    camera = watched(record, username or url_user, password or url_password, timeout)
    # Results are named by the (redacted) URL, not by the placeholder id.
    targets = {kind: replace(t, name=None) for kind, t in camera.targets.items()}
    return replace(camera, targets=targets)


def _from_registry(ctx: typer.Context, camera_id: str, timeout: float) -> Watched:
    async def load(registry: Any) -> Watched | None:
        record = await registry.get_camera(camera_id)
        if record is None:
            return None
        username, password = await registry.credentials(camera_id)
        return watched(record, username, password, timeout)

    found = registry_cli.with_registry(ctx, load)
    if found is None:
        fail(f"no camera {camera_id!r} in the registry")
    return found


async def _probe_all(settings: Settings, camera: Watched) -> list[ProbeResult]:
    probers = Probers(settings.probes, decode_workers=1)
    try:
        results: list[ProbeResult] = []
        for kind in camera.kinds:
            if any(r.failure is FailureCode.auth_failed for r in results):
                break  # the same login again would only count against the account's lockout
            results.append(await probers.run(kind, camera))
        discovered = _discovered(camera, results)
        if discovered is not None:
            results += [await probers.run(kind, discovered) for kind in discovered.kinds]
        return results
    finally:
        await probers.close()


def _discovered(camera: Watched, results: list[ProbeResult]) -> Watched | None:
    """The camera's discovered streams (main, then sub) when it had no stream URL."""
    onvif = next((r for r in results if r.kind is ProbeKind.onvif), None)
    if not camera.discover or onvif is None or onvif.device is None:
        return None
    uris = onvif.device.stream_uris
    if not uris:
        return None
    base = camera.targets[ProbeKind.onvif]
    main, sub = uris[0], uris[-1]
    targets = {
        ProbeKind.rtsp: replace(base, url=main),
        ProbeKind.frames: replace(base, url=sub),
    }
    return Watched(camera.id, camera.host, targets)


def _text(camera: Watched, results: list[ProbeResult], timeout: float) -> str:
    lines = [f"camera {results[0].target if results else camera.id}"]
    for result in results:
        verdict = "ok" if result.ok else f"FAILED: {result.failure}"
        lines.append(f"\n{result.kind:<9} {verdict}  ({result.duration * 1000:.0f} ms)")
        lines += [f"  {p.name:<15} {p.seconds * 1000:8.1f} ms" for p in result.phases]
        lines += [f"  {line}" for line in _facts(result)]
        if result.detail:
            lines.append(f"  what happened: {result.detail}")
        if text := hint(result, timeout):
            lines.append(f"  hint: {text}")
        if result.direct is not None:
            side = (
                "answers directly" if result.direct.ok else f"fails too ({result.direct.failure})"
            )
            lines.append(f"  the camera itself {side}")
    return "\n".join(lines)


def _facts(result: ProbeResult) -> list[str]:
    facts = []
    if (s := result.stream) is not None:
        size = f"{s.width}x{s.height}" if s.width else "size not in the SDP"
        facts.append(f"stream: {s.codec} {s.profile or ''} {size}".replace("  ", " "))
    if (d := result.device) is not None:
        facts.append(f"device: {d.vendor} {d.model}, firmware {d.firmware}, serial {d.serial}")
        if d.clock_skew_seconds is not None:
            facts.append(f"clock skew: {d.clock_skew_seconds:+.1f} s")
        facts += [f"stream uri: {uri}" for uri in d.stream_uris]
    if (f := result.frame) is not None:
        facts.append(
            f"frame: {f.width}x{f.height} {f.codec}, keyframe after {f.keyframe_seconds:.2f} s"
        )
    return facts


def _json(results: list[ProbeResult], timeout: float) -> str:
    return json.dumps([_result_dict(r, timeout) for r in results], ensure_ascii=False, indent=2)


def _result_dict(result: ProbeResult, timeout: float) -> dict[str, Any]:
    frame = result.frame
    return {
        "probe": result.kind.value,
        "target": result.target,
        "ok": result.ok,
        "failure": result.failure.value if result.failure else None,
        "detail": result.detail,
        "hint": hint(result, timeout),
        "duration_seconds": round(result.duration, 4),
        "phases": {p.name: round(p.seconds, 4) for p in result.phases},
        "stream": asdict(result.stream) if result.stream else None,
        "device": asdict(result.device) if result.device else None,
        "frame": None
        if frame is None
        else {
            "width": frame.width,
            "height": frame.height,
            "codec": frame.codec,
            "keyframe_seconds": round(frame.keyframe_seconds, 4),
            "jpeg_bytes": len(frame.jpeg),
        },
        "direct": _result_dict(result.direct, timeout) if result.direct else None,
    }


def _save_frame(results: list[ProbeResult], path: Path) -> None:
    frame = next((r.frame for r in results if r.frame is not None), None)
    if frame is None:
        typer.echo("no frame was decoded; nothing saved", err=True)
        return
    path.write_bytes(frame.jpeg)
