"""Print the benchmark figures: ``python -m bench`` (what ``make bench`` runs).

    python -m bench                       start-up, then search at 1,000, 10,000 and 100,000 entries
    python -m bench --sizes 1000,10000    a quicker run without the 100,000-entry base
    python -m bench --only load           only the officers-at-once rows (needs PostgreSQL at 127.0.0.1:5432)
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Sequence

from bench.load import BASELINE, run_load_bench
from bench.search import DEFAULT_SIZES, DEFAULT_WORKDIR, run_search_bench
from bench.startup import ROOT, measure_startup


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of entry counts") from None
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive entry counts, such as 1000,10000")
    return sizes


def _stop(signum: int, _frame: object) -> None:
    """End on SIGTERM as on Ctrl-C, so temporary index folders are removed on the way out."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run each benchmark and print its figures."""
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(prog="python -m bench", description="Print the benchmark figures.")
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES,
                        help="synthetic base sizes for the search benchmark (default 1000,10000,100000)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help="where synthetic bases and the kept index live between runs (default data/bench)")
    parser.add_argument("--only", choices=("startup", "search", "load"), action="append",
                        help="run only these benchmarks (repeatable; default all)")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"git commit whose load figures are measured side by side (default {BASELINE}; '' for none)")
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "index",
                        help="the published index the load benchmark's bots serve (make index writes it)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ("startup", "search", "load"))

    if "startup" in wanted:
        startup = measure_startup(runs=3)
        print("start-up to a ready /healthz (python -m bot, fresh SQLite database)")
        for n, seconds in enumerate(startup.runs, 1):
            print(f"  run {n}: {seconds * 1000:.0f} ms")
        print(f"  median: {startup.median * 1000:.0f} ms", flush=True)
    if "load" in wanted:
        run_load_bench(args.index, baseline=args.baseline or None)
    if "search" in wanted:
        run_search_bench(args.sizes, args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
