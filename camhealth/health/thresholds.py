"""Thresholds of the picture diagnosis, with their documented defaults and per-camera overrides.

Every threshold is compared with one named measure (see ``camhealth.health.measures``); the
measure's value and its threshold travel with each decision as evidence, so an operator can see
how far past the line a picture was.  ``QualityConfig.for_camera`` gives the thresholds of one
camera: the defaults, then the overrides of each of its tags, then the overrides of its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class QualityThresholds(BaseModel):
    """Decision thresholds for image faults; each can be overridden per camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hd_min_width: int = Field(1280, gt=0, description="A frame at least this wide is HD.")
    hd_min_height: int = Field(720, gt=0, description="A frame at least this tall is HD.")
    blank_uniform_fraction: float = Field(
        0.96,
        gt=0,
        le=1,
        description="blank: share of the picture (OSD text left out) within a few grey levels "
        "of one colour.",
    )
    dark_bright_level: float = Field(
        64.0,
        gt=0,
        le=255,
        description="too_dark: the 98th percentile of luminance (0-255) is below this, i.e. "
        "nothing in the picture is properly lit. A dark street with lit lamps passes.",
    )
    bright_clipped_fraction: float = Field(
        0.07,
        gt=0,
        le=1,
        description="too_bright: share of the picture clipped to white (luminance >= 250).",
    )
    bright_min_median: float = Field(
        170.0,
        ge=0,
        le=255,
        description="too_bright also needs the median luminance at least this (a bright sky "
        "above a dark street is not overexposure).",
    )
    bright_channel_clipped_fraction: float = Field(
        0.40,
        gt=0,
        le=1,
        description="too_bright also: share of the picture with any colour channel clipped "
        "(>= 250). Overexposed leaves clip their green long before their luminance; higher than "
        "bright_clipped_fraction because bright colourful views clip a channel here and there. "
        "Over half the picture clipped so is too bright whatever bright_min_median says.",
    )
    bright_exposure_gain: float = Field(
        1.6,
        gt=0,
        description="too_bright, against the reference picture: the cells' brightness was "
        "multiplied by at least this (slope of current levels on the reference's), as "
        "overexposure does to a scene with nothing to clip; snow and fog lift levels towards "
        "white instead (slope under 1). Also needs bright_min_median.",
    )
    blur_max_sharpness: float = Field(
        0.50,
        gt=0,
        le=1,
        description="blur: edge sharpness (0-1, share of edge contrast lost to a re-blur) below "
        "this. Pictures with too few edges (sky, fog, bare walls) are never called blurred.",
    )
    blur_soft_sharpness: float = Field(
        0.62,
        gt=0,
        le=1,
        description="blur, against the reference picture (same view): a picture whose edge "
        "sharpness is under this (soft, though over blur_max_sharpness) is blurred when it "
        "kept under blur_kept_sharpness of the reference's fine detail. Fine texture "
        "everywhere (gravel, a lawn) keeps its sharpness over blur_max_sharpness when "
        "defocused.",
    )
    blur_kept_sharpness: float = Field(
        0.75,
        gt=0,
        le=1,
        description="blur against the reference: share of the reference picture's fine detail "
        "(relative to its coarser detail, in the thumbnails) under which a soft picture is "
        "blurred. Moderate defocus keeps 0.57-0.86, healthy views 0.78 and over.",
    )
    blur_as_reference: float = Field(
        0.95,
        gt=0,
        le=2,
        description="blur against the reference picture (same view): a picture under "
        "blur_max_sharpness that kept at least this share of the reference's fine detail is "
        "as soft as its reference, the scene's own look (water, mist), not defocus. "
        "Defocus under blur_max_sharpness keeps 0.86 at most on the tuning splits.",
    )
    judge_min_median: float = Field(
        45.0,
        ge=0,
        le=255,
        description="blur and color_cast are judged only when the median luminance is at least "
        "this: at night the few edges are lamps and their glow, and colours are the lamps'. "
        "blur also when a fifth of the picture reaches dark_bright_level (a lit subject "
        "against a dark background).",
    )
    blur_min_edges: float = Field(
        0.004,
        gt=0,
        le=1,
        description="blur is judged only when at least this share of the picture is strong edges.",
    )
    occlusion_area: float = Field(
        0.10,
        gt=0,
        le=1,
        description="occlusion: share of the picture covered by a featureless, unnatural region "
        "(against the reference picture when there is one). Healthy views against their "
        "reference (fog over fine texture) reach 0.07.",
    )
    occlusion_area_no_reference: float = Field(
        0.25,
        gt=0,
        le=1,
        description="occlusion without a reference picture: share of the picture covered by one "
        "dark, featureless patch (by day). Higher than occlusion_area because a dark coat, "
        "doorway or shadow is part of many scenes.",
    )
    color_cast_drift: float = Field(
        17.0,
        gt=0,
        description="color_cast, against the reference picture: the colours of the whole picture "
        "moved the same way by at least this (log-chromaticity, log R/G and log B/G, in "
        "hundredths: 17 is about a 17% gain error of one channel), along the blue-amber axis "
        "that another day's light moves them (up to about 20 between two lights). Against a "
        "grey reference, a grey scene that turned one colour.",
    )
    color_cast_across_weight: float = Field(
        1.7,
        ge=1,
        description="color_cast against the reference: the drift's green-magenta part (red "
        "and blue both against green, as a stuck IR-cut filter or a failed channel gives) "
        "counts this many times (1.7: a bar of 10 across the axis). Daylight, lamps and "
        "auto white balance move colours along the blue-amber axis (red against blue), rarely "
        "across it.",
    )
    color_cast_scale_doubt: float = Field(
        4.0,
        ge=0,
        description="color_cast against the reference: the drift is the smallest offset left by "
        "any scale of the colours (towards or away from grey) within this many standard errors "
        "of the fitted one. A scene of one saturated colour (a hedge) barely tells its scale, "
        "so fog, blur or other light over it would otherwise read as a cast of up to 32; a "
        "cast moves cells of many colours alike, which pins the scale.",
    )
    color_cast_shift: float = Field(
        3.0,
        gt=0,
        description="color_cast without a reference picture: mean chroma offset divided by the "
        "chroma spread (CIE Lab). A monochrome (IR) picture never has a cast.",
    )
    color_cast_min_chroma: float = Field(
        9.0, ge=0, description="color_cast also needs the mean chroma offset at least this (Lab)."
    )
    noise_sigma: float = Field(
        3.0,
        gt=0,
        description="noise: noise standard deviation (grey levels) in the flattest parts of the "
        "picture, at up to 960 pixels wide.",
    )
    stripes_peak: float = Field(
        2.6,
        gt=0,
        description="stripes: strength of an isolated periodic peak in the picture's spectrum "
        "(natural log of its power over its neighbours').",
    )
    stripes_gained_peak: float = Field(
        4.0,
        gt=0,
        description="stripes, against the reference picture: strength of an isolated periodic "
        "peak in what the picture gained since the reference (thumbnails, the reference fitted "
        "by gain and offset; natural log of its power over its neighbours'). The scene cancels "
        "out, so wide bars stand out; a peak where the reference has one too is the scene.",
    )
    stripes_own_peak_with_reference: float = Field(
        5.2,
        gt=0,
        description="stripes, against the reference picture: the picture's own spectral peak "
        "(as stripes_peak) also counts from this strength, where the reference has no peak of "
        "its own. Fine stripes (under about 2% of the width) are lost in the thumbnails that "
        "stripes_gained_peak compares; a scene's pattern changed by blur, light or an occluder "
        "moves its peak to where the reference's strongest is not, up to about 4.3.",
    )
    frozen_change: float = Field(
        0.25,
        gt=0,
        description="frozen: change between two samples relative to the picture's fine texture "
        "(full resolution, OSD text left out) below this. Re-encoding a repeated picture "
        "changes it less; a static scene whose sensor noise is alive changes it more.",
    )
    frozen_unchanged: float = Field(
        0.30,
        ge=0,
        le=1,
        description="frozen: also needs at least this share of the full-resolution pixels "
        "(OSD text left out) to keep exactly their grey level. Re-encoding a repeated picture "
        "leaves many as they were; live sensor noise moves nearly all of them, even over fine "
        "texture (a lawn) that changes little.",
    )
    scene_match: float = Field(
        0.18,
        gt=0,
        le=1,
        description="scene_change: structural match with the reference picture (phase "
        "correlation of edges, 0-1) below this.",
    )
    scene_max_shift: float = Field(
        0.08,
        gt=0,
        le=1,
        description="scene_change also when the view moved by more than this share of the width.",
    )
    upscaled_ratio: float = Field(
        0.35,
        gt=0,
        description="upscaled evidence: detail in the finest octave relative to the next one "
        "below this means the picture was enlarged from a smaller one.",
    )


