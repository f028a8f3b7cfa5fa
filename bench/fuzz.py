"""Fuzz run of the reading stage (issue 13): mutations of the samples and of the hostile files,
each read through the same worker processes as `merge` (isolation.load_all), in batches whose
parent is itself a child process, so that an abort or a hang of the parent is counted, not
suffered.

    python bench/fuzz.py                     # 2,000 cases
    python bench/fuzz.py --cases 50000       # the issue's target (hours on 2 cores)
    python bench/fuzz.py --cases 500 --seed 7 --keep bench/out/fuzz   # keep what failed

Prints the counts: cases; parent aborts, parent hangs, internal errors (each must be 0);
files whose worker died or ran out of time (contained: named, the others read); unreadable with
a reason; read. Not a test: `tests/test_fuzz.py` runs a few hundred cases.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "2024-04"
BATCH = 100  # cases per parent process
FILE_TIMEOUT = 30  # seconds a worker may spend on one case
MEMORY_MB = 1024  # memory a worker may take
PARENT_TIMEOUT = 1800  # a batch's parent taking longer than this is a hang of the parent


# --- the seeds ------------------------------------------------------------------------------


def seeds(folder: Path) -> list[Path]:
    """The sample ledgers and the hostile files (built by tests/builders.py)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import builders

    hostile = folder / "hostile"
    hostile.mkdir(parents=True, exist_ok=True)
    files = builders.hostile_files(hostile)
    return sorted(p for p in SAMPLES.iterdir() if not p.name.startswith("~$")) + files


# --- mutations --------------------------------------------------------------------------------


def flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 4, 16, 64))):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(rng: random.Random, data: bytes) -> bytes:
    at, size = rng.randrange(len(data)), rng.choice((1, 8, 512, 4096))
    chunk = data[at : at + size]
    to = rng.randrange(len(data))
    return data[:to] + chunk * rng.choice((1, 2, 50)) + data[to:]


_FAR_REFS = ("XFD1048576", "IV65536", "ZZZZ1", "A99999999", "XFC2", "A1048577", "", "AAAAAAAAAAA9")


def _cell(rng: random.Random) -> bytes:
    ref = rng.choice(_FAR_REFS)
    games = [
        f'r="{ref}"',
        f's="0" foo="a>b" r="{ref}"',
        f'r="A1" r="{ref}"',
        f'x:r="{ref}"',
        f"r='{ref}'",
        f'r = "{ref}" t="inlineStr"',
    ]
    tag = rng.choice(("c", "x:c"))
    body = rng.choice((b"<v>1</v>", b"<is><t>x</t></is>", b"<f>1+1</f>", b""))
    if tag == "x:c":
        body = body.replace(b"<v>", b"<x:v>").replace(b"</v>", b"</x:v>")
    return f"<{tag} {rng.choice(games)}>".encode() + body + f"</{tag}>".encode()


