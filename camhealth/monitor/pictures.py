"""A camera's kept pictures: the last sample (for ``frozen``) and the reference view (for
``scene_change``), in the forms the store keeps them.

A ``Sample`` is stored packed: a small header naming each array's dtype and shape, then the
arrays' bytes. Unpacking is ``np.frombuffer`` over the blob (tens of microseconds, no copy), so
the monitor can read a camera's samples from the store at each of its pictures instead of
keeping them in memory; compressing (the old ``.npz`` form, still read) saved only a tenth of the
size for a millisecond each way. Nothing is pickled: loading a stored blob runs no code.
The registry keeps the reference view as a JPEG; the monitor keeps its packed Sample too, made
once when the view is taken or first read, not at every picture.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from dataclasses import fields
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from camhealth.health.quality import FrameDiagnosis
from camhealth.health.sequence import Sample, sample_of
from camhealth.health.views import views

MAGIC = b"CHS1"  # a camhealth Sample, packed layout 1 (an .npz, the older form, starts "PK")
_LENGTH = struct.Struct("<I")  # the header's length, after the magic
_ALIGN = 8  # every array starts at a multiple of 8 bytes, as numpy and OpenCV like them
# (field name, dtype, shape) of each of a Sample's arrays; width and height are 0-d int64.
Layout = tuple[tuple[str, str, tuple[int, ...]], ...]


def pack_sample(sample: Sample) -> bytes:
    named = [(f.name, np.asarray(getattr(sample, f.name))) for f in fields(Sample)]
    parts = [_header(tuple((name, a.dtype.str, a.shape) for name, a in named))]
    for _, array in named:  # tobytes: C order, whatever the array's own
        parts += [array.tobytes(), bytes(-array.nbytes % _ALIGN)]
    return b"".join(parts)


def unpack_sample(data: bytes) -> Sample:
    """The Sample of a packed blob, either form; ValueError when it is not one (damaged, or
    packed when a Sample had other fields)."""
    if data.startswith(b"PK"):
        return _unpack_npz(data)
    if not data.startswith(MAGIC):
        raise ValueError("not a packed sample")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    values: dict[str, Any] = {}
    for name, dtype, shape, count, offset in _offsets(bytes(data[: _body_start(length)])):
        array = np.frombuffer(data, dtype, count, offset).reshape(shape)
        values[name] = array.item() if shape == () else array
    return _sample(values)


def _unpack_npz(data: bytes) -> Sample:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            values = {name: arrays[name] for name in arrays.files}
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError("a damaged .npz sample") from exc
    values["width"], values["height"] = int(values["width"]), int(values["height"])
    return _sample(values)


def _sample(values: dict[str, Any]) -> Sample:
    if values.keys() != {f.name for f in fields(Sample)}:
        raise ValueError("a packed sample of another layout")
    return Sample(**values)


def _body_start(header_length: int) -> int:
    end = len(MAGIC) + _LENGTH.size + header_length
    return end + -end % _ALIGN


@lru_cache(maxsize=8)
def _header(layout: Layout) -> bytes:
    text = json.dumps(layout, separators=(",", ":")).encode()
    header = MAGIC + _LENGTH.pack(len(text)) + text
    return header + bytes(_body_start(len(text)) - len(header))


@lru_cache(maxsize=8)
def _offsets(header: bytes) -> tuple[tuple[str, np.dtype[Any], tuple[int, ...], int, int], ...]:
    """Each array's name, dtype, shape, item count and offset: the same few headers come back
    for every camera, so each is parsed once."""
    text = header[len(MAGIC) + _LENGTH.size :].rstrip(b"\0")
    try:
        layout = [(str(n), np.dtype(d), tuple(int(x) for x in s)) for n, d, s in json.loads(text)]
    except (TypeError, ValueError) as exc:
        raise ValueError("a packed sample's header is damaged") from exc
    offsets, offset = [], len(header)
    for name, dtype, shape in layout:
        count = math.prod(shape)
        offsets.append((name, dtype, shape, count, offset))
        size = dtype.itemsize * count
        offset += size + -size % _ALIGN
    return tuple(offsets)


def packed_sample_of_jpeg(jpeg: bytes) -> bytes | None:
    """The packed Sample of a reference JPEG, made in the diagnosis pool (a few ms of CPU)."""
    sample = sample_of_jpeg(jpeg)
    return None if sample is None else pack_sample(sample)


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
