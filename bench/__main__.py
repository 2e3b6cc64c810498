"""``python -m bench [layers|citizens|requests|transfers] [--quick] [--repeat N]``: run, print."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmarks of Tree Point O (prints tables)."
    )
    parser.add_argument(
        "suite",
        nargs="?",
        default="layers",
        choices=["layers", "citizens", "requests", "transfers"],
    )
    parser.add_argument(
        "--quick", action="store_true", help="2-second runs on small data (10k/100k points)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="layers: run every case N times interleaved across servers (default 5, quick 2)",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--write-docs",
        dest="write_docs",
        action="store_true",
        default=None,
        help="write docs/benchmarks.md (default for full runs)",
    )
    docs.add_argument(
        "--no-docs",
        dest="write_docs",
        action="store_false",
        help="write var/bench/benchmarks-quick.md instead (default for --quick)",
    )
    args = parser.parse_args(argv)
    if args.suite == "citizens":
        from bench.citizens.runner import run
    elif args.suite == "requests":
        from bench.requests.runner import run
    elif args.suite == "transfers":
        from bench.requests.transfer import run
    else:
        from bench.layers.runner import run

    kwargs = {} if args.repeat is None else {"repeat": args.repeat}
    try:
        if args.suite == "layers":
            return run(quick=args.quick, write_docs=args.write_docs, **kwargs)
        return run(quick=args.quick, write_docs=args.write_docs)
    except KeyboardInterrupt:
        print("\nInterrupted; servers and the bench cluster were stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
