"""Numbers for people: 四舍五入 (half up, as statistics offices round), 亿元 without trailing
zeros, rates with one decimal, differences of rates in 个百分点."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

WAN_PER_YI = Decimal(10000)


def half_up(value: Decimal, places: int) -> Decimal:
    """Round half up: 19.25 -> 19.3 (Python's round() and format() give 19.2: they round
    half to even, and on binary floats)."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """No trailing zeros and no exponent: 122.00 -> '122', 7.70 -> '7.7'."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pct(fraction: Any, places: int = 1) -> str:
    """0.1925 -> '19.3%'; None -> '—'."""
    if fraction is None:
        return "—"
    return f"{half_up(Decimal(fraction) * 100, places):f}%"


def points(gap: Any, places: int = 1) -> str:
    """A difference of rates: -14.0 -> '-14个百分点' style text, sign kept, half up."""
    if gap is None:
        return "—"
    return f"{_plain(half_up(Decimal(gap), places))}个百分点"


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
