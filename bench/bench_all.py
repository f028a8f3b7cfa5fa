"""Every performance target of issue 8: ledgerkit's figure, the floor measured in the same run,
and their ratio. Not a test: a clerk's machine is what matters, so run it there too.

    python bench/bench_all.py                  # all targets
    python bench/bench_all.py merge startup    # some: merge, scale, startup, report, cli, outputs
    python bench/bench_all.py --repeat 5       # best of 5 (default 3); the machine may be busy

Every figure is the wall time of a fresh process (as a clerk or a .bat file runs it), the best
of --repeat runs: noise on a shared machine only ever adds time. Peak memory is the process's
maximum resident set (os.wait4). The first run generates the corpora under bench/out/ (a few
minutes for the 200,000-row ones); later runs reuse them. The floors are in floors.py.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
_SCRIPT = Path(PY).with_name("ledgerkit")
LEDGERKIT = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "ledgerkit"]
FLOORS = [PY, str(HERE / "floors.py")]
BARE_TYPER = [PY, str(HERE / "bare_typer.py")]
# as on a clerk's PC, Python keeps the compiled modules (__pycache__, git-ignored) between runs
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONIOENCODING"] = "utf-8"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

RESULTS: list[tuple[str, str, str, str, str, bool]] = []  # the summary table at the end


# --- running and timing ------------------------------------------------------------------


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """(seconds, peak MB, stdout) of one fresh process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=ENV, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stdout


