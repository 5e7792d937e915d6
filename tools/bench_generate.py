"""Generation throughput: rows/s and peak memory for one feed of N rows (default 1M dept_penalty).

    .venv/bin/python tools/bench_generate.py [--feed dept_penalty] [--rows 1000000] [--keep]

Writes into a temporary folder (files and court feeds only, no source database) and prints one line
per run. Peak memory is the process's maximum resident set size, so it includes the interpreter.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from credit_warehouse_dev.generator.night import generate_night


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", default="dept_penalty")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-generate-"))
    started = time.perf_counter()
    report = generate_night(date(2024, 5, 10), rows=args.rows, feeds=(args.feed,), landing=folder / "landing",
                            store=folder / "courts", source_database=None)
    elapsed = time.perf_counter() - started
    feed = report.feeds[args.feed]
    size = sum(u.get("bytes", 0) for u in feed.units) or sum(p.stat().st_size for p in folder.rglob("*.jsonl"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.feed}: {feed.rows} rows in {elapsed:.1f} s = {feed.rows / elapsed:,.0f} rows/s, "
          f"{size / 1e6:,.0f} MB written, {feed.dirty_rows} dirty, peak RSS {peak_mb:,.0f} MB")
    if args.keep:
        print(f"files in {folder}")
    else:
        import shutil

        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