class QualityConfig(QualityThresholds):
    """The default thresholds, plus overrides for cameras by tag and by id."""

    tags: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Overrides by camera tag, e.g. {tunnel: {dark_bright_level: 20}}.",
    )
    cameras: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Overrides by camera id; they win over tag overrides.",
    )

    @model_validator(mode="after")
    def _overrides_are_valid(self) -> QualityConfig:
        for kind, table in (("tags", self.tags), ("cameras", self.cameras)):
            for key, override in table.items():
                try:
                    self._apply(override)
                except ValidationError as exc:
                    errors = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
                    raise ValueError(f"{kind}.{key}: {errors}") from None
        return self

    def defaults(self) -> QualityThresholds:
        return QualityThresholds.model_validate(self.model_dump(exclude={"tags", "cameras"}))

    def for_camera(self, camera_id: str, tags: Iterable[str] = ()) -> QualityThresholds:
        """The thresholds of one camera: defaults, then its tags' overrides, then its own."""
        merged: dict[str, Any] = {}
        for tag in tags:
            merged.update(self.tags.get(tag, {}))
        merged.update(self.cameras.get(camera_id, {}))
        return self._apply(merged)

    def _apply(self, override: Mapping[str, Any]) -> QualityThresholds:
        return QualityThresholds.model_validate({**self.defaults().model_dump(), **override})
