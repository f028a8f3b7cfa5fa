"""Invariants over generated ledgers with random quirks (hypothesis): nothing is lost, nothing
is invented, nothing depends on order or on the run; and random or mutated bytes always end
in a defined result."""

from __future__ import annotations

import hashlib
import io
import random
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import builders
import pytest
from builders import TOWNSHIP_MERGES, TOWNSHIP_ROWS, assert_accounted, text_xlsx, xml2003
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgerkit import tables
from ledgerkit.period import Period
from ledgerkit.pipeline import load_file, merge_paths
from ledgerkit.settings import Settings
from ledgerkit.workbook import write_workbook

# These properties are about the data (every row and yuan accounted for, order, round trips):
# they read in this process, hundreds of times. That reading in workers gives the same
# results is test_isolation's to show (test_in_process_reading_gives_the_same_results).
IN_PROCESS = Settings(read_workers=0)

MONEY = ("total_investment", "annual_plan", "ytd_completed")
HEADERS = {
    "name": ["项目名称", "建设项目名称", "项目名称及建设内容"],
    "total_investment": ["总投资", "计划总投资", "总投资（万元）"],
    "annual_plan": ["年度计划投资", "2024年计划投资", "本年计划投资"],
    "ytd_completed": ["累计完成投资", "1-4月完成投资", "本年累计完成"],
}
UNITS = ["卧龙镇", "尹集乡", "欧庙镇", "隆中街道", "檀溪街道", "区交通运输局"]
FORMATS = ["xlsx", "xls", "csv-gbk", "csv-utf8", "tsv-utf16", "html", "xml2003"]
PREFIXES = ["", "", "=", "+", "-", "@", "\t", "=cmd|' /C calc'!A0 ", '=HYPERLINK("x") ']
EMPTY = [None, "", "—", "/", "无", " "]
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


@dataclass
class Ledger:
    """One generated file: how it is laid out, and what was planted in it (money in 万元)."""

    unit: str
    fmt: str
    rows: list[list[Any]]
    planted: list[tuple[str, dict[str, Decimal | None]]] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        ext = {"xlsx": "xlsx", "xls": "xls", "html": "xls", "xml2003": "xls"}.get(self.fmt, "csv")
        return f"{self.unit}.{'txt' if self.fmt == 'tsv-utf16' else ext}"


amounts = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
)


def _render(draw: Any, amount: Decimal | None, factor: Decimal, fmt: str) -> Any:
    """An amount the way some unit types it in a column whose unit is `factor` 万元."""
    if amount is None:
        return draw(st.sampled_from(EMPTY))
    in_column = amount / factor
    styles = ["plain", "comma", "full", "spaces", "wan", "yi"]
    if fmt in ("xlsx", "xls", "xml2003"):
        styles += ["number", "number", "number"]
    style = draw(st.sampled_from(styles))
    if style == "number":
        return float(in_column)
    if style == "wan":  # the cell's own unit wins over the column's
        return f"{amount:f}万元"
    if style == "yi":
        return f"{amount / 10000:f}亿元"
    text = f"{in_column:,f}" if style == "comma" else f"{in_column:f}"
    if style == "full":
        return text.translate(FULL_WIDTH)
    return f" {text} " if style == "spaces" else text


@st.composite
def ledgers(draw: Any, unit: str, first: int) -> Ledger:
    fmt = draw(st.sampled_from(FORMATS))
    unit_word = draw(st.sampled_from(["", "单位：万元", "单位：亿元"]))
    factor = Decimal(10000) if unit_word.endswith("亿元") else Decimal(1)
    with_seq = draw(st.booleans())
    unit_column = draw(st.booleans())
    extra = draw(st.booleans())
    heads = (["序号"] if with_seq else []) + [draw(st.sampled_from(HEADERS["name"]))]
    heads += ["责任单位"] if unit_column else []
    money_heads = [draw(st.sampled_from(HEADERS[f])) for f in MONEY]
    heads += money_heads
    # a unit in the header ("总投资（万元）") wins over the line above the table
    factors = [Decimal(1) if "万元" in h else factor for h in money_heads]
    heads += ["自定义说明"] if extra else []
    width = len(heads)

    def line(*cells: Any) -> list[Any]:
        return list(cells) + [None] * (width - len(cells))

    ledger = Ledger(unit, fmt, [])
    if draw(st.booleans()) or not unit_column:
        ledger.rows.append(line(f"{unit}2024年重点项目推进台账"))
    if unit_word:
        ledger.rows.append(line(unit_word))
    ledger.rows.append(heads)
    n = draw(st.integers(min_value=0, max_value=6))
    planted = [(f"项目{first + i}", {f: draw(amounts) for f in MONEY}) for i in range(n)]
    total_row = draw(st.sampled_from(["none", "top", "bottom"]))
    sums = [sum((p[f] for _, p in planted if p[f] is not None), Decimal(0)) for f in MONEY]
    stated = [f"{s / f:f}" for s, f in zip(sums, factors, strict=True)]
    total = line("合计", *[None] * (width - 4 - extra), *stated)
    if total_row == "top":
        ledger.rows.append(total)
    for i, (name, money) in enumerate(planted):
        if draw(st.integers(0, 5)) == 0:
            ledger.rows.append(line("一、续建项目"))
        if draw(st.integers(0, 5)) == 0:
            ledger.rows.append(line())
        suffix = draw(st.text(alphabet="甲乙丙改造工程路A1（）、#&<>'\"", max_size=6))
        row = ([i + 1] if with_seq else []) + [draw(st.sampled_from(PREFIXES)) + name + suffix]
        row += [unit] if unit_column else []
        row += [_render(draw, money[f], k, fmt) for f, k in zip(MONEY, factors, strict=True)]
        row += [draw(st.sampled_from(["=1+1", "+86 123", "-", "@x", "正常推进", None]))] * extra
        ledger.rows.append(row)
        ledger.planted.append((name, money))
    if total_row == "bottom":
        ledger.rows.append(total)
    if draw(st.booleans()):
        ledger.rows.append(line("填报人：张三    审核人：李四"))
    return ledger


