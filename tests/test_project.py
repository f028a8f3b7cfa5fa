"""The shared types (Project, Period) and the shape of the package: one type per idea, the
schema and the code in step, and no import cycle between the stages."""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import fields
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerkit.period import BadPeriod, Period, from_titles
from ledgerkit.project import FIELDS, Project, Source, make
from ledgerkit.schema import load_schema

PACKAGE = Path(__file__).parent.parent / "src" / "ledgerkit"


def test_project_holds_exactly_the_fields_of_the_schema():
    schema = load_schema().fields
    stored = {k for k, f in schema.items() if f.kind != "derived"}  # 完成率 is recomputed
    assert set(FIELDS) == stored
    types = {f.name: str(f.type) for f in fields(Project)}
    for key, f in schema.items():
        if f.kind in ("money", "reference"):
            assert types[key] == "Money | None", key
        if f.kind in ("started", "flag"):
            assert types[key] == "bool | None", key


def test_a_project_made_fast_equals_one_made_by_its_constructor():
    source = Source("卧龙镇.xlsx", "台账", 5)
    values = {"name": "甲项目", "unit": "卧龙镇", "annual_plan": Decimal(300), "started": True}
    fast = make(source, dict(values), {"备注2": "x"})
    slow = Project(source, extras={"备注2": "x"}, **values)
    assert fast == slow and hash(fast.source) == hash(slow.source)
    assert fast.ytd_completed is None and fast.get("annual_plan") == Decimal(300)
    with pytest.raises(AttributeError):
        fast.name = "乙项目"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("key", "month", "text", "first"),
    [
        ("2024-04", 4, "2024年1-4月", 4),
        ("2024-01", 1, "2024年1月", 1),
        ("2024-Q2", 6, "2024年第二季度", 4),
        ("2024-H1", 6, "2024年上半年", 1),
        ("2024-H2", 12, "2024年下半年", 7),
        ("2024", 12, "2024年", 1),
    ],
)
def test_periods_of_every_kind(key, month, text, first):
    p = Period.parse(key)
    assert (p.key, p.month, p.text, p.first_month) == (key, month, text, first)
    assert p.time_progress == Decimal(month) / 12
    assert p.title("襄城区", "重点项目汇总台账") == f"襄城区{text}重点项目汇总台账"


def test_months_before_after_and_deadline():
    april = Period.parse("2024-04")
    assert april.previous() == Period(2024, 3) and Period(2024, 1).previous() is None
    assert april.a_year_before().key == "2023-04"
    assert [m.key for m in april.months()] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert april.follows(Period(2024, 3)) and not april.follows(Period(2023, 3))
    assert april.deadline(5) == dt.date(2024, 5, 5)
    assert Period(2024, 12).deadline(31) == dt.date(2025, 1, 28)  # every month has a 28th
    assert april.end == "2024-04-30"


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "24-04", "2024-Q5", "2024-H3", "四月"])
def test_bad_period_keys_are_refused(bad):
    with pytest.raises(BadPeriod):
        Period.parse(bad)


def test_the_period_most_titles_name():
    titles = ["卧龙镇2024年重点项目推进台账（1-4月）", "尹集乡2024年1-4月台账", "2024年3月"]
    assert from_titles(titles) == Period(2024, 4)
    assert from_titles(["重点项目台账"]) is None


def _imports(path: Path) -> set[str]:
    """The ledgerkit modules a module imports when it is loaded (not inside functions)."""
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ledgerkit."):
            found.add(node.module.split(".")[1])
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports that comes back to where it started, or None."""
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if state.get(module) == "open":
            return [*trail, module]
        if state.get(module) == "done":
            return None
        state[module] = "open"
        for child in sorted(graph.get(module, ())):
            if found := visit(child, [*trail, module]):
                return found
        state[module] = "done"
        return None

    return next((c for m in sorted(graph) if (c := visit(m, []))), None)


def test_no_import_cycle_between_modules():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    assert _cycle(graph) is None
    # only the command line calls the pipeline
    assert [m for m, uses in graph.items() if "pipeline" in uses] == []


def test_a_project_crosses_between_processes_whole() -> None:
    # what a reading worker sends back: pickled, then read in the parent
    import pickle

    source = Source("卧龙镇.xlsx", "台账", 12)
    project = make(
        source, {"name": "卧龙镇污水处理厂", "total_investment": Decimal("12.50")}, {"备注": "续建"}
    )
    back = pickle.loads(pickle.dumps(project, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == project and back.source == source and back.extras == {"备注": "续建"}
    assert back.total_investment == Decimal("12.50") and back.source.row == 12