def best(cmd: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, float, str]:
    """The fastest of `repeat` runs, the largest peak memory, the last output."""
    runs = [run(cmd, cwd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def floor(args: list[str], repeat: int) -> tuple[float, dict[str, float]]:
    """A floor's wall time (interpreter start and imports included), less the untimed loading
    of its input rows; and its own breakdown."""
    runs = []
    for _ in range(repeat):
        wall, _mb, stdout = run([*FLOORS, *args])
        parts = json.loads(stdout)
        runs.append((wall - parts.get("load", 0.0), parts))
    return min(runs, key=lambda r: r[0])


def record(target: str, ours: float, floor_s: float, bound: str, ok: bool, unit: str = "s") -> None:
    ratio = f"{ours / floor_s:.2f}x" if floor_s else "-"
    RESULTS.append((target, f"{ours:.3f} {unit}", f"{floor_s:.3f} {unit}", ratio, bound, ok))


def paired(a: list[str], b: list[str], repeat: int) -> tuple[float, float, list[float]]:
    """A and B run in turn, A B A B …, so that a machine busy for a while slows both: the
    median of each, and the ratios A/B pair by pair (sorted)."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(run(a)[0])
        tb.append(run(b)[0])
    ratios = sorted(x / y for x, y in zip(ta, tb, strict=True))
    return statistics.median(ta), statistics.median(tb), ratios


def record_paired(target: str, a: list[str], b: list[str], repeat: int, bound: float) -> None:
    """A target of issue 18: ledgerkit's command A within `bound` times its floor B, both
    run in turn; the medians and the median ratio, with the spread of the ratios."""
    ours, floor_s, ratios = paired(a, b, repeat)
    ratio = statistics.median(ratios)
    say(
        f"  {target}: {ours:.3f} s, floor {floor_s:.3f} s; ratio median {ratio:.2f}"
        f" (pairs {ratios[0]:.2f}-{ratios[-1]:.2f}, {len(ratios)} pairs)"
    )
    RESULTS.append(
        (
            target,
            f"{ours:.3f} s",
            f"{floor_s:.3f} s",
            f"{ratio:.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})",
            f"<= {bound}x",
            ratio <= bound,
        )
    )


def say(text: str) -> None:
    print(text, flush=True)


# --- corpora -----------------------------------------------------------------------------


def build(files: int, rows: int, seed: int = 1) -> tuple[Path, dict[str, Any]]:
    """A cached corpus of `files` ledgers of `rows` projects, and the figures planted in it."""
    folder = OUT / f"corpus-{files}x{rows}-s{seed}"
    expected_file = folder.with_suffix(".json")
    if not expected_file.exists():
        say(f"  generating {files} x {rows} rows into {folder.relative_to(HERE.parent)} …")
        shutil.rmtree(folder, ignore_errors=True)
        expected = corpus.generate(folder, files, rows, seed)
        expected.pop("by_file", None)
        expected_file.write_text(json.dumps(expected, default=str, ensure_ascii=False), "utf-8")
    return folder, json.loads(expected_file.read_text("utf-8"))


def detail_rows(workbook: Path, pickled: Path) -> None:
    """The detail sheet ledgerkit wrote, as values, for the floors to write the same rows."""
    run([*FLOORS, "detail-rows", str(workbook), str(pickled)])


def merge_once(folder: Path, out: Path, repeat: int, expected: dict | None = None) -> tuple:
    """Time `ledgerkit merge` (a warm-up run first: the OS file cache, the history store)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*LEDGERKIT, "merge", str(folder), "-o", str(out), "--json"]
    _, mb, stdout = run(cmd)
    if expected is not None:
        totals = json.loads(stdout)["totals"]
        keys = ("projects", "total_investment", "annual_plan", "ytd_completed")
        if any(Decimal(str(totals[k])) != Decimal(str(expected[k])) for k in keys):
            raise SystemExit(f"merged totals differ from the planted figures: {totals}")
    return best(cmd, repeat) if repeat else (0.0, mb, stdout)


def best_floor(folder: Path, rows: Path, out: Path, repeat: int) -> tuple[float, str, dict]:
    """The faster engine's read-write floor."""
    found = []
    for engine in ("calamine", "fastexcel"):
        seconds, parts = floor(["read-write", engine, str(folder), str(rows), str(out)], repeat)
        found.append((seconds, engine, parts))
        say(
            f"  floor {engine:9s}: {seconds:6.2f} s  (read on 2 threads {parts['read']:.2f} s,"
            f" xlsxwriter {parts['write']:.2f} s, start and imports the rest)"
        )
    return min(found, key=lambda f: f[0])


# --- the targets ---------------------------------------------------------------------------


def bench_merge(repeat: int) -> None:
    say("\n## Merge: 200 files x ~110 rows, end to end")
    folder, expected = build(200, 110)
    where = OUT / "merge-200x110"
    out = where / "汇总.xlsx"
    merge_once(folder, out, 0, expected)  # warm-up, and the totals checked
    rows = where / "rows.pickle"
    detail_rows(out, rows)
    # interleaved, so that a machine busy for a while slows ledgerkit and the floors alike
    runs: dict[str, list[float]] = {}
    floor_parts: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for name, cmd in (
            ("json", [*LEDGERKIT, "merge", str(folder), "-o", str(out), "--json"]),
            ("table", [*LEDGERKIT, "merge", str(folder), "-o", str(out)]),
        ):
            runs.setdefault(name, []).append(run(cmd)[0])
        for engine in ("calamine", "fastexcel", "tight"):
            args = ["read-write", engine, str(folder), str(rows), str(where / "floor.xlsx")]
            if engine == "tight":  # issue 18: 2 processes reading, ledgerkit's own writer
                args = ["tight", str(folder), str(rows), str(where / "floor.xlsx")]
            seconds, parts = floor(args, 1)
            runs.setdefault(engine, []).append(seconds)
            if seconds == min(runs[engine]):
                floor_parts[engine] = parts
    best = {name: min(times) for name, times in runs.items()}
    for name, times in runs.items():
        say(f"  runs {name:9s}: " + " ".join(f"{t:.2f}" for t in times))
    say(f"  ledgerkit merge --json: {best['json']:6.2f} s  (the figures printed as JSON)")
    say(f"  ledgerkit merge:        {best['table']:6.2f} s  (the files and findings as tables)")
    for engine in ("calamine", "fastexcel"):
        parts = floor_parts[engine]
        say(
            f"  floor {engine:9s}: {best[engine]:6.2f} s  (read on 2 threads {parts['read']:.2f} s,"
            f" xlsxwriter {parts['write']:.2f} s, start and imports the rest)"
        )
    tight = floor_parts["tight"]
    say(
        f"  floor tight    : {best['tight']:6.2f} s  (calamine in 2 processes {tight['read']:.2f} s,"
        f" ledgerkit's row writer {tight['write']:.2f} s, start and imports the rest)"
    )
    record(
        "merge 200x110 --json vs tight floor",
        best["json"],
        best["tight"],
        "<= 1.5x (issue 18)",
        best["json"] <= 1.5 * best["tight"],
    )
    engine = min(("calamine", "fastexcel"), key=lambda e: best[e])
    naive, parts = floor(["naive", str(folder), str(rows), str(where / "naive.xlsx")], 1)
    say(
        f"  naive (pandas.read_excel + openpyxl): {naive:.2f} s "
        f"(read {parts['read']:.2f} s, write {parts['write']:.2f} s)"
    )
    for name in ("json", "table"):
        seconds = best[name]
        label = "merge 200x110" + (" --json" if name == "json" else "")
        record(
            f"{label} vs floor",
            seconds,
            best[engine],
            f"<= 1.3x ({engine})",
            seconds <= 1.3 * best[engine],
        )
        RESULTS.append(
            (
                f"{label} vs naive",
                f"{seconds:.3f} s",
                f"{naive:.3f} s",
                f"{naive / seconds:.1f}x faster",
                ">= 4x faster",
                naive / seconds >= 4,
            )
        )


def bench_scale(repeat: int) -> None:
    say("\n## Scale: time grows linearly, peak memory for 200,000 rows")
    for pair in (((1000, 100), (2000, 100)), ((20, 5000), (20, 10000))):
        times = []
        for files, per_file in pair:
            folder, expected = build(files, per_file)
            where = OUT / f"scale-{files}x{per_file}"
            seconds, mb, _ = merge_once(folder, where / "汇总.xlsx", max(1, repeat - 1), expected)
            detail_rows(where / "汇总.xlsx", where / "rows.pickle")
            fl, engine, _ = best_floor(folder, where / "rows.pickle", where / "floor.xlsx", 1)
            (where / "rows.pickle").unlink()
            n = files * per_file
            say(
                f"  {files} x {per_file} = {n:,} rows: ledgerkit {seconds:.2f} s "
                f"({n / seconds:,.0f} rows/s), floor {fl:.2f} s ({engine}), "
                f"ratio {seconds / fl:.2f}, peak {mb:.0f} MB"
            )
            times.append((seconds, fl))
            if n >= 200_000:
                RESULTS.append(
                    (
                        f"peak memory {files}x{per_file}",
                        f"{mb:.0f} MB",
                        "-",
                        "-",
                        "< 1024 MB",
                        mb < 1024,
                    )
                )
        (a, fa), (b, fb) = times
        label = f"{pair[0][0]}x{pair[0][1]} -> {pair[1][0]}x{pair[1][1]}"
        say(f"  2x the rows: ledgerkit {b / a:.2f}x the time, floor {fb / fa:.2f}x")
        RESULTS.append(
            (
                f"linear {label}",
                f"{b / a:.2f}x time",
                f"{fb / fa:.2f}x time",
                "-",
                "<= 2.1x",
                b / a <= 2.1,
            )
        )


def bench_startup(repeat: int) -> None:
    say("\n## Start-up")
    imports = [PY, "-c", "import typer, python_calamine, xlsxwriter"]
    fl, _, _ = best(imports, max(10, repeat))
    say(f"  floor: python -c 'import typer, python_calamine, xlsxwriter': {fl * 1000:.0f} ms")
    for args in (["--help"], ["--version"]):
        seconds, _, _ = best([*LEDGERKIT, *args], max(10, repeat))
        say(f"  ledgerkit {args[0]}: {seconds * 1000:.0f} ms")
        record(f"ledgerkit {args[0]}", seconds * 1000, fl * 1000, "< 150 ms", seconds < 0.150, "ms")
    folder, _ = build(200, 110)
    ledger = OUT / "check" / "2024-04" / "卧龙镇.xlsx"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "卧龙镇.xlsx", ledger)
    seconds, _, _ = best([*LEDGERKIT, "check", str(ledger), "--json"], max(5, repeat))
    found = [
        floor(["check", engine, str(ledger)], max(5, repeat))[0]
        for engine in ("calamine", "fastexcel")
    ]
    say(
        f"  ledgerkit check (one ledger): {seconds * 1000:.0f} ms; floor (read it): {min(found) * 1000:.0f} ms"
    )
    record("ledgerkit check, one ledger", seconds, min(found), "< 0.5 s", seconds < 0.5)


