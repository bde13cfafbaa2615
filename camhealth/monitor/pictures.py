"""A camera's kept pictures: the last sample (for ``frozen``) and the reference view (for
``scene_change``), in the forms the store keeps them.

A ``Sample`` is stored as a compressed ``.npz`` of its arrays (no pickle: loading a stored blob
runs no code); a reference is the registry's JPEG, turned back into a Sample when first needed.
"""

from __future__ import annotations

import io
from dataclasses import fields
from typing import Any

import cv2
import numpy as np

from camhealth.health.quality import FrameDiagnosis
from camhealth.health.sequence import Sample, sample_of
from camhealth.health.views import views


def pack_sample(sample: Sample) -> bytes:
    arrays = {f.name: np.asarray(getattr(sample, f.name)) for f in fields(Sample)}
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def unpack_sample(data: bytes) -> Sample:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        values = {f.name: arrays[f.name] for f in fields(Sample)}
    values["width"], values["height"] = int(values["width"]), int(values["height"])
    return Sample(**values)


def sample_of_jpeg(jpeg: bytes) -> Sample | None:
    """The Sample of a stored reference JPEG; None when it does not decode."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    try:
        return sample_of(views(np.asarray(image, np.uint8)))
    except ValueError:
        return None


def diagnosis_json(diagnosis: FrameDiagnosis) -> dict[str, Any]:
    """What is kept of a diagnosis: sizes and each fault's decision, score and measure."""
    return {
        "width": diagnosis.width,
        "height": diagnosis.height,
        "effective_width": diagnosis.effective_width,
        "upscaled": diagnosis.upscaled,
        "checks": [
            {
                "fault": str(c.fault),
                "detected": c.detected,
                "score": round(c.score, 3),
                "measure": c.measure,
                "value": c.value,
                "threshold": c.threshold,
                "note": c.note,
            }
            for c in diagnosis.checks
        ],
    }
