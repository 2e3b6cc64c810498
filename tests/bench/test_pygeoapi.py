"""pygeoapi, the layers benchmark's second peer: its generated configuration, its URLs, the
Python it is installed with, and its rows in the tables (bench/layers/pygeoapi_peer.py)."""

import json
import sys
from pathlib import Path

import pytest

from bench.layers import load, pygeoapi_peer, servers
from bench.layers.cases import ITEMS_LIMIT, Case
from bench.layers.queries import REQUESTS_LAYER
from bench.layers.results import Measure, Runs, ServerRun, latency_rows, throughput_rows

URL = "postgresql://postgres:p%40ss%2Fw0rd@127.0.0.1:45547/tpo_bench_quick"
BBOX = (106.56, -6.30, 106.72, -6.13)
VIEWS = ["angkot_routes", "bench_requests", "kelurahan", "schools"]


def _config(**kw):
    args = {
        "bbox": BBOX,
        "max_items": ITEMS_LIMIT,
        "base_url": "http://127.0.0.1:8123",
        "timeout_s": 10.0,
    }
    return pygeoapi_peer.config(URL, "bench", VIEWS, ["bench_requests"], **{**args, **kw})


def test_connection_decodes_the_tcp_url():
    assert pygeoapi_peer.connection(URL) == {
        "host": "127.0.0.1",
        "port": 45547,
        "dbname": "tpo_bench_quick",
        "user": "postgres",
        "password": "p@ss/w0rd",
    }


def test_connection_refuses_a_socket_url():
    with pytest.raises(ValueError, match="TCP"):
        pygeoapi_peer.connection("postgresql+psycopg://postgres@/db?host=/var/run")


def test_config_has_one_collection_per_view_and_tiles_where_asked():
    cfg = _config()
    assert sorted(cfg["resources"]) == VIEWS
    names = {v: [p["name"] for p in c["providers"]] for v, c in cfg["resources"].items()}
    assert names["bench_requests"] == ["PostgreSQL", "MVT-postgresql"]
    assert names["schools"] == ["PostgreSQL"]
    for view, coll in cfg["resources"].items():
        for provider in coll["providers"]:
            assert provider["table"] == view
            assert provider["id_field"] == "id"
            assert provider["data"]["search_path"] == ["bench"]
            assert provider["data"]["password"] == "p@ss/w0rd"
        assert coll["extents"]["spatial"]["bbox"] == list(BBOX)


def test_config_lets_the_bench_limit_through_compact_json_on_the_bench_port():
    cfg = _config(max_items=250)
    assert cfg["server"]["limits"]["max_items"] == 250
    assert cfg["server"]["pretty_print"] is False
    assert cfg["server"]["bind"] == {"host": "127.0.0.1", "port": 8123}
    assert json.loads(json.dumps(cfg)) == cfg  # written as JSON, read by pygeoapi as YAML


def test_provider_options_carry_the_statement_timeout_and_stay_hashable():
    cfg = _config(timeout_s=2.5)
    for coll in cfg["resources"].values():
        for provider in coll["providers"]:
            options = provider["options"]
            assert options["options"] == "-c statement_timeout=2500"
            # pygeoapi hands the non-dict options to a functools.cache-d get_engine()
            hash(tuple(v for v in options.values() if not isinstance(v, dict)))


def _python(folder: Path) -> None:
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")


def test_pyenv_pythons_are_those_of_the_minimum_or_later_oldest_first(tmp_path):
    for name in ("3.11.7", "3.12.10", "3.13.0", "3.12.1", "miniconda3-latest"):
        _python(tmp_path / "versions" / name)
    (tmp_path / "versions" / "3.14.0").mkdir()  # no interpreter in it
    found = pygeoapi_peer.pyenv_pythons(tmp_path, (3, 12))
    assert [p.parent.parent.name for p in found] == ["3.12.1", "3.12.10", "3.13.0"]
    assert pygeoapi_peer.pyenv_pythons(tmp_path / "nothing", (3, 12)) == []


def test_python_version_reads_a_real_interpreter_and_refuses_a_missing_one(tmp_path):
    assert pygeoapi_peer.python_version(Path(sys.executable)) == tuple(sys.version_info[:2])
    assert pygeoapi_peer.python_version(tmp_path / "no-python") is None


TILE = Case("tile-z14", "tile z14", "tile", REQUESTS_LAYER.id, "bench_requests", tile=(14, 13, 7))
COUNTS = Case("tile-z12", "tile z12", "tile", REQUESTS_LAYER.id, "bench_requests", tile=(12, 3, 1))
ITEMS = Case("items-k", "items: kelurahan", "items", "kelurahan", "kelurahan", bbox=BBOX)