def _sheet_edit(rng: random.Random, xml: bytes) -> bytes:
    kind = rng.choice(("cell", "cell", "dimension", "nest", "row", "flip", "prefix"))
    if kind == "cell":
        rows = [m.start() for m in re.finditer(rb"</(?:\w+:)?row>", xml)] or [len(xml) // 2]
        at = rng.choice(rows)
        return xml[:at] + _cell(rng) * rng.choice((1, 3)) + xml[at:]
    if kind == "dimension":
        dim = f'<dimension ref="A1:{rng.choice(_FAR_REFS) or "XFD1048576"}"/>'.encode()
        return re.sub(rb"<dimension[^>]*/>", dim * rng.choice((1, 2)), xml, count=1)
    if kind == "nest":
        depth = rng.choice((100, 1000, 20000))
        deep = b"<a>" * depth + b"</a>" * depth
        return xml.replace(b"<sheetData>", b"<sheetData>" + deep, 1)
    if kind == "row":
        row = f'<row r="{rng.choice((1048576, 4294967295, 0, 99999999999))}">'.encode()
        return xml.replace(b"</sheetData>", row + _cell(rng) + b"</row></sheetData>", 1)
    if kind == "prefix":
        ns = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        return xml.replace(b"<worksheet ", b"<worksheet " + ns, 1).replace(
            b"</sheetData>", b"<x:row>" + _cell(rng) + b"</x:row></sheetData>", 1
        )
    return flip(rng, xml)


def _strings_edit(rng: random.Random, xml: bytes) -> bytes:
    count = rng.choice((10**6, 10**9, 2**32 - 1, 10**15))
    pad = b" " * rng.choice((0, 5000, 70000)) if rng.random() < 0.5 else b""
    return re.sub(
        rb'uniqueCount="\d*"', pad + f'uniqueCount="{count}"'.encode(), xml, count=1
    ).replace(b'count="', f'count="{count}'.encode(), rng.choice((0, 1)))


def zip_edit(rng: random.Random, data: bytes) -> bytes:
    """An .xlsx with one part changed: a sheet (far cells, attribute games, nesting, a
    dimension), the shared strings' counts, or a part's bytes flipped or cut."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        parts = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    sheets = [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    name = rng.choice([*sheets, "xl/sharedStrings.xml", rng.choice(list(parts))])
    if name not in parts:
        name = rng.choice(list(parts))
    part = parts[name]
    if name in sheets:
        part = _sheet_edit(rng, part)
    elif name.endswith("sharedStrings.xml"):
        part = _strings_edit(rng, part)
    elif part:
        part = rng.choice((flip, truncate, splice))(rng, part)
    parts[name] = part
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for key, value in parts.items():
            zout.writestr(key, value)
    return out.getvalue()


def mutate(rng: random.Random, seed: Path, data: bytes) -> tuple[str, bytes]:
    """One mutation of a seed file, and its name."""
    kinds = [flip, truncate, splice]
    if data.startswith(b"PK\x03\x04"):
        kinds += [zip_edit] * 4
    kind = rng.choice(kinds)
    try:
        return kind.__name__, kind(rng, data)
    except (zipfile.BadZipFile, ValueError):  # a seed already broken: flip it instead
        return "flip", flip(rng, data)


# --- one batch: a parent process reading a folder through the workers ------------------------

_BATCH = """
import json, sys
from pathlib import Path
from ledgerkit.isolation import Guard, load_all
from ledgerkit.pipeline import load_file
paths = sorted(p for p in Path(sys.argv[1]).iterdir() if p.is_file())
out = load_all(paths, load_file, Guard(workers=int(sys.argv[2]), timeout=float(sys.argv[3]),
               memory_mb=int(sys.argv[4])))
print(json.dumps([[r.path.name, r.status, r.reason] for r in out], ensure_ascii=False))
"""


def kind_of(status: str, reason: str) -> str:
    if "内部出错" in reason:
        return "internal error"
    if "异常退出" in reason or "内存超过" in reason:
        return "worker died (contained)"
    if "仍未完成" in reason:
        return "timed out (contained)"
    return "unreadable with reason" if status == "failed" else "read"


def run_batch(folder: Path, workers: int, tally: Counter[str], failures: list[str]) -> None:
    expected = sorted(p.name for p in folder.iterdir())
    try:
        done = subprocess.run(
            [sys.executable, "-c", _BATCH, str(folder), str(workers), str(FILE_TIMEOUT),
             str(MEMORY_MB)],
            capture_output=True,
            timeout=PARENT_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        tally["parent hangs"] += 1
        failures.append(f"parent hang: {folder}")
        return
    if done.returncode != 0:
        tally["parent aborts"] += 1
        failures.append(f"parent exit {done.returncode}: {done.stderr.decode()[-500:]}")
        return
    rows = json.loads(done.stdout)
    if sorted(name for name, _, _ in rows) != expected:
        tally["parent aborts"] += 1  # a file lost is as bad as a parent lost
        failures.append(f"files lost in {folder}")
    for name, status, reason in rows:
        kind = kind_of(status, reason)
        tally[kind] += 1
        if kind == "internal error":
            failures.append(f"{name}: {reason}")


def fuzz(cases: int, seed: int, workers: int = 2, keep: Path | None = None) -> Counter[str]:
    """Run `cases` mutations; the counts by outcome (and 'cases')."""
    rng = random.Random(seed)
    tally: Counter[str] = Counter()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ledgerkit-fuzz-") as tmp:
        base = Path(tmp)
        pool = [(p, p.read_bytes()) for p in seeds(base / "seeds")]
        made = 0
        while made < cases:
            folder = base / f"batch{made}"
            folder.mkdir()
            for n in range(min(BATCH, cases - made)):
                src, data = rng.choice(pool)
                how, mutated = mutate(rng, src, data)
                (folder / f"{made + n:06d}-{how}-{src.stem}{src.suffix}").write_bytes(mutated)
            made += min(BATCH, cases - made)
            tally["cases"] += len(list(folder.iterdir()))
            run_batch(folder, workers, tally, failures)
            if keep is not None and failures:
                keep.mkdir(parents=True, exist_ok=True)
                for p in folder.iterdir():
                    if any(p.name in f for f in failures):
                        shutil.copy(p, keep / p.name)
            shutil.rmtree(folder)
    tally["failures listed"] = len(failures)
    for line in failures[:20]:
        print("  ", line, file=sys.stderr)
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="copy the cases that failed here")
    args = ap.parse_args()
    start = time.perf_counter()
    tally = fuzz(args.cases, args.seed, args.workers, args.keep)
    took = time.perf_counter() - start
    for key in ("cases", "parent aborts", "parent hangs", "internal error"):
        print(f"{key:28} {tally.get(key, 0):>8,}")
    for key, value in sorted(tally.items()):
        if key not in ("cases", "parent aborts", "parent hangs", "internal error"):
            print(f"{key:28} {value:>8,}")
    print(f"{'seconds':28} {took:>8,.0f}   ({tally['cases'] / took:,.1f} cases/s)")
    bad = tally["parent aborts"] + tally["parent hangs"] + tally["internal error"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
