"""The load client: wrk (parsed) or, without wrk, an asyncio/httpx client with the same stats."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from dataclasses import dataclass

import httpx

from bench.stats import percentile

CONNECTIONS = 4
THREADS = 1
TIMEOUT_S = 30.0
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class Probe:
    """One request, to check the endpoint and size its answer."""

    status: int
    bytes: int
    features: int | None
    content_type: str
    elapsed_ms: float


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of a timed run."""

    requests: int
    duration_s: float
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int
    tool: str


@dataclass(frozen=True)
class SequentialResult:
    """Latency of N sequential requests, one at a time over one connection."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bytes: int
    status: int


# every client of the bench asks for the plain body (wrk sends no Accept-Encoding either): ours
# and tipg compress when asked, the floor and pygeoapi never, so the same bytes are compared
PLAIN = {"Accept-Encoding": "identity"}


def probe(url: str, timeout_s: float = 120.0) -> Probe:
    """GET ``url`` once; count GeoJSON features when the answer is JSON."""
    started = time.perf_counter()
    response = httpx.get(url, timeout=timeout_s, headers=PLAIN)
    elapsed_ms = (time.perf_counter() - started) * 1000
    ctype = response.headers.get("content-type", "")
    features = None
    if response.status_code == 200 and "json" in ctype:
        try:
            features = len(json.loads(response.content).get("features", []))
        except (ValueError, AttributeError):
            features = None
    return Probe(response.status_code, len(response.content), features, ctype, elapsed_ms)


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {value!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Parse ``wrk --latency`` output."""
    percentiles = {
        int(m.group(1)): _ms(m.group(2))
        for m in re.finditer(r"^\s+(50|75|90|99)(?:\.0+)?%\s+(\S+)", output, re.MULTILINE)
    }
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not done or not rps:
        raise ValueError("cannot read wrk's output:\n" + output[-800:])
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sock:
        errors += sum(int(v) for v in sock.groups())
    count = int(done.group(1))
    return LoadResult(
        requests=count,
        duration_s=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(rps.group(1)),
        p50_ms=percentiles.get(50) if count else None,
        p99_ms=percentiles.get(99) if count else None,
        errors=errors,
        tool="wrk",
    )


def run_wrk(wrk: str, url: str, duration_s: float) -> LoadResult:
    """``wrk -t1 -c4 -d<duration> --latency --timeout 30s <url>``."""
    argv = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={int(TIMEOUT_S)}s",
        "--latency",
        url,
    ]
    result = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=duration_s + TIMEOUT_S + 30
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip()[-400:]}")
    return parse_wrk(result.stdout)


async def _python_load(url: str, duration_s: float) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S, headers=PLAIN) as client:
        started = time.perf_counter()
        deadline = started + duration_s

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        duration_s=elapsed,
        rps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=percentile(latencies, 50) if latencies else None,
        p99_ms=percentile(latencies, 99) if latencies else None,
        errors=errors,
        tool="python (asyncio/httpx)",
    )


def run_python(url: str, duration_s: float) -> LoadResult:
    """The fallback load client: 4 connections for ``duration_s``, same stats as wrk."""
    return asyncio.run(_python_load(url, duration_s))


def run_load(wrk: str | None, url: str, duration_s: float) -> LoadResult:
    """Measure ``url`` with wrk when available, else with the Python client."""
    if wrk:
        return run_wrk(wrk, url, duration_s)
    return run_python(url, duration_s)


def sequential(url: str, count: int, budget_s: float) -> SequentialResult:
    """``count`` sequential GETs (stopping early after ``budget_s``): p50, p95 and size."""
    latencies: list[float] = []
    size = 0
    status = 0
    deadline = time.monotonic() + budget_s
    with httpx.Client(timeout=TIMEOUT_S * 4, headers=PLAIN) as client:
        for _ in range(count):
            t0 = time.perf_counter()
            response = client.get(url)
            latencies.append((time.perf_counter() - t0) * 1000)
            size, status = len(response.content), response.status_code
            if status >= 400 or time.monotonic() > deadline:
                break
    latencies.sort()
    return SequentialResult(
        count=len(latencies),
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        bytes=size,
        status=status,
    )
