"""Requests counted per kelurahan for the staff choropleth: counts in SQL, mapclassify classes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np
import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.accounts import Principal
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from geo.requests.queries import READ, RequestFilter, check_filter, visibility, where_of

MEASURES = ("count", "per_km2")
MIN_CLASSES, MAX_CLASSES = 3, 9
# ~10 m at the equator: enough for a city-wide choropleth, a fraction of the full geometry
SIMPLIFY_DEG = 0.0001

_AREAS = text(
    "SELECT k.code, k.name, k.parent_code, kc.name AS kecamatan,"
    " ST_Area(k.geom::geography) / 1e6 AS area_km2,"
    " ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(k.geom, :tol)), 6) AS geometry"
    " FROM admin_area k"
    " LEFT JOIN admin_area kc ON kc.city_id = k.city_id AND kc.level = 'kecamatan'"
    "  AND kc.code = k.parent_code"
    " WHERE k.city_id = :c AND k.level = 'kelurahan' ORDER BY k.code"
)


def fisher_jenks(values: list[float], k: int) -> list[float]:
    """The Fisher-Jenks class upper bounds of ``values``: exactly what ``mapclassify.FisherJenks
    (values, k).bins`` gives (its algorithm and float32 arithmetic, a test compares them), with
    the inner loops in numpy: ~1 ms for the ~100 kelurahan instead of ~25 ms of pure Python
    (mapclassify's fast path needs numba).
    """
    x = np.sort(np.asarray(values, dtype="f8"))
    n = len(x)
    lower = np.zeros((n + 1, k + 1), dtype=np.int64)  # mapclassify's mat1
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)  # mat2
    lower[1, 1:] = 1
    cost[2:, 1:] = np.inf
    for last in range(2, n + 1):
        # m = 1..last adds x[last - m]: sums of the trailing run, in mapclassify's order
        vals = x[last - 1 :: -1].astype(np.float32)
        s1 = np.cumsum(vals, dtype=np.float32)
        s2 = np.cumsum(vals * vals, dtype=np.float32)
        w = np.arange(1, last + 1, dtype=np.float32)
        v = s2 - (s1 * s1) / w
        if k > 1:
            i4 = last - np.arange(1, last)  # the run starts after row i4 (m < last)
            cand = v[: last - 1, None] + cost[i4, 1:k]  # (m, j = 2..k)
            # mapclassify keeps the last m whose candidate is <= the best so far
            best = (last - 2) - np.argmin(cand[::-1], axis=0)
            cost[last, 2:] = cand[best, np.arange(k - 1)]
            lower[last, 2:] = i4[best] + 1
        lower[last, 1] = 1
        cost[last, 1] = v[last - 1]
    bounds = np.zeros(k + 1, dtype=x.dtype)
    bounds[k] = x[n - 1]
    bounds[0] = x[0]
    row = n
    for count in range(k, 1, -1):
        pivot = int(lower[row, count])
        bounds[count - 1] = x[pivot - 2]
        row = pivot - 1
    return [float(b) for b in bounds[1:]]


def class_breaks(values: list[float], k: int) -> tuple[str, list[float]]:
    """Class upper bounds of ``values`` in ``k`` classes: Fisher-Jenks (mapclassify), or equal
    intervals when there are fewer distinct values than classes.

    Returns:
        The method's name and the ascending upper bounds (the last is the maximum).
    """
    if not values:
        return "EqualInterval", []
    distinct = sorted(set(values))
    if len(distinct) > k:
        return "FisherJenks", [round(float(b), 6) for b in fisher_jenks(values, k)]
    low, high = distinct[0], distinct[-1]
    if high == low:
        return "EqualInterval", [round(float(high), 6)]
    width = (high - low) / k
    return "EqualInterval", [round(low + width * i, 6) for i in range(1, k)] + [round(high, 6)]


def uses_rollup(f: RequestFilter) -> bool:
    """Whether the counts of ``f`` come from ``request_daily_count`` (every filter but the text
    search and the overdue flag, which need the requests themselves)."""
    return f.q is None and f.overdue is None


def count_sql(
    f: RequestFilter, city_id: int, vis: str, vis_params: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """The statement and parameters of the counts per (kelurahan code, status) of ``f``.

    From the rollup ``request_daily_count`` (migration 0011) when :func:`uses_rollup`: its
    ``day`` is the Asia/Jakarta calendar day, the same day ``where_of`` starts ``from`` and
    ``to`` on, and its columns are those of the visibility predicate. Otherwise one
    ``GROUP BY`` over the matching requests.
    """
    # a school's staff see requests by their attributes, which the rollup does not keep
    if not uses_rollup(f) or "r.attrs" in vis:
        where, params = where_of(f, city_id, vis)
        sql = (
            "SELECT r.kelurahan_code AS code, r.status, count(*) AS n FROM service_request r"  # noqa: S608 - fixed fragments; values bound
            f" WHERE {where} GROUP BY r.kelurahan_code, r.status"
        )
        return text(sql), params | vis_params
    where, params = where_of(replace(f, date_from=None, date_to=None), city_id, vis)
    if f.date_from is not None:
        where += " AND r.day >= :from_day"
        params["from_day"] = f.date_from
    if f.date_to is not None:
        where += " AND r.day <= :to_day"
        params["to_day"] = f.date_to
    sql = (
        "SELECT r.kelurahan_code AS code, r.status, sum(r.n) AS n"  # noqa: S608 - fixed fragments; values bound
        f" FROM request_daily_count r WHERE {where} AND r.n > 0"
        " GROUP BY r.kelurahan_code, r.status"
    )
    return text(sql), params | vis_params


def by_kelurahan(
    session: Session,
    principal: Principal,
    city: CityInfo,
    f: RequestFilter,
    *,
    measure: str = "count",
    k: int = 5,
) -> dict[str, Any]:
    """Every kelurahan of ``city`` as a GeoJSON Feature with the principal's requests counted.

    Filters are those of the staff table; counts come from the daily rollup (or the requests
    themselves for a text search or the overdue flag, see :func:`count_sql`). Properties: code,
    name, kecamatan_code, kecamatan, area_km2, count, per_km2, by_status. The collection's
    member ``classes`` holds the measure, the method and the class upper bounds.

    Raises:
        AuthenticationRequiredError, PermissionDeniedError: Not staff of this city.
        InvalidInputError: A bad filter, measure or number of classes.
    """
    vis, vis_params = visibility(principal, READ, city.id)
    check_filter(f)
    errors = []
    if measure not in MEASURES:
        errors.append({"field": "measure", "in": "query", "message": "count or per_km2"})
    if not MIN_CLASSES <= k <= MAX_CLASSES:
        errors.append(
            {"field": "k", "in": "query", "message": f"{MIN_CLASSES} to {MAX_CLASSES} classes"}
        )
    if errors:
        raise InvalidInputError(
            "invalid value for: " + ", ".join(e["field"] for e in errors), errors
        )
    counts: dict[str | None, dict[str, int]] = defaultdict(dict)
    for row in session.execute(*count_sql(f, city.id, vis, vis_params)):
        counts[row.code][row.status] = int(row.n)
    features = []
    values = []
    for a in session.execute(_AREAS, {"c": city.id, "tol": SIMPLIFY_DEG}):
        by_status = dict(sorted(counts.get(a.code, {}).items()))
        n = sum(by_status.values())
        area = float(a.area_km2 or 0)
        per_km2 = round(n / area, 3) if area > 0 else 0.0
        values.append(float(n) if measure == "count" else per_km2)
        features.append(
            {
                "type": "Feature",
                "id": a.code,
                "geometry": orjson.Fragment(a.geometry),
                "properties": {
                    "code": a.code,
                    "name": a.name,
                    "kecamatan_code": a.parent_code,
                    "kecamatan": a.kecamatan,
                    "area_km2": round(area, 3),
                    "count": n,
                    "per_km2": per_km2,
                    "by_status": by_status,
                },
            }
        )
    method, breaks = class_breaks(values, k)
    return {
        "type": "FeatureCollection",
        "features": features,
        "classes": {"measure": measure, "method": method, "k": k, "breaks": breaks},
    }
