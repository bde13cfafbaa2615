"""``camhealth reference set|show``: a camera's reference picture, its normal view.

The picture diagnosis compares each sample with it (scene_change, occlusion, color_cast).  The
monitor keeps one taken automatically from a confirmed healthy sample; an operator replaces
it here after re-aiming a camera, or to choose a better one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import cv2
import typer

from camhealth.camera_registry.store import Registry
from camhealth.commands import registry_cli as shared
from camhealth.commands.analyze import read_image
from camhealth.commands.context import fail, get_context
from camhealth.health.quality import ImageFault, diagnose

app = typer.Typer(help="Set or show a camera's reference picture.", no_args_is_help=True)

CameraId = Annotated[str, typer.Argument(metavar="CAMERA", help="The camera's id.")]
# Faults of the picture itself; frozen and scene_change need other pictures to be judged.
SINGLE_FRAME = set(ImageFault) - {ImageFault.frozen, ImageFault.scene_change}


@app.command("set")
def set_(
    ctx: typer.Context,
    camera_id: CameraId,
    image: Annotated[Path, typer.Argument(help="The picture (JPEG, PNG, ...).")],
    force: Annotated[
        bool, typer.Option("--force", help="Store it even if the diagnosis finds faults.")
    ] = False,
) -> None:
    """Make IMAGE the camera's reference picture, replacing the stored one.

    A picture with an image fault (blank, blurred, covered...) would make a poor reference;
    it is refused unless --force.  Example: camhealth reference set 37028200001310000001 view.jpg
    """
    frame = read_image(image)
    tags: tuple[str, ...] = ()
    thresholds = get_context(ctx).settings.quality.for_camera(camera_id, tags)
    faults = [f.value for f in diagnose(frame, thresholds).faults if f in SINGLE_FRAME]
    if faults and not force:
        fail(f"{image}: the picture shows {', '.join(faults)}; use --force to store it anyway")
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        fail(f"{image}: cannot encode it as JPEG")
    taken_at = datetime.now(UTC)

    async def store(registry: Registry) -> bool:
        if await registry.get_camera(camera_id) is None:
            return False
        await registry.set_reference(camera_id, encoded.tobytes(), taken_at)
        return True

    if not shared.with_registry(ctx, store):
        fail(f"no camera {camera_id!r} in the registry")
    typer.echo(
        f"{camera_id}: reference picture set from {image} ({frame.shape[1]}x{frame.shape[0]})"
    )


@app.command()
def show(
    ctx: typer.Context,
    camera_id: CameraId,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the JPEG to FILE.", metavar="FILE")
    ],
) -> None:
    """Write the camera's reference picture to FILE and say when it was taken.

    Example: camhealth reference show 37028200001310000001 --output reference.jpg
    """

    async def fetch(registry: Registry) -> tuple[bytes, datetime] | None:
        return await registry.get_reference(camera_id)

    stored = shared.with_registry(ctx, fetch)
    if stored is None:
        fail(f"no reference picture for camera {camera_id!r}")
    jpeg, taken_at = stored
    try:
        output.write_bytes(jpeg)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror}")
    typer.echo(f"{camera_id}: reference picture of {taken_at.isoformat()} written to {output}")
