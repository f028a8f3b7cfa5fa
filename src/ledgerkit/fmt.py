"""Numbers for people: 四舍五入 (half up, as statistics offices round), 亿元 without trailing
zeros, rates with one decimal, differences of rates in 个百分点, and differences said in words
(低于/高于, 多/少, 增加/减少), never as a bare minus sign."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

WAN_PER_YI = Decimal(10000)


def half_up(value: Decimal, places: int) -> Decimal:
    """Round half up: 19.25 -> 19.3 (Python's round() and format() give 19.2: they round
    half to even, and on binary floats)."""
    exponent = Decimal(1).scaleb(-places)
    try:
        return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        # more digits than the default 28: a sum of huge amounts, a rate over a tiny total.
        # Rounding them must not end the month; give the quantize the digits it needs
        digits = Decimal(value).adjusted() + places + 2
        return Decimal(value).quantize(exponent, ROUND_HALF_UP, Context(prec=digits))


def _plain(value: Decimal) -> str:
    """No trailing zeros and no exponent: 122.00 -> '122', 7.70 -> '7.7'."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(fraction: Any, places: int = 1) -> str:
    """0.1925 -> '19.3%'; None -> '—'."""
    if fraction is None:
        return "—"
    return f"{half_up(Decimal(fraction) * 100, places):f}%"


def points_abs(gap: Any, places: int = 1) -> str:
    """The size of a difference of rates: -14.08 -> '14.1个百分点'."""
    if gap is None:
        return "—"
    return f"{_plain(half_up(abs(Decimal(gap)), places))}个百分点"


def vs_time(gap: Any, places: int = 1) -> str:
    """A gap to time progress in words, never a bare sign: '低于时间进度14.1个百分点' /
    '高于时间进度2个百分点' / '与时间进度持平' (a gap that rounds to 0 is 持平)."""
    if gap is None:
        return "暂无年度计划，无法与时间进度比较"
    if half_up(Decimal(gap), places) == 0:
        return "与时间进度持平"
    return f"{'低于' if Decimal(gap) < 0 else '高于'}时间进度{points_abs(gap, places)}"


def change(value: Any, size: str, words: tuple[str, str], same: str = "持平") -> str:
    """A signed difference in words, for a person: (+1.5, '1.5亿元', ('增加', '减少')) ->
    '增加1.5亿元'; (-100, '100万元', ('多', '少')) -> '少100万元'; a difference too small to
    show (or none) is `same`; None is '—'. `size` is the difference's size as shown."""
    if value is None:
        return "—"
    if not size.strip("0.%亿万元个百分点") or Decimal(value) == 0:
        return same
    return (words[0] if Decimal(value) > 0 else words[1]) + size


def yi(wan: Any, places: int = 2) -> str:
    """万元 -> 亿元 with at most `places` decimals and no trailing zeros: 1220000 -> '122'."""
    if wan is None:
        return "—"
    return _plain(half_up(Decimal(wan) / WAN_PER_YI, places))


def wan(amount: Any, places: int = 2) -> str:
    """万元 with thousands separators and no trailing zeros: 12345.50 -> '12,345.5'."""
    if amount is None:
        return "—"
    text = f"{half_up(Decimal(amount), places):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(numerator: Decimal, denominator: Decimal, places: int = 1) -> str:
    """'19.3%' from 7.7 / 40; '—' when there is nothing to divide by."""
    return pct(Decimal(numerator) / Decimal(denominator) if denominator else None, places)


def amount(value: Decimal) -> str:
    """An amount in 万元 for a finding's message, exactly as computed: '1,234.5'."""
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def more_less(diff: Decimal, words: tuple[str, str] = ("多", "少"), same: str = "相同") -> str:
    """A difference of amounts in 万元 in words, exactly as computed: 400 -> '多400万元',
    -100 -> '少100万元' (never '相差-100万元')."""
    return change(diff, f"{amount(abs(Decimal(diff)))}万元", words, same)
