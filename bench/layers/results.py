"""What the runs measured, turned into table rows with ratios and the targets of issue #4."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.layers import load, report
from bench.layers.cases import TILE_ZOOMS, Case

# ours: the default app (items response cache on); ours-nocache: the same app with
# TPO_LAYER_CACHE_MB=0, measured on the items only (tiles are never cached)
OURS = ("ours", "ours-nocache")
SERVERS = (*OURS, "tipg", "floor")
# targets of issue #4
ITEMS_VS_TIPG = 8.0
ITEMS_VS_FLOOR = 0.8
TILE_MAX_BYTES = 500_000
TILE_P95_MS = 200.0
RSS_MAX_MB = 300.0


@dataclass
class Measure:
    """What one server did on one case."""

    probe: load.Probe | None = None
    result: load.LoadResult | None = None
    note: str = ""


@dataclass
class ServerRun:
    """Everything measured on one server."""

    cases: dict[str, Measure] = field(default_factory=dict)
    sweep: dict[str, load.SequentialResult | str] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    note: str = ""


@dataclass(frozen=True)
class SqlTiming:
    """The floor SQL timed alone over one connection."""

    p50_ms: float
    p99_ms: float
    rps: float
    bytes: int


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


def table_rows(
    cases: list[Case],
    sweep: list[Case],
    runs: dict[str, ServerRun],
    sql: dict[str, SqlTiming],
) -> list[report.Row]:
    """One row per case and server (plus the SQL alone), the sweep, and peak memory; the rows
    of ours carry the ratios to tipg and the floor and whether the targets are met."""
    rows: list[report.Row] = []
    ours_sweep = runs["ours"].sweep if "ours" in runs else {}
    for case in cases:
        got = {name: runs[name].cases.get(case.key) for name in runs}
        rps = {n: m.result.rps for n, m in got.items() if m is not None and m.result is not None}
        for name in SERVERS:
            m = got.get(name)
            if m is None and name == "ours-nocache" and case.kind != "items":
                continue
            if m is None:
                rows.append(
                    report.Row(
                        case.label, name, note=runs[name].note if name in runs else "not run"
                    )
                )
                continue
            row = report.Row(
                case.label,
                name,
                rps=m.result.rps if m.result else None,
                p50_ms=m.result.p50_ms if m.result else None,
                p99_ms=m.result.p99_ms if m.result else None,
                bytes=m.probe.bytes if m.probe and m.probe.status in (200, 204) else None,
                features=m.probe.features if m.probe else None,
                note=m.note,
            )
            if name in OURS:
                ours = rps.get(name)
                if ours is not None and rps.get("tipg"):
                    row.vs_tipg = ours / rps["tipg"]
                if ours is not None and rps.get("floor"):
                    row.vs_floor = ours / rps["floor"]
                row.target = _target(case, row, ours, rps, ours_sweep)
            rows.append(row)
        t = sql.get(case.key)
        if t is not None:
            rows.append(
                report.Row(
                    case.label,
                    "sql",
                    rps=t.rps,
                    p50_ms=t.p50_ms,
                    p99_ms=t.p99_ms,
                    bytes=t.bytes,
                    note="floor SQL alone, 1 connection",
                )
            )
    for case in sweep:
        for name in SERVERS:
            if name not in runs or name == "ours-nocache":
                continue
            seq = runs[name].sweep.get(case.key)
            if isinstance(seq, load.SequentialResult):
                row = report.Row(
                    case.label,
                    name,
                    p50_ms=seq.p50_ms,
                    p95_ms=seq.p95_ms,
                    bytes=seq.bytes,
                    note=f"{seq.count} sequential requests",
                )
                if name == "ours":
                    row.target = _yes(seq.bytes <= TILE_MAX_BYTES and seq.p95_ms <= TILE_P95_MS)
            else:
                note = seq or runs[name].note or "not run"
                row = report.Row(case.label, name, note=note, target="no" if name == "ours" else "")
            rows.append(row)
    for name in SERVERS:
        if name not in runs:
            continue
        peak = runs[name].peak_rss_mb
        note = f"{peak:.0f} MB" if peak is not None else runs[name].note or "unknown"
        row = report.Row("memory: peak RSS", name, note=note)
        if name in OURS:
            row.target = _yes(peak is not None and peak < RSS_MAX_MB)
        rows.append(row)
    return rows


def _target(
    case: Case,
    row: report.Row,
    ours: float | None,
    rps: dict[str, float],
    ours_sweep: dict[str, load.SequentialResult | str],
) -> str:
    if ours is None:
        return "no"
    if case.kind == "items":
        return _yes((row.vs_tipg or 0) >= ITEMS_VS_TIPG and (row.vs_floor or 0) >= ITEMS_VS_FLOOR)
    z = case.tile[0] if case.tile else -1
    seq = ours_sweep.get(f"sweep-z{z}")
    ok = row.bytes is not None and row.bytes <= TILE_MAX_BYTES
    ok = ok and isinstance(seq, load.SequentialResult) and seq.p95_ms <= TILE_P95_MS
    if z == max(TILE_ZOOMS):
        ok = ok and ours >= rps.get("tipg", 0.0)
    return _yes(ok)
