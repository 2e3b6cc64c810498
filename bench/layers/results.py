"""What the repeated runs measured, turned into two tables (throughput, single-request latency)
with the spread of every figure and ratio, and the targets of issue #4 (judged on medians)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.layers import load
from bench.layers.cases import TILE_ZOOMS, Case
from bench.layers.report import LATENCY, THROUGHPUT, Row, Table
from bench.stats import Load, Spread, ratio_spread, spread

# ours: the default app (items response cache on); ours-nocache: the same app with
# TPO_LAYER_CACHE_MB=0, measured on the items only (tiles are never cached)
OURS = ("ours", "ours-nocache")
PEERS = ("tipg", "pygeoapi")  # servers of other projects, over the same views
SERVERS = (*OURS, *PEERS, "floor")  # also the order within a repeat
# targets of issue #4
ITEMS_VS_TIPG = 8.0
ITEMS_VS_FLOOR = 0.8
TILE_MAX_BYTES = 500_000
TILE_P95_MS = 200.0
RSS_MAX_MB = 300.0


@dataclass
class Measure:
    """What one server did on one case in one repeat."""

    probe: load.Probe | None = None
    result: load.LoadResult | None = None  # throughput (fixed connections)
    seq: load.SequentialResult | None = None  # single-request latency
    note: str = ""


@dataclass
class ServerRun:
    """Everything measured on one server: per case, one Measure per repeat."""

    cases: dict[str, list[Measure]] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    note: str = ""


@dataclass(frozen=True)
class SqlTiming:
    """The floor SQL timed alone over one connection (sequential runs)."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    bytes: int


Pick = Callable[[Measure], float | None]


def _rps(m: Measure) -> float | None:
    return m.result.rps if m.result else None


def _seq(attr: str) -> Pick:
    return lambda m: getattr(m.seq, attr) if m.seq else None


def _wrk(attr: str) -> Pick:
    return lambda m: getattr(m.result, attr) if m.result else None


def _cell(s: Spread | None, digits: int = 1, suffix: str = "") -> str:
    return "-" if s is None else s.text(digits, suffix)


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


class Runs:
    """The measures of every server, with the helpers the tables need."""

    def __init__(self, runs: dict[str, ServerRun]):
        """Wrap the runs by server name."""
        self.runs = runs

    def of(self, name: str, case: Case) -> list[Measure]:
        """The repeats of ``case`` on ``name`` (empty when not run)."""
        run = self.runs.get(name)
        return run.cases.get(case.key, []) if run else []

    def values(self, name: str, case: Case, pick: Pick) -> list[float | None]:
        """One figure of each repeat."""
        return [pick(m) for m in self.of(name, case)]

    def median(self, name: str, case: Case, pick: Pick) -> float | None:
        """The median of one figure over the repeats."""
        s = spread(self.values(name, case, pick))
        return s.median if s else None

    def bytes(self, name: str, case: Case) -> int | None:
        """The body size the server answered (the last successful repeat)."""
        sizes = [m.seq.bytes for m in self.of(name, case) if m.seq and m.seq.status == 200]
        sizes += [m.probe.bytes for m in self.of(name, case) if m.probe and m.probe.status == 200]
        return sizes[-1] if sizes else None

    def note(self, name: str, case: Case) -> str:
        """The notes of the repeats, each once."""
        notes = dict.fromkeys(m.note for m in self.of(name, case) if m.note)
        return "; ".join(notes)


def _servers(runs: Runs, case: Case) -> list[str]:
    names = [n for n in SERVERS if n in runs.runs]
    if case.key.startswith("rebuild"):
        return ["ours"]
    if case.kind != "items" or not case.throughput:
        names = [n for n in names if n != "ours-nocache"]
    return names


def _note(runs: Runs, case: Case, name: str) -> str:
    """The repeats' notes, and what pygeoapi's tiles hold that the others' do not."""
    note = runs.note(name, case)
    if name == "pygeoapi" and case.kind == "tile":
        note = "; ".join(filter(None, ["no feature cap: every point of the tile", note]))
    return note


def _missing(runs: Runs, case: Case, name: str, ms: list[Measure]) -> Row:
    note = runs.note(name, case) if ms else runs.runs[name].note if name in runs.runs else ""
    return Row(case.label, name, note=note or "not run", target="no" if name in OURS else "")


def throughput_rows(cases: list[Case], runs: Runs) -> list[Row]:
    """The throughput table: each case and server, with the ratios of paired repeats."""
    rows = []
    for case in (c for c in cases if c.throughput):
        for name in _servers(runs, case):
            ms = runs.of(name, case)
            if not any(m.result for m in ms):
                rows.append(_missing(runs, case, name, ms))
                continue
            probe = next((m.probe for m in ms if m.probe), None)
            row = Row(case.label, name, note=_note(runs, case, name))
            row.values["req/s"] = _cell(spread(runs.values(name, case, _rps)))
            row.values["p50 ms"] = _cell(spread(runs.values(name, case, _wrk("p50_ms"))))
            row.values["p99 ms"] = _cell(spread(runs.values(name, case, _wrk("p99_ms"))))
            size = runs.bytes(name, case)
            row.values["bytes"] = f"{size:,}" if size is not None else "-"
            if probe and probe.features is not None:
                row.values["features"] = f"{probe.features:,}"
            if name in OURS:
                mine = runs.values(name, case, _rps)
                for peer in (*PEERS, "floor"):
                    if peer in PEERS and case.aggregated:
                        row.values[f"ours/{peer}"] = "n/a (counts)"
                        continue
                    r = ratio_spread(mine, runs.values(peer, case, _rps))
                    row.values[f"ours/{peer}"] = _cell(r, 2, "x")
                row.target = _throughput_target(case, runs, name)
            rows.append(row)
    return rows


