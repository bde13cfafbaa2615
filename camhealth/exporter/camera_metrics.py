"""The per-camera families of ``/metrics``: about 17 series a camera, kept between Snapshots.

At 50,000 cameras these are nearly all of the body (100 MB), so how each camera's lines are
made decides the scrape time (bench/exporter.md).  Three things keep it cheap:

- a camera's lines come from one bytes template filled in one ``%`` operation and cut at
  the NULs between families, instead of a formatted string per line;
- the template is made from its *shape* (which probes, which measured facts), shared by the
  whole fleet, with the camera's labels put in once; it is kept while the camera's labels
  and shape stay the same, so a changed state costs one ``%`` operation;
- the lines are kept while the camera's entry is equal *by value* (``CameraLines``): a
  registry reload that yields equal records re-renders nothing.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from camhealth.exporter.prom_text import escape, number
from camhealth.health.snapshot import CameraEntry, Snapshot

# The per-camera families, in the order they are written.
CAMERA_FAMILIES = (
    ("camhealth_camera_online", "1 while the camera answers, after confirmation"),
    ("camhealth_camera_intact", "1 while online with no confirmed image fault"),
    ("camhealth_camera_hd", "1 while the decoded frame is at least 1280x720"),
    ("camhealth_camera_networked", "1 while the stream plays through the sharing platform"),
    ("camhealth_camera_fault", "1 for each confirmed image fault"),
    (
        "camhealth_camera_maintenance",
        "1 while the camera is in its maintenance window (proposed, docs/metrics.md)",
    ),
    ("camhealth_camera_probe_success", "1 if the last probe succeeded"),
    ("camhealth_camera_probe_duration_seconds", "Duration of the last probe"),
    ("camhealth_camera_frame_height_pixels", "Height of the last decoded frame"),
    ("camhealth_camera_frame_width_pixels", "Width of the last decoded frame"),
    ("camhealth_camera_clock_skew_seconds", "Camera clock minus camhealth's clock"),
    ("camhealth_camera_info", "Identity of the camera"),
)

_ONE, _ZERO = b"1.0", b"0.0"
_MEASURED = [name for name, _ in CAMERA_FAMILIES[8:11]]


_TEXTS: dict[float, bytes] = {}


def _text(value: float) -> bytes:
    """``number(value)`` as bytes, remembered: a fleet repeats its sizes and timings."""
    found = _TEXTS.get(value)
    if found is None:
        found = number(value).encode()
        if len(_TEXTS) < 100_000:  # timings vary without end: keep the memory bounded
            _TEXTS[value] = found
    return found


Shape = tuple[tuple[str, ...], bool, bool, bool]  # probes; height, width, skew measured


@functools.cache
def shape_template(shape: Shape) -> bytes:
    """The block of a camera of this shape, every label set left as ``{`` + its own labels
    (the camera's go in after the brace), every value a ``%s`` field.

    Families are separated by NUL.  Fields, in order: online, intact, hd, networked, fault
    lines, maintenance, each probe's success, each probe's duration, the measured facts
    present, info labels.
    """
    probes, *measured = shape
    success = "".join(f'camhealth_camera_probe_success{{,probe="{p}"}} %s\n' for p in probes)
    durations = "".join(
        f'camhealth_camera_probe_duration_seconds{{,probe="{p}"}} %s\n' for p in probes
    )
    facts = "\0".join(
        f"{name}{{}} %s\n" if present else ""
        for name, present in zip(_MEASURED, measured, strict=True)
    )
    return (
        "camhealth_camera_online{} %s\n\0camhealth_camera_intact{} %s\n\0"
        "camhealth_camera_hd{} %s\n\0camhealth_camera_networked{} %s\n\0%s\0"
        f"camhealth_camera_maintenance{{}} %s\n\0{success}\0{durations}\0{facts}\0"
        "camhealth_camera_info{,%s} 1.0\n"
    ).encode()


def camera_labels(entry: CameraEntry) -> bytes:
    """The camera's labels, ready to follow a ``{`` in a template (``%`` doubled)."""
    labels = f'camera="{entry.id}",area="{entry.area.id}",district="{escape(entry.district)}"'
    return labels.encode().replace(b"%", b"%%")


@functools.lru_cache(maxsize=4096)
def info_labels(
    vendor: str | None, model: str | None, firmware: str | None, codec: str | None, role: str
) -> bytes:
    """The identity labels of ``camhealth_camera_info``: a fleet has few distinct ones."""
    facts = zip(
        ("vendor", "model", "firmware", "codec"), (vendor, model, firmware, codec), strict=True
    )
    named = [f'{key}="{escape(value or "")}"' for key, value in facts]
    return ",".join([*named, f'role="{escape(role)}"']).encode()


class _Kept(NamedTuple):
    entry: CameraEntry
    labels: bytes
    shape: Shape
    template: bytes  # the shape's, with the labels in
    lines: tuple[bytes, ...]


def _render(entry: CameraEntry, old: _Kept | None) -> _Kept:
    """The camera's lines of each family (in CAMERA_FAMILIES' order, b"" for none), reusing
    the labels and template of ``old`` where they still fit.  One function, straight-line:
    it runs 50,000 times for a new fleet."""
    state, record = entry.state, entry.record
    device, probes = state.device, state.probes
    if device is None:
        info = info_labels(None, None, None, state.codec, record.role)
        measured: list[float | None] = [state.height, state.width]
    else:
        info = info_labels(device.vendor, device.model, device.firmware, state.codec, record.role)
        measured = [state.height, state.width, device.clock_skew_seconds]
    shape = (
        tuple([p.probe for p in probes]),
        state.height is not None,
        state.width is not None,
        len(measured) == 3 and measured[2] is not None,
    )
    labels = camera_labels(entry) if old is None or old.entry.area != entry.area else old.labels
    if old is not None and old.labels is labels and old.shape == shape:
        template = old.template
    else:
        template = shape_template(shape).replace(b"{", b"{" + labels)
    # As the indicators count it: only a stream verified through a platform URL.
    networked = record.platform_url is not None and state.networked.value is True
    values = [
        _ONE if state.online.value is True else _ZERO,
        _ONE if state.intact.value is True else _ZERO,
        _ONE if state.hd.value is True else _ZERO,
        _ONE if networked else _ZERO,
        _fault_lines(labels, state.confirmed_faults) if state.faults else b"",
        _ONE if entry.muted else _ZERO,
    ]
    texts = _TEXTS
    values += [_ONE if p.failure is None else _ZERO for p in probes]
    values += [texts.get(p.duration) or _text(p.duration) for p in probes]
    values += [texts.get(v) or _text(v) for v in measured if v is not None]
    values.append(info)
    lines = tuple((template % tuple(values)).split(b"\0"))
    return _Kept(entry, labels, shape, template, lines)


def _fault_lines(labels: bytes, faults: tuple[str, ...]) -> bytes:
    plain = labels.replace(b"%%", b"%")  # a value, not part of the template
    return b"".join(
        [
            b'camhealth_camera_fault{%s,fault="%s"} 1.0\n' % (plain, escape(f).encode())
            for f in faults
        ]
    )


class CameraLines:
    """Each enabled camera's lines, kept from one Snapshot to the next while it is unchanged.

    Kept by value, not by object (``CameraEntry`` is a NamedTuple: equal records, areas and
    states compare equal, and the comparison mostly stops at the identity check), so a
    registry reload or a state written again with equal values costs a comparison.
    """

    def __init__(self) -> None:
        self._kept: dict[str, _Kept] = {}

    def of(self, snapshot: Snapshot) -> list[tuple[bytes, ...]]:
        kept, fresh = self._kept, {}
        for camera, entry in snapshot.cameras.items():
            if not entry.record.enabled:
                continue
            old = kept.get(camera)
            if old is not None and old.entry == entry:
                fresh[camera] = old
            else:
                fresh[camera] = _render(entry, old)
        self._kept = fresh
        return [kept.lines for kept in fresh.values()]
