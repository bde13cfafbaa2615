"""``camhealth analyze``: the picture diagnosis on image files, offline."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from camhealth.commands.context import fail, get_context
from camhealth.health.quality import FrameDiagnosis, diagnose
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def analyze(
    ctx: typer.Context,
    images: Annotated[
        list[Path] | None, typer.Argument(help="Image files (JPEG, PNG, ...).")
    ] = None,
    sequence: Annotated[
        Path | None,
        typer.Option(
            "--sequence",
            help="Folder of one camera's earlier samples: they and the IMAGEs, in name order, "
            "are diagnosed as successive samples (each against the one before: frozen).",
        ),
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference", help="The camera's reference picture (scene_change, occlusion)."
        ),
    ] = None,
    camera: Annotated[
        str | None, typer.Option("--camera", help="Use this camera id's threshold overrides.")
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Use this camera tag's overrides (repeatable)."),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = (
        OutputFormat.table
    ),
) -> None:
    """Diagnose pictures: resolution, HD, effective resolution, and every image fault.

    Examples: `camhealth analyze snapshot.jpg`;
    `camhealth analyze now.jpg --reference reference.jpg --format json`;
    `camhealth analyze --sequence snapshots/ --camera 37020000001320000001`
    """
    files = _inputs(images or [], sequence)
    quality = get_context(ctx).settings.quality
    thresholds = quality.for_camera(camera or "", tag or ())
    frames = {path: read_image(path) for path in [*files, *([reference] if reference else [])]}
    reference_sample = diagnose(frames[reference], thresholds).sample if reference else None
    results = _diagnose_all(
        files, frames, thresholds, reference_sample, chained=sequence is not None
    )
    if output is OutputFormat.json:
        typer.echo(json.dumps([_as_json(path, d) for path, d in results], indent=2))
    else:
        _print_table(results)


def _inputs(images: list[Path], sequence: Path | None) -> list[Path]:
    files: list[Path] = []
    if sequence is not None:
        if not sequence.is_dir():
            fail(f"{sequence}: not a folder")
        files = sorted(p for p in sequence.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            fail(f"{sequence}: no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    files += images
    if not files:
        fail("give at least one IMAGE or --sequence DIR")
    return files


def read_image(path: Path) -> np.ndarray[Any, np.dtype[np.uint8]]:
    if not path.is_file():
        fail(f"{path}: no such file")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        fail(f"{path}: cannot read it as an image (not an image, or damaged)")
    return np.asarray(image, dtype=np.uint8)


def _diagnose_all(
    files: list[Path],
    frames: dict[Path, np.ndarray[Any, np.dtype[np.uint8]]],
    thresholds: QualityThresholds,
    reference: Sample | None,
    *,
    chained: bool,
) -> list[tuple[Path, FrameDiagnosis]]:
    results: list[tuple[Path, FrameDiagnosis]] = []
    previous: Sample | None = None
    for path in files:
        diagnosis = diagnose(frames[path], thresholds, previous=previous, reference=reference)
        results.append((path, diagnosis))
        previous = diagnosis.sample if chained else None
    return results


def _as_json(path: Path, d: FrameDiagnosis) -> dict[str, Any]:
    return {
        "file": str(path),
        "width": d.width,
        "height": d.height,
        "hd": d.hd,
        "effective_width": d.effective_width,
        "effective_height": d.effective_height,
        "upscaled": d.upscaled,
        "faults": [fault.value for fault in d.faults],
        "scores": {check.fault.value: check.score for check in d.checks},
        "checks": [
            {
                "fault": check.fault.value,
                "detected": check.detected,
                "score": check.score,
                "measure": check.measure,
                "value": check.value,
                "threshold": check.threshold,
                "region": check.region.__dict__ if check.region else None,
                "note": check.note,
            }
            for check in d.checks
        ],
    }


def _print_table(results: list[tuple[Path, FrameDiagnosis]]) -> None:
    table = Table()
    for column in ("file", "resolution", "HD", "faults", "closest to a fault"):
        table.add_column(column, overflow="fold")
    for path, d in results:
        size = f"{d.width}x{d.height}"
        if d.upscaled:
            size += f" (upscaled from ~{d.effective_width}x{d.effective_height})"
        faults = ", ".join(f"{c.fault.value} {c.score:.2f}" for c in d.checks if c.detected)
        pending = [
            c
            for c in d.checks
            if not c.detected and c.value is not None and not c.note.startswith("explained")
        ]
        nearest = max(pending, key=lambda c: c.score, default=None)
        hint = f"{nearest.fault.value} {nearest.score:.2f}" if nearest else ""
        table.add_row(str(path), size, "yes" if d.hd else "no", faults or "none", hint)
    Console().print(table)