@st.composite
def months(draw: Any) -> list[Ledger]:
    units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True))
    return [draw(ledgers(unit, 100 * n)) for n, unit in enumerate(units)]


def build(folder: Path, ledger: Ledger) -> Path:
    path = folder / ledger.file_name
    rows = ledger.rows
    if ledger.fmt == "xlsx":
        return text_xlsx(path, rows)
    if ledger.fmt == "xls":
        return builders.xls(path, rows)
    if ledger.fmt == "html":
        return builders.html_xls(path, rows)
    if ledger.fmt == "xml2003":
        return xml2003(path, rows)
    encoding = {"csv-gbk": "gb18030", "csv-utf8": "utf-8-sig", "tsv-utf16": "utf-16"}[ledger.fmt]
    return builders.csv_file(path, rows, encoding, "\t" if ledger.fmt == "tsv-utf16" else ",")


def write_month(base: Path, month: list[Ledger]) -> Path:
    folder = Path(tempfile.mkdtemp(dir=base)) / "2024-04"
    folder.mkdir()
    for ledger in month:
        build(folder, ledger)
    return folder


def money_of(projects: Any) -> dict[str, Decimal]:
    amounts = [[getattr(p, f) for p in projects] for f in MONEY]
    return {
        f: sum((v for v in a if v is not None), Decimal(0))
        for f, a in zip(MONEY, amounts, strict=True)
    }


def planted_money(ledgers: list[Ledger]) -> dict[str, Decimal]:
    return {
        f: sum((m[f] for lg in ledgers for _, m in lg.planted if m[f] is not None), Decimal(0))
        for f in MONEY
    }


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def values(result: Any) -> list[tuple]:
    """The merged projects as comparable values (source row included)."""
    keys = ["unit", "name", *MONEY]
    return [(*(p.get(k) for k in keys), p.source.file, p.source.row) for p in result.projects]


# --- nothing lost, nothing invented -----------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=SLOW)
@given(month=months())
def test_every_row_and_every_yuan_is_accounted_for(tmp_path: Path, month: list[Ledger]) -> None:
    folder = write_month(tmp_path, month)
    before = digest(folder)
    result = merge_paths([folder], settings=IN_PROCESS)
    write_workbook(result, folder.parent / "汇总.xlsx", "t")
    assert digest(folder) == before  # inputs byte-identical after a run
    by_file = {f.label: f for f in result.files}
    for ledger in month:
        loaded = by_file[ledger.file_name]
        assert loaded.status == "merged", (ledger.fmt, loaded.reason)
        # rows read = projects + rows recognised (合计, 小节, 表尾 …) + rows reported (未识别)
        assert_accounted(loaded.ledger, loaded.issues)
        got = loaded.ledger.projects
        assert len(got) == len(ledger.planted)
        assert money_of(got) == planted_money([ledger]), ledger.fmt  # per file
        assert {p.unit for p in got} <= {ledger.unit}
        for (name, money), project in zip(ledger.planted, got, strict=True):
            assert name in project.name
            assert {f: project.get(f) for f in MONEY} == money
    merged = result.projects
    assert money_of(merged) == planted_money(month)  # in total


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(month=months(), seed=st.randoms(use_true_random=False))
def test_order_of_inputs_and_reruns_change_nothing(
    tmp_path: Path, month: list[Ledger], seed: random.Random
) -> None:
    folder = write_month(tmp_path, month)
    files = sorted(folder.iterdir())
    first = merge_paths([folder], Period(2024, 4), IN_PROCESS)
    shuffled = files[:]
    seed.shuffle(shuffled)
    again = merge_paths(shuffled, Period(2024, 4), IN_PROCESS)
    assert values(again) == values(first)
    assert [i.to_dict() for i in again.issues] == [i.to_dict() for i in first.issues]
    one, two = folder.parent / "一.xlsx", folder.parent / "二.xlsx"
    write_workbook(first, one, "t")
    write_workbook(merge_paths([folder], Period(2024, 4), IN_PROCESS), two, "t")
    assert one.read_bytes() == two.read_bytes()  # fixed properties: the bytes are stable


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
@given(month=months())
def test_values_survive_a_round_trip_through_the_merged_workbook(
    tmp_path: Path, month: list[Ledger]
) -> None:
    folder = write_month(tmp_path, month)
    result = merge_paths([folder], settings=IN_PROCESS)
    out = folder.parent / "2024-04汇总.xlsx"
    write_workbook(result, out, "2024年1-4月重点项目汇总台账")
    back = merge_paths([out], settings=IN_PROCESS)
    assert back.files[0].status == "merged"
    keys = ["unit", "name", *MONEY]
    before = [tuple(p.get(k) for k in keys) for p in result.projects]
    after = [tuple(p.get(k) for k in keys) for p in back.projects]
    assert after == before
    assert money_of(back.projects) == planted_money(month)


