"""The rows of the citizens table: ours beside the baseline, bounded alike, labelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.citizens import report
from bench.citizens.cases import NEAR_M, Mix
from bench.citizens.city import SLUG as SYNTHETIC
from bench.citizens.city import CitySizes
from bench.citizens.database import DEMO_SLUG

TARGETS = {  # issue #5, "Targets"
    "trips_demo_ms": 50.0,
    "trips_synthetic_ms": 250.0,
    "schools_ms": 30.0,
    "routes_near_ms": 10.0,
    "search_ms": 20.0,
    "rebuild_ms": 2000.0,
    "rss_mb": 500.0,
}


@dataclass
class Timings:
    """Latencies of one kind of request (ms) and how many answers had content."""

    ms: list[float] = field(default_factory=list)
    hits: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # of the failed ones
    first_error: str = ""
    flags: list[bool] = field(default_factory=list)  # per request: the answer had content


def table_rows(
    t: dict[str, Timings],
    base: dict[str, Any],
    mixes: dict[str, Mix],
    rss_mb: float | None,
    sizes: CitySizes,
) -> list[report.Row]:
    """The rows of the citizens table, ours beside the baseline."""
    demo_b, syn_b = base.get(DEMO_SLUG, {}), base.get(SYNTHETIC, {})

    rows = [
        *_trip_rows(t, demo_b, mixes[DEMO_SLUG], "demo city tangerang", "trips_demo_ms"),
        *_trip_rows(
            t,
            syn_b,
            mixes[SYNTHETIC],
            f"synthetic {sizes.lines * 2} route directions",
            "trips_synthetic_ms",
        ),
        report.Row(
            f"schools/nearest (limit 10, walking) on {sizes.schools:,} schools",
            t["schools"].ms,
            target=TARGETS["schools_ms"],
            baseline=syn_b.get("schools_ms"),
            note="baseline: the same K nearest (10), networkx Dijkstra on the road graph"
            " bounded as ours (3 x the farthest straight-line distance + 2 km)",
        ),
    ]
    kinds = (
        ("near", "routes/near (400 m)", "routes_near_ms", "non-empty"),
        ("search", "search", "search_ms", "with results, a third with a typo"),
    )
    for key, label, target, what in kinds:
        for slug in (DEMO_SLUG, SYNTHETIC):
            got = t[f"{key}:{slug}"]
            rows.append(
                report.Row(
                    f"{label}: {slug}",
                    got.ms,
                    target=TARGETS[target],
                    note=f"{got.hits}/{len(got.ms)} {what}",
                )
            )
    for slug in (DEMO_SLUG, SYNTHETIC):
        b = base.get(slug, {})
        rows.append(
            report.Row(
                f"first /trips after start: {slug}",
                t[f"cold:{slug}"].ms,
                baseline=[b["build_ms"]] if "build_ms" in b else None,
                note=(
                    "walking graph + network built cold (bench server: warm-up off; the"
                    " default server builds them at start); baseline: graph build only"
                ),
            )
        )
    rows.append(
        report.Row(
            "route edit: ours' incremental update vs the baseline's full rebuild",
            t["rebuild"].ms,
            target=TARGETS["rebuild_ms"],
            target_on="max",
            baseline=[syn_b["build_ms"]] if "build_ms" in syn_b else None,
            note="synthetic city; ours: its incremental update; baseline: a FULL rebuild of"
            f" its graph ({syn_b.get('edges', 0):,} edges), it has no incremental path",
        )
    )
    rows.append(
        report.Row(
            "server peak RSS (VmHWM)",
            [rss_mb] if rss_mb is not None else [],
            unit="MB",
            target=TARGETS["rss_mb"],
            target_on="max",
            baseline=[base["peak_rss_mb"]] if "peak_rss_mb" in base else None,
            note="ours: the whole server after all requests; baseline: its process",
        )
    )
    return rows


def _split(ms: list[float], flags: list[bool]) -> tuple[list[float], list[float]]:
    """The latencies of the answers with content, and of the others."""
    with_ = [m for m, f in zip(ms, flags, strict=True) if f]
    return with_, [m for m, f in zip(ms, flags, strict=True) if not f]


def _trip_rows(
    t: dict[str, Timings], base: dict[str, Any], mix: Mix, city: str, target: str
) -> list[report.Row]:
    """Trips with an itinerary (the target) and without one, apart: an answer without an
    itinerary is cheap on both sides and would lower the medians."""
    got = t[f"trips:{mix.slug}"]
    ours_with, ours_without = _split(got.ms, got.flags)
    b_ms, b_found = base.get("trips_ms"), base.get("trips_found")
    b_with = b_without = None
    if b_ms is not None and isinstance(b_found, list):
        b_with, b_without = _split(b_ms, b_found)
    failed = ", ".join(f"{count} x HTTP {code}" for code, count in got.statuses.items())
    ends = f"{mix.far_ends} ends > {NEAR_M:.0f} m from any route"
    b_n = f"baseline {len(b_with)}" if b_with is not None else "no baseline"
    return [
        report.Row(
            f"trips with an itinerary: {city}",
            ours_with,
            target=TARGETS[target],
            baseline=b_with,
            note=f"ours {len(ours_with)}/{len(got.ms)}, {b_n}; baseline builds the same kind of"
            " itinerary (legs, distances, LineStrings, JSON); " + ends,
        ),
        report.Row(
            f"trips without an itinerary: {city}",
            ours_without,
            baseline=b_without,
            note=f"ours {len(ours_without)}"
            + (f" ({failed})" if failed else "")
            + "; counted apart (no path: cheap on both sides)",
        ),
    ]