def bench_report(repeat: int) -> None:
    say("\n## Report: bulletin and notices for 300 projects, each reading the merged workbook")
    folder, _ = build(3, 100)
    where = OUT / "report"
    book = where / "2024-04汇总.xlsx"
    merge_once(folder, book, 1)
    from ledgerkit.bulletin import context
    from ledgerkit.pipeline import read_merged
    from ledgerkit.settings import Settings, default_templates

    month = read_merged(book, Settings(), None)
    values = context(month.figures or {}, Settings())
    say(f"  {len(month.result.projects)} projects, {len(values['notices'])} notices")
    pickled = where / "context.pickle"
    pickled.write_bytes(pickle.dumps(values))
    for name, cmd, template in (
        ("bulletin", ["report", str(book), "-o", str(where / "通报.docx")], "通报.docx"),
        (
            "notices",
            ["notices", str(book), "-o", str(where / "督办通知单.docx")],
            "督办通知单.docx",
        ),
    ):
        seconds, _, _ = best([*LEDGERKIT, *cmd], repeat)
        tpl = str(default_templates() / template)
        fl, _ = floor(
            ["render", tpl, str(pickled), str(book), str(where / f"floor-{template}")], repeat
        )
        say(
            f"  ledgerkit {cmd[0]}: {seconds:.2f} s; floor (read + render the template): {fl:.2f} s"
        )
        record(f"{name}, 300 projects", seconds, fl, "< 1 s", seconds < 1.0)


