from decimal import Decimal

import pytest

from ledgerkit.fmt import change, half_up, more_less, percent, vs_time
from ledgerkit.schema import load_schema
from ledgerkit.values import (
    MAX_MONEY,
    MoneyTooLarge,
    parse_category,
    parse_date,
    parse_money,
    parse_started,
)

S = load_schema()
WAN, YI = Decimal(1), Decimal(10000)


@pytest.mark.parametrize(
    ("raw", "factor", "expected"),
    [
        ("1,200", WAN, Decimal("1200")),
        ("１２３．５", WAN, Decimal("123.5")),
        (" 300 ", WAN, Decimal("300")),
        ("120万元", YI, Decimal("120")),  # the unit in the cell wins over the column's
        ("1.2亿元", WAN, Decimal("12000")),
        ("1.2亿", WAN, Decimal("12000")),
        (1.23, YI, Decimal("12300")),
        (0.1, WAN, Decimal("0.1")),
        (300, WAN, Decimal("300")),
        ("-5", WAN, Decimal("-5")),
        ("0", WAN, Decimal("0")),
    ],
)
def test_money_as_typed(raw, factor, expected):
    assert parse_money(raw, factor, S) == expected


@pytest.mark.parametrize("raw", [None, "", "—", "-", "/", "无", "  ", "——", "／"])
def test_empty_markers_are_empty_not_zero(raw):
    assert parse_money(raw, WAN, S) is None


@pytest.mark.parametrize("raw", ["待定", "约300", "30%", "1.2.3", True, float("nan")])
def test_unreadable_money_raises(raw):
    with pytest.raises(ValueError):
        parse_money(raw, WAN, S)


def test_money_sums_are_exact():
    values = [parse_money(v, WAN, S) for v in (0.1, 0.2, "0.3", 1.1, 2.2)]
    assert sum(values, Decimal(0)) == Decimal("3.9")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-15", "2024-03-15"),
        ("2024/3/5", "2024-03-05"),
        ("2024.3", "2024-03"),
        ("2024年3月", "2024-03"),
        ("2024年3月15日", "2024-03-15"),
        (45366, "2024-03-15"),
        ("2024", "2024"),
    ],
)
def test_dates_in_every_form(raw, expected):
    assert parse_date(raw) == expected


def test_bad_date_raises():
    with pytest.raises(ValueError):
        parse_date("下半年")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("已开工", True),
        ("未开工", False),
        ("√", True),
        (True, True),
        ("", None),
        ("—", None),
        (1.0, True),
    ],
)
def test_started(raw, expected):
    assert parse_started(raw, S) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("新开工", "新建"),
        ("在建", "续建"),
        ("储备", "前期"),
        ("已竣工", "竣工"),
        ("收尾", "竣工"),
        ("续建项目", "续建"),
        ("新建", "新建"),
        ("技改", None),
    ],
)
def test_categories(raw, expected):
    assert parse_category(raw, S) == expected


def test_half_up_rounds_like_a_statistics_office():
    assert f"{0.1925 * 100:.1f}" == "19.2"  # why half_up exists
    assert half_up(Decimal("19.25"), 1) == Decimal("19.3")
    assert percent(Decimal("7.7"), Decimal("40")) == "19.3%"
    assert percent(Decimal(1), Decimal(0)) == "—"


def test_differences_are_said_in_words_never_as_a_minus_sign():
    assert vs_time(-14.08) == "低于时间进度14.1个百分点"
    assert vs_time(2) == "高于时间进度2个百分点"
    assert vs_time(0.04) == "与时间进度持平"
    assert more_less(Decimal(400)) == "多400万元"
    assert more_less(Decimal("-1234.5")) == "少1,234.5万元"
    assert more_less(Decimal(0)) == "相同"
    assert change(Decimal("-0.001"), "0亿元", ("增加", "减少")) == "持平"  # too small to show
    assert change(None, "", ("增加", "减少")) == "—"


@pytest.mark.parametrize(
    ("value", "factor"),
    [
        (1e28, 1),  # a float from Excel: once the end of the merge in quantize
        (float(MAX_MONEY), 1),
        ("1" + "0" * 29, 1),
        ("110101199001011234", 1),  # a pasted 身份证号
        ("100000000000亿元", 1),  # the unit in the cell: 10^15 万元
        (1e11, 10000),  # the column's unit: 亿元
        (-1e28, 1),
    ],
)
def test_amounts_too_large_to_be_money_are_refused(value, factor) -> None:
    with pytest.raises(MoneyTooLarge):
        parse_money(value, Decimal(factor), S)


def test_amounts_just_under_the_bound_are_read_exactly() -> None:
    assert parse_money(float(MAX_MONEY) - 1, Decimal(1), S) == MAX_MONEY - 1
    assert parse_money("999999999999999.5", Decimal(1), S) == Decimal("999999999999999.5")
