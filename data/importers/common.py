"""Shared parts of the importers: the report, progress, text fields, upserts in batches.

Reading vector files and checking geometries: ``data.importers.vector``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from data.progress import Progress, tick
from geo.errors import InvalidFileError

Writer = Callable[[Session, int, list[dict[str, Any]]], tuple[int, int]]
"""``writer(session, city_id, rows) -> (inserted, updated)``: a batch upsert done by geo/."""

BATCH_ROWS = 1000


@dataclass
class ImportReport:
    """What one import did.

    Attributes:
        kind: What was imported (``boundaries``, ``schools``, ``roads``, ``routes`` ...).
        read: Features (rows, routes) read from the file.
        inserted: New rows.
        updated: Existing rows (same natural key) whose values changed.
        unchanged: Existing rows left as they were.
        rejected: ``(feature reference, reason)`` for every feature not written.
        outside_city: Written features that lie entirely outside the city.
        outside_refs: References of those features.
        notes: Other remarks (defaults used, parts of the file ignored).
    """

    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    outside_city: int = 0
    outside_refs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, ref: str, reason: str) -> None:
        """Record a feature that is not written, and why."""
        self.rejected.append((ref, reason))

    def note(self, message: str) -> None:
        """Record a remark once."""
        if message not in self.notes:
            self.notes.append(message)


# -- fields ----------------------------------------------------------------------------------
def pick_field(
    columns: Iterable[str],
    explicit: str | None,
    candidates: Sequence[str],
    *,
    label: str,
    option: str,
    required: bool = True,
) -> str | None:
    """The column to read ``label`` from: ``explicit`` when given, else the first candidate.

    Raises:
        InvalidFileError: The explicit column is missing, or no candidate exists and the
            field is required.
    """
    cols = [str(c) for c in columns if str(c) != "geometry"]
    lower = {c.lower(): c for c in cols}
    if explicit:
        if explicit in cols:
            return explicit
        if explicit.lower() in lower:
            return lower[explicit.lower()]
        raise InvalidFileError(
            f"missing field '{explicit}' (given with {option}); fields in the file: "
            + (", ".join(cols[:25]) or "none")
        )
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    if required:
        raise InvalidFileError(
            f"missing field: no {label} field (looked for {', '.join(candidates)}; name it with"
            f" {option}); fields in the file: " + (", ".join(cols[:25]) or "none")
        )
    return None


def clean_text(value: Any, max_len: int | None = None) -> str | None:
    """A stripped string, or None for empty/NaN values; integral floats lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    out = " ".join(str(value).split())
    if not out:
        return None
    return out[:max_len] if max_len else out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(**fields: tuple[Any, int]) -> str | None:
    """Why a row's text fields cannot be stored as they are, or None.

    Every text field has a length limit: a longer value (a 2 MB "address") is refused, never
    cut; a control character (a NUL, which PostgreSQL cannot hold and GDAL cuts text at) too.

    Args:
        fields: ``label=(raw value, most characters)``.
    """
    for label, (value, limit) in fields.items():
        if value is None or not isinstance(value, str):
            continue
        if _CONTROL.search(value):
            return f"{label} holds a control character (e.g. NUL)"
        cleaned = clean_text(value)
        if cleaned is not None and len(cleaned) > limit:
            return f"{label} longer than {limit} characters ({len(cleaned):,})"
    return None


def column_values(gdf: pd.DataFrame, column: str | None) -> list[Any]:
    """The values of ``column`` (None for every row when there is no such column)."""
    if column is None:
        return [None] * len(gdf)
    return list(gdf[column])


# -- writing ---------------------------------------------------------------------------------
# the refs of rows (:rows, JSON of ref and hex WKB) lying outside the city: its admin areas,
# or its bbox while it has none
OUTSIDE_CITY = text(
    """
    WITH g AS (
        SELECT r.ref, ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326) AS geom
        FROM json_to_recordset(CAST(:rows AS json)) AS r(ref text, wkb text)
    ), has_areas AS (
        SELECT EXISTS (SELECT 1 FROM admin_area WHERE city_id = :city_id) AS yes
    )
    SELECT g.ref FROM g, has_areas
    WHERE CASE WHEN has_areas.yes THEN NOT EXISTS (
                   SELECT 1 FROM admin_area a
                   WHERE a.city_id = :city_id AND ST_Intersects(a.geom, g.geom))
               ELSE NOT EXISTS (
                   SELECT 1 FROM city c WHERE c.id = :city_id AND ST_Intersects(c.bbox, g.geom))
          END
    """
)


def write_rows(
    session: Session,
    statement: TextClause | Writer,
    city_id: int,
    rows: list[dict[str, Any]],
    report: ImportReport,
    *,
    progress: Progress | None = None,
    stage: str = "writing",
    flag_outside: bool = True,
) -> None:
    """Upsert ``rows`` in batches with ``statement`` and count what changed.

    ``statement`` takes ``:city_id`` and ``:rows`` (a JSON array of the row dicts) and returns
    one row ``(inserted, updated)``; or it is a :data:`Writer` (routes go through
    ``geo.editing.write_routes``). Every row carries ``ref`` and ``wkb`` (hex WKB, 4326);
    rows outside the city (its admin areas, else its bbox) are counted when ``flag_outside``.
    """
    total = len(rows)
    before = report.inserted + report.updated
    tick(progress, stage, 0, total)
    for start in range(0, total, BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        payload = orjson.dumps(batch).decode()
        if flag_outside:
            outside = session.execute(OUTSIDE_CITY, {"rows": payload, "city_id": city_id})
            refs = [str(ref) for ref in outside.scalars()]
            report.outside_city += len(refs)
            report.outside_refs.extend(refs)
        if isinstance(statement, TextClause):
            params = {"rows": payload, "city_id": city_id}
            inserted, updated = session.execute(statement, params).one()
        else:
            inserted, updated = statement(session, city_id, batch)
        report.inserted += int(inserted)
        report.updated += int(updated)
        tick(progress, stage, min(start + BATCH_ROWS, total), total)
    report.unchanged += total - (report.inserted + report.updated - before)


def unique_rows(
    rows: Iterable[tuple[tuple[Any, ...], dict[str, Any]]], report: ImportReport
) -> list[dict[str, Any]]:
    """Keep the first row of each natural key; later ones are rejected as duplicates."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for key, row in rows:
        if key in seen:
            report.reject(str(row["ref"]), "duplicate of an earlier feature with the same key")
            continue
        seen.add(key)
        out.append(row)
    return out
