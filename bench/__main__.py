"""Print the benchmark figures: ``python -m bench`` (what ``make bench`` runs)."""

from __future__ import annotations

import sys

from bench.startup import measure_startup


def main() -> int:
    """Run each benchmark and print its figures."""
    startup = measure_startup(runs=3)
    print("start-up to a ready /healthz (python -m bot, fresh SQLite database)")
    for n, seconds in enumerate(startup.runs, 1):
        print(f"  run {n}: {seconds * 1000:.0f} ms")
    print(f"  median: {startup.median * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
