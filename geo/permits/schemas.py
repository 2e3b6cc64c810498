"""The attributes of an izin application (public to the staff who handle it; no personal data:
the applicant's contact is kept apart, as for every request type)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_AREA_M2 = 10_000_000.0  # 1,000 ha, the intake's upper limit
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PermitAttributes(BaseModel):
    """What an applicant declares: the project, its intended use, the parcel and building."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text200
    use: Text200
    declared_area_m2: float = Field(gt=0, le=MAX_AREA_M2)
    floors: int = Field(ge=1, le=200)
    footprint_m2: float = Field(gt=0, le=MAX_AREA_M2)
    green_m2: float | None = Field(default=None, ge=0, le=MAX_AREA_M2)
    permit_type: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ] = "PBG"
