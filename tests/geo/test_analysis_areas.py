"""The analysis wing's area facts against direct SQL (and shapely) on the small sample city."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.ops import unary_union
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS
from geo.analysis import (
    NEAREST_ROUTE_MAX_M,
    area_report,
    find_area,
    roads_in,
    route_coverage,
    routes_in,
    schools_in,
)
from geo.errors import AreaNotFoundError, InvalidInputError
from tests.geo.analysis_sample import KECAMATAN, KEL_SW, AnalysisCity, analysis_city

pytestmark = pytest.mark.postgis


@pytest.fixture
def sample(db: Session) -> AnalysisCity:
    return analysis_city(db)


def area_wkt(db: Session, city_id: int, level: str, code: str) -> str:
    return str(
        db.execute(
            text(
                "SELECT ST_AsText(geom) FROM admin_area"
                " WHERE city_id = :c AND level = :l AND code = :code"
            ),
            {"c": city_id, "l": level, "code": code},
        ).scalar_one()
    )


def test_the_area_its_name_parent_and_size(db: Session, sample: AnalysisCity) -> None:
    area = find_area(db, sample.city, "kelurahan", KEL_SW)
    assert (area.name, area.parent_code, area.parent_name) == ("Kelurahan 1", KECAMATAN, "Barat")
    km2 = db.execute(
        text(
            "SELECT ST_Area(geom::geography) / 1e6 FROM admin_area"
            " WHERE city_id = :c AND code = :code"
        ),
        {"c": sample.city.id, "code": KEL_SW},
    ).scalar_one()
    assert area.area_km2 == pytest.approx(km2)
    assert area.area_km2 == pytest.approx(5.5 * 4.4, rel=0.02)  # 0.05 x 0.04 degrees near 6° S
    assert area.bbox == pytest.approx((106.60, -6.22, 106.65, -6.18))
    kecamatan = find_area(db, sample.city, "kecamatan", KECAMATAN)
    assert (kecamatan.name, kecamatan.parent_name) == ("Barat", "Kota Uji")


def test_unknown_codes_and_levels_are_clear_errors(db: Session, sample: AnalysisCity) -> None:
    with pytest.raises(AreaNotFoundError, match=r"no kecamatan with code '99\.99'"):
        find_area(db, sample.city, "kecamatan", "99.99")
    # a kelurahan code asked as a kecamatan is not found either
    with pytest.raises(AreaNotFoundError):
        area_report(db, ANONYMOUS, sample.city, "kecamatan", KEL_SW)
    with pytest.raises(InvalidInputError, match="kelurahan or kecamatan"):
        area_report(db, ANONYMOUS, sample.city, "kota", "36.71")


def test_routes_crossing_the_area_are_clipped_to_it(db: Session, sample: AnalysisCity) -> None:
    area = find_area(db, sample.city, "kecamatan", KECAMATAN)
    routes = routes_in(db, sample.city, area)
    direct = db.execute(
        text(
            "SELECT r.code, r.colour, ST_Length(ST_Intersection(r.geom, a.geom)::geography) AS m"
            " FROM angkot_route r JOIN admin_area a ON a.city_id = r.city_id"
            " AND a.level = 'kecamatan' AND a.code = :code"
            " WHERE r.city_id = :c AND ST_Intersects(r.geom, a.geom) ORDER BY r.code"
        ),
        {"c": sample.city.id, "code": KECAMATAN},
    ).all()
    assert [(r.code, r.colour) for r in routes] == [(d.code, d.colour) for d in direct]
    assert [r.length_m for r in routes] == pytest.approx([d.m for d in direct])
    # each route runs 106.61 -> 106.65 inside the west half: about 4.4 km and a little more
    assert all(4_400 < r.length_m < 4_700 for r in routes)
    assert all('"LineString"' in r.geojson or "MultiLineString" in r.geojson for r in routes)
    # an inactive route is left out
    db.execute(
        text("UPDATE angkot_route SET active = false WHERE city_id = :c AND code = 'R02'"),
        {"c": sample.city.id},
    )
    assert [r.code for r in routes_in(db, sample.city, area)] == ["R01", "R03"]


def test_schools_of_the_area_with_their_nearest_route(db: Session, sample: AnalysisCity) -> None:
    area = find_area(db, sample.city, "kelurahan", KEL_SW)
    schools = schools_in(db, sample.city, area)
    direct = db.execute(
        text(
            "SELECT s.npsn, (SELECT min(ST_Distance(ST_Transform(r.geom, 32748),"
            " ST_Transform(s.geom, 32748))) FROM angkot_route r WHERE r.city_id = s.city_id) AS m"
            " FROM school s JOIN admin_area a ON a.city_id = s.city_id AND a.code = :code"
            " WHERE s.city_id = :c AND ST_Intersects(a.geom, s.geom) ORDER BY s.npsn"
        ),
        {"c": sample.city.id, "code": KEL_SW},
    ).all()
    assert sorted(s.npsn for s in schools) == [d.npsn for d in direct]
    assert len(schools) == 9  # lon 106.61, .628, .646 x lat -6.21, -6.196, -6.182
    by_npsn = {s.npsn: s.nearest_route_m for s in schools}
    # beyond NEAREST_ROUTE_MAX_M (2 km) a school has no nearest route
    want = [d.m if d.m <= NEAREST_ROUTE_MAX_M else None for d in direct]
    assert [by_npsn[d.npsn] for d in direct] == pytest.approx(want)
    assert None in want
    assert sum(w is not None for w in want) >= 6


def _utm_shape(wkt: str) -> object:
    to_utm = Transformer.from_crs(4326, 32748, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(shapely.from_wkt(wkt), project)


def test_route_coverage_matches_shapely(db: Session, sample: AnalysisCity) -> None:
    """The share within 300/500 m, computed again outside PostGIS: pyproj + shapely."""
    area = find_area(db, sample.city, "kecamatan", KECAMATAN)
    coverage = route_coverage(db, sample.city, area)
    shape = _utm_shape(area_wkt(db, sample.city.id, "kecamatan", KECAMATAN))
    lines = [
        _utm_shape(w)
        for w in db.execute(
            text("SELECT ST_AsText(geom) FROM angkot_route WHERE city_id = :c"),
            {"c": sample.city.id},
        ).scalars()
    ]
    schools = [
        _utm_shape(w)
        for w in db.execute(
            text(
                "SELECT ST_AsText(s.geom) FROM school s JOIN admin_area a"
                " ON a.city_id = s.city_id AND a.code = :code"
                " WHERE s.city_id = :c AND ST_Intersects(a.geom, s.geom)"
            ),
            {"c": sample.city.id, "code": KECAMATAN},
        ).scalars()
    ]
    assert [c.radius_m for c in coverage] == [300, 500]
    for c in coverage:
        buffered = unary_union([line.buffer(c.radius_m, 64) for line in lines])  # type: ignore[attr-defined]
        share = shape.intersection(buffered).area / shape.area  # type: ignore[attr-defined]
        assert c.area_share == pytest.approx(share, rel=2e-3)
        assert c.schools_total == len(schools) == 15
        assert c.schools_within == sum(1 for s in schools if s.distance(buffered) == 0)  # type: ignore[attr-defined]
    # wider radius, more coverage; some but not all of the kecamatan is within 500 m
    assert 0 < coverage[0].area_share < coverage[1].area_share < 1
    assert coverage[0].schools_within <= coverage[1].schools_within


def test_an_area_without_routes_or_schools(db: Session, sample: AnalysisCity) -> None:
    db.execute(text("DELETE FROM angkot_route WHERE city_id = :c"), {"c": sample.city.id})
    db.execute(text("DELETE FROM school WHERE city_id = :c"), {"c": sample.city.id})
    area = find_area(db, sample.city, "kelurahan", KEL_SW)
    assert routes_in(db, sample.city, area) == []
    assert schools_in(db, sample.city, area) == []
    coverage = route_coverage(db, sample.city, area)
    assert [(c.area_share, c.schools_within, c.schools_total) for c in coverage] == [
        (0.0, 0, 0),
        (0.0, 0, 0),
    ]
    assert coverage[0].school_share is None


def test_the_streets_of_the_area_clipped_to_it(db: Session, sample: AnalysisCity) -> None:
    """The report's base map: the area's streets clipped to its boundary as one line set, as
    shapely clips every road of the city; a road elsewhere is left out."""
    db.execute(
        text(
            "INSERT INTO road_edge (city_id, name, length_m, geom) VALUES"
            " (:c, 'Jl. Jauh', 1, ST_GeomFromText('LINESTRING(106.90 -6.30, 106.91 -6.31)', 4326))"
        ),
        {"c": sample.city.id},
    )
    area = find_area(db, sample.city, "kecamatan", KECAMATAN)
    got = roads_in(db, sample.city, area)
    assert got is not None
    lines = shapely.from_geojson(got)
    inside = shapely.from_wkt(area_wkt(db, sample.city.id, "kecamatan", KECAMATAN))
    roads = db.execute(
        text("SELECT ST_AsText(geom) FROM road_edge WHERE city_id = :c"), {"c": sample.city.id}
    ).scalars()
    clipped = unary_union([shapely.from_wkt(w).intersection(inside) for w in roads])
    assert lines.geom_type in {"LineString", "MultiLineString"}
    assert lines.length == pytest.approx(clipped.length, rel=1e-3)
    assert inside.buffer(1e-6).covers(lines)
    report = area_report(db, ANONYMOUS, sample.city, "kecamatan", KECAMATAN)
    assert report.roads_geojson == got
