"""Pydantic schemas of the HTTP API (``XPublic`` for responses, ``XCreate`` for input)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from geo.cities import CityInfo
from layers.ogc import landing_links


class Link(BaseModel):
    """A web link (OGC API style)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class CityPublic(BaseModel):
    """A city as shown by ``GET /cities``."""

    slug: str = Field(examples=["tangerang"])
    name: str = Field(examples=["Kota Tangerang"])
    # the city page is its OGC API landing page, which has a title and a description
    title: str = Field(examples=["Tree Point O: Kota Tangerang"])
    description: str
    demo: bool = Field(description="True when the city holds generated demo data")
    bbox: list[float] = Field(description="minx, miny, maxx, maxy in lon/lat")
    center: list[float] = Field(description="lon, lat of the default map view")
    zoom: int
    utm_srid: int = Field(description="EPSG code used for metric work")
    links: list[Link] = []

    @classmethod
    def of(cls, city: CityInfo, base: str) -> CityPublic:
        """Schema of a :class:`CityInfo` with links under ``base``."""
        href = f"{base}/cities/{city.slug}"
        return cls(
            slug=city.slug,
            name=city.name,
            title=f"Tree Point O: {city.name}",
            description=(
                f"Peta layanan kota {city.name}: angkot, sekolah, perizinan dan permohonan "
                "sebagai layer (OGC API - Features dan Tiles)"
            ),
            demo=city.demo,
            bbox=list(city.bbox),
            center=list(city.center),
            zoom=city.zoom,
            utm_srid=city.utm_srid,
            links=[
                Link(href=href, rel="self", type="application/json", title=city.name),
                Link(
                    href=f"{href}/outline",
                    rel="describedby",
                    type="application/geo+json",
                    title="City outline",
                ),
                # the city page is also its OGC API Features landing page
                *(Link(**link) for link in landing_links(href, f"{base}/docs")),
            ],
        )


class CityList(BaseModel):
    """``GET /cities``."""

    cities: list[CityPublic]


class Health(BaseModel):
    """``GET /health``."""

    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    version: str
    # the exact builds only for deployment administrators (action service.health_detail)
    postgresql: str | None = None
    postgis: str | None = None
    schema_revision: str | None = None


class AppConfig(BaseModel):
    """``GET /config``: what the web map needs to start."""

    default_city: str
    basemap_url: str | None
    version: str
