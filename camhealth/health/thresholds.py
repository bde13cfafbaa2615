"""Thresholds of the picture diagnosis, with their documented defaults."""

from pydantic import BaseModel, ConfigDict, Field


class QualityThresholds(BaseModel):
    """Decision thresholds for image faults; each can be overridden per camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hd_min_width: int = Field(1280, gt=0, description="A frame at least this wide is HD.")
    hd_min_height: int = Field(720, gt=0, description="A frame at least this tall is HD.")