def test_pygeoapi_paths_are_the_view_with_z_row_column_and_a_format():
    assert TILE.path("pygeoapi", "benchcity") == (
        "/collections/bench_requests/tiles/WebMercatorQuad/14/7/13?f=mvt"
    )
    assert TILE.path("tipg", "benchcity").endswith(
        "/bench.bench_requests/tiles/WebMercatorQuad/14/13/7"
    )
    assert ITEMS.path("pygeoapi", "benchcity") == (
        "/collections/kelurahan/items?f=json&limit=1000"
        "&bbox=106.560000,-6.300000,106.720000,-6.130000"
    )


def _server(timeout_s):
    return servers.Server("pygeoapi", "http://127.0.0.1:1", None, Path("x"), timeout_s=timeout_s)


def test_a_5xx_at_the_statement_timeout_is_a_timeout():
    guarded = _server(10.0)
    assert guarded.timed_out(500, 10_020.0)
    assert not guarded.timed_out(500, 30.0)  # an error, not the timeout
    assert not guarded.timed_out(200, 12_000.0)  # slow but answered
    assert not _server(None).timed_out(500, 60_000.0)


def _measure(rps, p50_ms, size=1000, note=""):
    return Measure(
        probe=load.Probe(200, size, None, "application/json", p50_ms),
        result=load.LoadResult(10, 1.0, rps, p50_ms, p50_ms, 0, "wrk"),
        seq=load.SequentialResult(5, p50_ms, p50_ms, p50_ms, size, 200),
        note=note,
    )


def _runs():
    runs = {name: ServerRun() for name in ("ours", "pygeoapi", "floor")}
    for case in (ITEMS, TILE, COUNTS):
        runs["ours"].cases[case.key] = [_measure(100.0, 5.0), _measure(80.0, 6.0)]
        runs["floor"].cases[case.key] = [_measure(100.0, 5.0), _measure(100.0, 5.0)]
        runs["pygeoapi"].cases[case.key] = [_measure(10.0, 50.0), _measure(4.0, 120.0)]
    timeout = Measure(note="over 10 s: cancelled (statement_timeout)")
    runs["pygeoapi"].cases[TILE.key] = [timeout]
    return Runs(runs)


def _row(rows, case, server):
    return next(r for r in rows if r.case == case.label and r.server == server)


def test_throughput_rows_pair_ours_with_pygeoapi_per_repeat():
    rows = throughput_rows([ITEMS, TILE, COUNTS], _runs())
    assert _row(rows, ITEMS, "ours").values["ours/pygeoapi"] == "15.00x (10.00–20.00x)"
    assert _row(rows, COUNTS, "ours").values["ours/pygeoapi"] == "n/a (counts)"
    assert _row(rows, ITEMS, "pygeoapi").values["req/s"] == "7.0 (4.0–10.0)"
    timed_out = _row(rows, TILE, "pygeoapi")
    assert timed_out.note == "over 10 s: cancelled (statement_timeout)"
    assert _row(rows, TILE, "ours").values["ours/pygeoapi"] == "-"


def test_latency_rows_say_pygeoapi_tiles_are_uncapped():
    rows = latency_rows([ITEMS, COUNTS], _runs(), {}, requests=5)
    assert _row(rows, ITEMS, "ours").values["ours/pygeoapi"] == "15.00x (10.00–20.00x)"
    assert _row(rows, COUNTS, "pygeoapi").note.startswith("no feature cap")
    assert _row(rows, COUNTS, "pygeoapi").values["p50 ms"] == "85.0 (50.0–120)"
    assert _row(rows, ITEMS, "pygeoapi").note == ""


def test_the_settings_line_names_pygeoapi_and_its_timeout():
    from bench.layers.runner import QUICK
    from bench.layers.settings import settings
    from bench.layers.synthetic import BenchCity

    city = BenchCity(
        "benchcity", 1, BBOX, (106.64, -6.215), BBOX, 1289, QUICK.sizes, 12.0, reused=True
    )
    lines = settings(QUICK, city, "/usr/bin/wrk", 1.2, 2, pygeoapi="0.24.0 (Python 3.12.1)")
    (line,) = [s for s in lines if s.startswith("pygeoapi:")]
    assert line.startswith("pygeoapi: 0.24.0 (Python 3.12.1), over the same views")
    assert f"statement_timeout={QUICK.peer_timeout_s:g} s" in line
    assert any(s.startswith("servers (in this order") for s in lines)