PERCENTILES = (("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"))


def latency_rows(
    cases: list[Case], runs: Runs, sql: dict[str, SqlTiming], requests: int
) -> list[Row]:
    """The latency table: sequential requests, ratios as how many times faster ours is."""
    rows = []
    p50 = _seq("p50_ms")
    for case in cases:
        for name in _servers(runs, case):
            ms = runs.of(name, case)
            if not any(m.seq for m in ms):
                rows.append(_missing(runs, case, name, ms))
                continue
            counts = sorted({m.seq.count for m in ms if m.seq})
            rebuild = case.key.startswith("rebuild")
            note = "1 request per repeat, the first after the write" if rebuild else ""
            if not rebuild and counts[0] < requests:
                note = f"{'/'.join(map(str, counts))} requests per repeat (time budget)"
            row = Row(
                case.label, name, note="; ".join(filter(None, [note, _note(runs, case, name)]))
            )
            cols = (("p50 ms", "p50_ms"),) if rebuild else PERCENTILES
            for col, attr in cols:
                row.values[col] = _cell(spread(runs.values(name, case, _seq(attr))))
            size = runs.bytes(name, case)
            row.values["bytes"] = f"{size:,}" if size is not None else "-"
            if name in OURS and not rebuild:
                mine = runs.values(name, case, p50)
                for peer in (*PEERS, "floor"):
                    if peer in PEERS and case.aggregated:
                        row.values[f"ours/{peer}"] = "n/a (counts)"
                        continue
                    r = ratio_spread(runs.values(peer, case, p50), mine)  # peer ms / ours ms
                    row.values[f"ours/{peer}"] = _cell(r, 2, "x")
                if case.kind == "tile":
                    p95 = runs.median(name, case, _seq("p95_ms"))
                    ok = p95 is not None and p95 <= TILE_P95_MS
                    row.target = _yes(ok and (size or 0) <= TILE_MAX_BYTES)
            rows.append(row)
        t = sql.get(case.key)
        if t is not None:
            rows.append(
                Row(
                    case.label,
                    "sql",
                    {
                        "p50 ms": f"{t.p50_ms:.1f}",
                        "p95 ms": f"{t.p95_ms:.1f}",
                        "p99 ms": f"{t.p99_ms:.1f}",
                        "bytes": f"{t.bytes:,}",
                    },
                    note="the floor's SQL alone, 1 connection, all runs pooled",
                )
            )
    return rows


def memory_rows(runs: Runs) -> list[Row]:
    """Peak RSS of each server over the whole run."""
    rows = []
    for name in (n for n in SERVERS if n in runs.runs):
        peak = runs.runs[name].peak_rss_mb
        note = f"{peak:.0f} MB" if peak is not None else runs.runs[name].note or "unknown"
        row = Row("memory: peak RSS", name, note=note)
        if name in OURS:
            row.target = _yes(peak is not None and peak < RSS_MAX_MB)
        rows.append(row)
    return rows


def _throughput_target(case: Case, runs: Runs, name: str) -> str:
    ours = runs.median(name, case, _rps)
    if ours is None:
        return "no"
    if case.kind == "items":
        tipg = ratio_spread(runs.values(name, case, _rps), runs.values("tipg", case, _rps))
        floor = ratio_spread(runs.values(name, case, _rps), runs.values("floor", case, _rps))
        ok = tipg is not None and tipg.median >= ITEMS_VS_TIPG
        return _yes(ok and floor is not None and floor.median >= ITEMS_VS_FLOOR)
    size = runs.bytes(name, case)
    p95 = runs.median(name, case, _seq("p95_ms"))
    ok = size is not None and size <= TILE_MAX_BYTES and p95 is not None and p95 <= TILE_P95_MS
    if case.tile and case.tile[0] == max(TILE_ZOOMS):
        ok = ok and ours >= (runs.median("tipg", case, _rps) or 0.0)
    return _yes(ok)


def tables(
    cases: list[Case],
    latency_cases: list[Case],
    runs: dict[str, ServerRun],
    sql: dict[str, SqlTiming],
    *,
    repeats: int,
    requests: int,
    load_avg: Load,
    client: str,
) -> list[Table]:
    """The throughput table (with peak memory) and the latency table, titled with the load."""
    wrapped = Runs(runs)
    spread_text = (
        f"Each figure is the median (min–max) of {repeats} repeats, interleaved across servers"
        " (each repeat of a case runs on every server in turn); each ratio is the median"
        " (min–max) of the ratios of the repeats that ran seconds apart."
    )
    loaded = " — LOADED machine" if load_avg.loaded else ""
    return [
        Table(
            f"Throughput ({client}){loaded}",
            f"{spread_text} {load_avg.text()}. ours/x = ours' req/s ÷ x's req/s (> 1: ours"
            " serves more); n/a (counts): ours answers counts per cell from its pyramid, which"
            " no peer does.",
            THROUGHPUT,
            throughput_rows(cases, wrapped) + memory_rows(wrapped),
        ),
        Table(
            f"Single-request latency (sequential requests, one connection){loaded}",
            f"{spread_text} {load_avg.text()}. ours/x = x's p50 ÷ ours' p50 (> 1: ours is"
            f" faster); p50/p95/p99 of {requests} requests one at a time within each repeat,"
            " then their median (min–max) over the repeats.",
            LATENCY,
            latency_rows(latency_cases, wrapped, sql, requests),
        ),
    ]
