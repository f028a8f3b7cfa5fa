"""Time `ledgerkit merge` on generated ledgers and check it got the figures right.

    python bench/bench_merge.py [--files 200] [--rows 110] [--seed 1]

Prints: corpus size, end-to-end `ledgerkit merge` wall time (a fresh process, as a clerk or a
.bat file runs it), the in-process time of each stage, and whether the merged totals equal
the figures the generator planted. Corpora are cached under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402


def build(files: int, rows: int, seed: int) -> tuple[Path, dict]:
    folder = HERE / "out" / f"corpus-{files}x{rows}-s{seed}"
    expected_file = folder.with_suffix(".json")
    if not expected_file.exists():
        expected = corpus.generate(folder, files, rows, seed)
        expected_file.write_text(json.dumps(expected, default=str, ensure_ascii=False), "utf-8")
    return folder, json.loads(expected_file.read_text("utf-8"))


def end_to_end(folder: Path, out: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ledgerkit", "merge", str(folder), "-o", str(out), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode("utf-8", "replace"))
    return elapsed, json.loads(done.stdout)


def stages(folder: Path, out: Path) -> dict[str, float]:
    from ledgerkit.pipeline import merge_paths
    from ledgerkit.workbook import write_workbook

    t0 = time.perf_counter()
    result = merge_paths([folder])
    t1 = time.perf_counter()
    write_workbook(result, out, "bench")
    t2 = time.perf_counter()
    return {"read+normalise+validate+merge": t1 - t0, "write workbook": t2 - t1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rows", type=int, default=110)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder, expected = build(args.files, args.rows, args.seed)
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    out = HERE / "out" / "merged.xlsx"
    elapsed, data = end_to_end(folder, out)
    print(f"corpus: {args.files} files x {args.rows} rows, {size:.1f} MB, {os.cpu_count()} cores")
    print(
        f"ledgerkit merge end to end: {elapsed:.2f} s "
        f"({args.files * args.rows / elapsed:,.0f} project rows/s)"
    )
    for name, seconds in stages(folder, out).items():
        print(f"  {name:32s} {seconds:.2f} s")
    keys = ("projects", "total_investment", "annual_plan", "ytd_completed")
    right = all(Decimal(str(data["totals"][k])) == Decimal(str(expected[k])) for k in keys)
    print(f"totals equal the planted figures: {'yes' if right else 'NO'}")
    if not right:
        print({k: (data["totals"][k], expected[k]) for k in keys})


if __name__ == "__main__":
    main()
