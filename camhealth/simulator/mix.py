"""What a simulated fleet is made of: the MIX.yml file and its deterministic draw.

A mix gives shares of cameras (0..1) for faults, resolutions, codecs, night pictures and roles.
Shares are turned into exact counts (largest remainder) and dealt to cameras by a seeded shuffle,
so the same mix, size and seed always give the same fleet. Example::

    cameras_per_area: 6
    key_areas: 0.7            # share of areas that are key public areas
    faults:                   # share of cameras per fault set; the rest are healthy
      offline: 0.05
      hung: 0.02
      blur: 0.03
      frozen_osd+clock_skew: 0.01    # a '+' joins faults that one camera has together
    resolutions: {1920x1080: 0.6, 1280x720: 0.2, 704x576: 0.2}
    sub_resolutions: {640x360: 0.8, 704x576: 0.2}
    codecs: {h264: 0.7, h265: 0.3}
    gop_seconds: {2: 0.8, 4: 0.2}   # keyframe interval; each value is another clip to encode
    night: 0.1                # monochrome IR pictures
    e_police: 0.1             # cameras in intersection areas with the e_police role
    platform: 0.9             # cameras relayed by the sharing platform (a platform_url)
    fault_settings: {slow_seconds: 3, clock_skew_seconds: 300, flap_period: 60}
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from camhealth.simulator.camera import Codec
from camhealth.simulator.faults import Fault

K = TypeVar("K", bound=Hashable)
Share = float
FaultSet = frozenset[Fault]


class MixError(ValueError):
    """A mix file that cannot be used; ``errors`` lists every problem."""

    def __init__(self, source: str, errors: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(errors))
        self.errors = errors


def parse_fault_names(names: Sequence[str]) -> FaultSet:
    """Fault names to faults; a ValueError naming every unknown one and the known ones."""
    unknown = sorted({name for name in names if name not in Fault.__members__})
    if unknown:
        raise ValueError(
            f"unknown fault name(s) {', '.join(unknown)}; known: {', '.join(Fault.__members__)}"
        )
    return frozenset(Fault(name) for name in names)


def parse_resolution(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()) or int(width) * int(height) == 0:
        raise ValueError(f"resolution {text!r} is not WIDTHxHEIGHT, e.g. 1920x1080")
    return int(width), int(height)


def _shares(value: Mapping[str, float], what: str, *, whole: bool) -> None:
    if any(share < 0 for share in value.values()):
        raise ValueError(f"{what}: shares must not be negative")
    total = sum(value.values())
    if total > 1 + 1e-9 or (whole and value and abs(total - 1) > 1e-6):
        raise ValueError(f"{what}: shares add up to {total:g}, " + ("not 1" if whole else "over 1"))


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    slow_seconds: float = Field(3.0, gt=0)
    clock_skew_seconds: float = 300.0
    flap_period: float = Field(60.0, gt=0)


class Mix(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cameras_per_area: int = Field(6, ge=1)
    key_areas: Share = Field(0.7, ge=0, le=1)
    faults: dict[str, Share] = {}
    resolutions: dict[str, Share] = {"1920x1080": 0.6, "1280x720": 0.25, "704x576": 0.15}
    sub_resolutions: dict[str, Share] = {"640x360": 1.0}
    codecs: dict[Codec, Share] = {Codec.h264: 0.75, Codec.h265: 0.25}
    # Every GOP length is another clip to encode per picture: one by default keeps warming short.
    gop_seconds: dict[float, Share] = {2.0: 1.0}
    night: Share = Field(0.0, ge=0, le=1)
    e_police: Share = Field(0.1, ge=0, le=1)
    platform: Share = Field(1.0, ge=0, le=1)
    fault_settings: FaultSettings = FaultSettings()

    @field_validator("faults")
    @classmethod
    def _known_faults(cls, value: dict[str, Share]) -> dict[str, Share]:
        parse_fault_names([name for key in value for name in key.split("+")])
        _shares(value, "faults", whole=False)
        return value

    @field_validator("resolutions", "sub_resolutions")
    @classmethod
    def _sizes(cls, value: dict[str, Share]) -> dict[str, Share]:
        for key in value:
            parse_resolution(key)
        _shares(value, "resolutions", whole=True)
        return value

    @field_validator("codecs", "gop_seconds")
    @classmethod
    def _whole(cls, value: dict[Any, Share]) -> dict[Any, Share]:
        _shares({str(k): v for k, v in value.items()}, "shares", whole=True)
        return value

    def fault_sets(self) -> dict[FaultSet, Share]:
        return {parse_fault_names(key.split("+")): share for key, share in self.faults.items()}


def load_mix(path: Path) -> Mix:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MixError(str(path), [str(exc)]) from None
    try:
        return Mix.model_validate(data)
    except ValidationError as exc:
        raise MixError(
            str(path),
            [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors()],
        ) from None


def deal(rng: random.Random, shares: Mapping[K, Share], count: int) -> list[K | None]:
    """``count`` draws with exactly the shares' counts (largest remainder), shuffled; the part
    of the fleet the shares leave over gets None."""
    exact = {key: share * count for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    spare = min(count, round(sum(exact.values()))) - sum(counts.values())
    by_remainder = sorted(exact, key=lambda key: exact[key] - counts[key], reverse=True)
    for key in by_remainder[: max(0, spare)]:
        counts[key] += 1
    dealt: list[K | None] = [key for key, n in counts.items() for _ in range(n)]
    dealt += [None] * (count - len(dealt))
    rng.shuffle(dealt)
    return dealt


def flags(rng: random.Random, share: Share, count: int) -> list[bool]:
    return [bool(x) for x in deal(rng, {True: share}, count)]
