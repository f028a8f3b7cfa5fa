"""A short run of bench/fuzz.py: mutated samples and hostile files, read through the worker
processes; no case may end its batch's parent or come back as an internal error."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"


def test_a_short_fuzz_run_ends_no_parent_and_names_every_file() -> None:
    spec = importlib.util.spec_from_file_location("fuzz", BENCH)
    assert spec is not None and spec.loader is not None
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    tally = fuzz.fuzz(cases=300, seed=13)
    assert tally["cases"] == 300
    assert tally["parent aborts"] == tally["parent hangs"] == tally["internal error"] == 0
    outcomes = (
        "read",
        "unreadable with reason",
        "worker died (contained)",
        "timed out (contained)",
    )
    assert sum(tally[k] for k in outcomes) == 300
    assert tally["read"] > 0 and tally["unreadable with reason"] > 0
