"""Trip planner settings (prefix ``TPO_``): walking speed, penalties and limits."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from geo.store import SETTINGS_CONFIG


class PlannerSettings(BaseSettings):
    """Defaults of the angkot trip planner (a request may lower some of them)."""

    model_config = SETTINGS_CONFIG

    walk_speed_kmh: float = Field(default=4.5, gt=0, le=20)
    transfer_penalty_s: int = Field(default=300, ge=0, le=3600)
    max_walk_m: int = Field(default=1000, ge=0, le=5000)
    max_transfer_walk_m: int = Field(default=400, ge=0, le=2000)
    max_transfers: int = Field(default=3, ge=0, le=5)
    # an alternative to the fastest trip ("least walking", "fewest transfers") is offered only
    # when it saves at least this much walking / a transfer, and takes at most this much longer
    alt_min_walk_saved_m: int = Field(default=400, ge=0, le=5000)
    alt_max_extra_s: int = Field(default=600, ge=0, le=7200)
    alt_max_extra_transfers: int = Field(default=1, ge=0, le=5)
    # start and end closer than this (straight line) are the same place: nothing to plan
    same_place_m: float = Field(default=30.0, ge=0, le=500)
    # build every city's walking graph and angkot network in the background at start-up
    planner_warmup: bool = True