def bench_cli(repeat: int) -> None:
    say("\n## Start-up against a bare Typer app (issue 18), paired runs")
    n = max(10, repeat)
    record_paired(
        "--help vs bare Typer --help", [*LEDGERKIT, "--help"], [*BARE_TYPER, "--help"], n, 1.1
    )
    folder, _ = build(200, 110)
    ledger = OUT / "check" / "2024-04" / "卧龙镇.xlsx"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "卧龙镇.xlsx", ledger)
    record_paired(
        "check one ledger vs bare Typer + calamine read",
        [*LEDGERKIT, "check", str(ledger), "--json"],
        [*BARE_TYPER, "check", str(ledger), "--json"],
        n,
        1.5,
    )


def bench_outputs(repeat: int) -> None:
    say("\n## Outputs of 200 files and 22,000 projects against their floors (issue 18)")
    folder, expected = build(200, 110)
    where = OUT / "outputs-200x110"
    book = where / "2024-04汇总.xlsx"
    merge_once(folder, book, 0, expected)
    merge = [*LEDGERKIT, "merge", str(folder), "-o", str(book), "--json"]
    n = max(3, repeat)
    record_paired(
        "report -o, 22,000 projects vs report --json",
        [*LEDGERKIT, "report", str(book), "-o", str(where / "通报.docx")],
        [*LEDGERKIT, "report", str(book), "--json"],
        n,
        3,
    )
    record_paired(
        "check --feedback, 200 files vs merge",
        [*LEDGERKIT, "check", str(folder), "--feedback", str(where / "退回"), "--json"],
        merge,
        n,
        2,
    )
    record_paired(
        "template, 200 units vs merge",
        [
            *LEDGERKIT,
            "template",
            "--period",
            "2024-05",
            "-o",
            str(where / "下发"),
            "--from",
            str(book),
        ],
        merge,
        n,
        2,
    )


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    return f"{os.cpu_count()} cores, {cpu or 'unknown CPU'}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "targets", nargs="*", default=["merge", "scale", "startup", "report", "cli", "outputs"]
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    say(f"machine: {machine()}")
    say(f"ledgerkit: {' '.join(LEDGERKIT)}")
    steps = {
        "merge": bench_merge,
        "scale": bench_scale,
        "startup": bench_startup,
        "report": bench_report,
        "cli": bench_cli,
        "outputs": bench_outputs,
    }
    for name in args.targets:
        steps[name](args.repeat)
    say("\n| target | ledgerkit | floor | ratio | bound | met |")
    say("|---|---|---|---|---|---|")
    for target, ours, fl, ratio, bound, ok in RESULTS:
        say(f"| {target} | {ours} | {fl} | {ratio} | {bound} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