class Killed(Exception):
    """The writer dies half-way (a crash, a full disk, the power)."""


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(
    month=months(),
    after=st.integers(min_value=0, max_value=60),
    how=st.sampled_from([Killed, KeyboardInterrupt]),
)
def test_a_write_killed_half_way_leaves_the_previous_output(
    tmp_path: Path, month: list[Ledger], after: int, how: type[BaseException]
) -> None:
    folder = write_month(tmp_path, month)
    out = folder.parent / "汇总.xlsx"
    out.write_bytes(b"last month's workbook")
    result = merge_paths([folder], settings=IN_PROCESS)
    real = tables._cell
    calls = 0

    def dying(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > after:
            raise how("killed")
        real(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tables, "_cell", dying)
        try:
            write_workbook(result, out, "t")
        except (Killed, KeyboardInterrupt):
            pass
        else:
            assert calls <= after  # a small month may finish before the writer dies
    if calls > after:
        assert out.read_bytes() == b"last month's workbook"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".ledgerkit-")] == []


# --- fuzz: random and mutated bytes -----------------------------------------------------------


def _seeds() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = TOWNSHIP_ROWS
        made = {
            "xlsx": builders.xlsx(folder / "a.xlsx", rows, TOWNSHIP_MERGES),
            "xls": builders.xls(folder / "b.xls", rows),
            "csv": builders.csv_file(folder / "c.csv", rows),
            "html": builders.html_xls(folder / "d.xls", rows),
            "xml2003": xml2003(folder / "e.xls", rows, TOWNSHIP_MERGES),
        }
        return {k: p.read_bytes() for k, p in made.items()}


SEEDS = _seeds()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def _mutate(data: bytes, ops: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, at, chunk in ops:
        at = at % (len(out) + 1)
        if kind == 0:  # overwrite
            out[at : at + len(chunk)] = chunk
        elif kind == 1:  # insert
            out[at:at] = chunk
        elif kind == 2:  # delete
            del out[at : at + max(1, len(chunk))]
        else:  # truncate
            del out[at:]
    return bytes(out)


ops = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
    min_size=1,
    max_size=6,
)
interesting = st.sampled_from(
    [
        b"<",
        b">",
        b'"',
        b"&",
        b"&#0;",
        b"\x00",
        b"\xff\xfe",
        b'r="XFD1048576"',
        b"<!DOCTYPE",
        b"99999999",
        b"-1",
        b"\r\n",
        b",",
    ]
)


@st.composite
def fuzzed(draw: Any) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["random", "bytes", "part"]))
    if kind == "random":
        return "random", draw(st.binary(max_size=4096))
    name = draw(st.sampled_from(sorted(SEEDS)))
    changes = draw(ops)
    if draw(st.booleans()):
        changes.append((1, draw(st.integers(0, 10**6)), draw(interesting)))
    if kind == "bytes" or name != "xlsx":
        return name, _mutate(SEEDS[name], changes)
    parts = _parts(SEEDS["xlsx"])  # mutate inside one part, so the zip still opens
    part = draw(st.sampled_from(sorted(parts)))
    parts[part] = _mutate(parts[part], changes)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, content in parts.items():
            zf.writestr(n, content)
    return f"xlsx:{part}", buf.getvalue()


@settings(max_examples=300, deadline=timedelta(seconds=3), suppress_health_check=SLOW)
@given(case=fuzzed(), suffix=st.sampled_from([".xlsx", ".xls", ".csv"]))
def test_random_and_mutated_bytes_always_end_in_a_defined_result(
    tmp_path: Path, case: tuple[str, bytes], suffix: str
) -> None:
    path = tmp_path / f"单位{suffix}"
    path.write_bytes(case[1])
    result = load_file(path)
    assert result.status in ("merged", "failed", "skipped"), case[0]
    if result.status == "merged":
        assert_accounted(result.ledger, result.issues)
    else:
        assert result.reason and result.issues and result.issues[0].file == path.name
