"""The problem ledger (问题台账): every 存在问题 a unit writes, tracked across the stored months
until it is closed (核销).

The ledger is worked out again from the store every time, month by month: a cell listing
several problems ("1.…2.…", "①…②…", "一是…二是…", "；", line breaks) is split; a problem is
recognised next month in the same project (its store key) by the same or near-same text
(difflib's ratio of the texts without spaces and punctuation, at least
`settings.problem_similarity`), and `matched` says how. What can change the ledger besides
the units' ledgers are the clerk's edits of 问题台账.xlsx (status, 时限, 责任单位, 责任人,
办理情况, 备注), kept in the store's `problem_edits` and always winning over the inference;
IDs once given are kept in `problem_ids`, so re-merging a month does not renumber.

Statuses: 已办结 (the clerk says so, or the unit's 解决情况 says it is solved), 待核销 (the
project was reported since but the problem no longer was: the clerk confirms in the
ledger), 逾期 (its 时限 is before the month's end), 未办结 otherwise.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from ledgerkit.fmt import half_up
from ledgerkit.period import MONTH, BadPeriod, Period
from ledgerkit.project import Project
from ledgerkit.schema import load_schema
from ledgerkit.settings import Settings
from ledgerkit.store import Kept, Store
from ledgerkit.values import parse_date

OPEN, CLOSED, OVERDUE, PENDING = "未办结", "已办结", "逾期", "待核销"
STATUSES = (OPEN, OVERDUE, PENDING, CLOSED)
# what a clerk may type in the status column, and what it means
STATUS_WORDS = {
    **dict.fromkeys(
        ("已办结", "办结", "已解决", "解决", "已核销", "核销", "销号", "已销号"), CLOSED
    ),
    **dict.fromkeys(("未办结", "未解决", "未完成", "办理中", "正在办理", "在办"), OPEN),
    "逾期": OVERDUE,
    "待核销": PENDING,
}
# a unit's 解决情况 that closes the problems of its row
SOLVED_WORDS = ("已解决", "已办结", "已完成", "已落实", "已销号", "已核销", "已协调解决", "已到位")
# the fields the clerk edits in 问题台账.xlsx
EDITABLE = ("status", "due", "owner_unit", "owner", "handling", "note")
NO_PROBLEM = {
    "无",
    "暂无",
    "没有",
    "无问题",
    "暂无问题",
    "没有问题",
    "无困难",
    "暂无困难",
    "正常推进",
}

_DIGIT_MARK = re.compile(r"[(（]\s*(\d{1,2})\s*[)）]|(?<![\d.．])(\d{1,2})\s*[.．、](?!\d)")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN = "一二三四五六七八九十"
_CN_MARK = re.compile(rf"([{_CN}])(?:是|、)")
_NOISE = re.compile(r"[\s\W_]+")
_EDGES = " \t\n。；;，,、：:.．"


@dataclass(frozen=True)
class Problem:
    """One tracked problem as of a month."""

    id: str  # WT202402-001: the month first reported and a number in it
    key: str  # the project's identity in the store
    project: str
    unit: str  # the project's 责任单位
    text: str  # as last reported
    topic: str  # schema.toml [problem_topics], else 其他问题
    owner_unit: str  # 负责解决问题的责任单位
    owner: str  # 责任人
    due: str  # 时限: ISO date, or as typed when it is no date ("长期")
    status: str
    first_period: str
    last_period: str  # the last month a unit reported it
    months_open: int  # months from first reported to now (or to closing)
    handling: str  # 办理情况
    matched: str  # how this month's text was recognised, for the clerk to check
    note: str = ""
    edited: tuple[str, ...] = ()  # the fields the clerk set (they win over the inference)
    stale: bool = False  # open for settings.problem_stale_months months or more

    @property
    def is_open(self) -> bool:
        return self.status != CLOSED

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["edited"] = list(self.edited)
        return data


# --- splitting and comparing texts -----------------------------------------------------------


def split_problems(text: Any) -> list[str]:
    """A 存在问题 cell as its problems: numbered lists ("1.…2.…", "(1)…", "①…②…",
    "一是…二是…") split at their marks, in order from 1; otherwise at line breaks and "；".
    Blanks and "无/暂无问题" are no problem."""
    s = str(text or "").replace("\r\n", "\n").strip()
    if not s:
        return []
    cuts = _marks(s)
    if len(cuts) >= 2:
        pieces = [s[a:b] for a, b in zip(cuts, [*cuts[1:], len(s)], strict=True)]
        head = s[: cuts[0]].strip()
        label = head.endswith((":", "："))  # "存在问题：1.…" names the list, is not an item
        pieces = ([head] if _clean(head) and not label else []) + [_unmark(p) for p in pieces]
    else:
        pieces = re.split(r"[\n；;]+", _unmark(s) if cuts else s)
    out = [_clean(p) for p in pieces]
    return [p for p in out if p and _plain_key(p) not in _NO_PROBLEM_KEYS and not _empty(p)]


def _marks(s: str) -> list[int]:
    """Where the items of a numbered list start: the marks numbered 1, 2, 3 … in order."""
    found: list[tuple[int, int]] = []  # (position, number)
    for m in _DIGIT_MARK.finditer(s):
        found.append((m.start(), int(m.group(1) or m.group(2))))
    for i, ch in enumerate(s):
        if ch in _CIRCLED:
            found.append((i, _CIRCLED.index(ch) + 1))
    for m in _CN_MARK.finditer(s):
        found.append((m.start(), _CN.index(m.group(1)) + 1))
    found.sort()
    for style in (_DIGIT_MARK, _CIRCLED, _CN_MARK):  # one numbering style: the first complete
        cuts = _sequence([(p, n) for p, n in found if _style(s, p) is style])
        if len(cuts) >= 2:
            return cuts
    return []


def _style(s: str, pos: int) -> object:
    if s[pos] in _CIRCLED:
        return _CIRCLED
    if s[pos] in _CN:
        return _CN_MARK
    return _DIGIT_MARK


def _sequence(found: list[tuple[int, int]]) -> list[int]:
    cuts, want = [], 1
    for pos, n in found:
        if n == want:
            cuts.append(pos)
            want += 1
    return cuts


def _unmark(piece: str) -> str:
    piece = piece.lstrip()
    m = _DIGIT_MARK.match(piece) or _CN_MARK.match(piece)
    if m:
        return piece[m.end() :]
    return piece[1:] if piece[:1] in _CIRCLED else piece


def _clean(piece: str) -> str:
    return piece.strip(_EDGES)


def _empty(piece: str) -> bool:
    return piece.upper() in load_schema().empty_markers


def _plain_key(text: str) -> str:
    """A text as compared: NFKC, no spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


_NO_PROBLEM_KEYS = {_plain_key(w) for w in NO_PROBLEM}


def topic_of(text: str) -> str:
    """The first topic of schema.toml [problem_topics] with a keyword in the text."""
    topics = load_schema().problem_topics
    return next((t for t, words in topics.items() if any(w in text for w in words)), "其他问题")


# --- dates -------------------------------------------------------------------------------


def parse_due(value: Any, year: int) -> str | None:
    """A 时限 as an ISO day ('2024-06-30' for 2024年6月底 / 2024-06), or None when it is no
    date ('长期', '尽快'). A month without a year is of `year`."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = re.sub(r"(底|末|前|之前|以前|止|为止|内)$", "", text)
    if re.fullmatch(r"\d{1,2}月(\d{1,2}日)?", text):
        text = f"{year}年{text}"
    try:
        iso = parse_date(value if isinstance(value, dt.date) else text.rstrip("日号"))
    except ValueError:
        return None
    if iso is None or len(iso) == 4:
        return None
    if len(iso) == 7:
        y, m = int(iso[:4]), int(iso[5:])
        return f"{iso}-{calendar.monthrange(y, m)[1]:02d}"
    return iso


def _default_due(first: Period, days: int) -> str:
    return (dt.date.fromisoformat(first.end) + dt.timedelta(days=days)).isoformat()


def _months_between(a: str, b: str) -> int:
    """Months from period a to period b, counting both: 2024-02 .. 2024-04 = 3."""
    pa, pb = Period.parse(a), Period.parse(b)
    return (pb.year - pa.year) * 12 + pb.month - pa.month + 1


# --- the ledger, month by month ----------------------------------------------------------------


@dataclass
class _Tracked:
    """A problem while the months are replayed (mutable; frozen as a Problem at the end)."""

    id: str
    key: str
    project: str
    unit: str
    text: str
    first_period: str
    last_period: str
    owner_unit: str = ""
    owner: str = ""
    due_typed: str = ""
    done: str = ""  # the unit's 解决情况, latest
    solved_in: str = ""  # the month the unit wrote it solved
    matched: str = "新问题"
    first_text: str = ""


@dataclass(frozen=True)
class Ledger:
    """The problem ledger as of a month, and what the clerk should know about it."""

    period: str
    problems: tuple[Problem, ...]
    new_ids: tuple[tuple[str, str, str, str], ...] = ()  # IDs given in this reading
    notes: tuple[str, ...] = ()  # e.g. an edit for an ID no longer in the ledger

    def open(self) -> list[Problem]:
        return [p for p in self.problems if p.is_open]

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for p in self.problems if p.status == s) for s in STATUSES}
        return {
            "period": self.period,
            "counts": {"total": len(self.problems), **counts},
            "closure_rate": rate(self.problems),
            "problems": [p.to_dict() for p in self.problems],
            "notes": list(self.notes),
        }


def months_stored(store: Store, upto: str | None) -> list[str]:
    """The stored months up to `upto` (all when None), in order."""
    out = []
    for key in store.periods():
        try:
            if Period.parse(key).kind != MONTH:
                continue
        except BadPeriod:
            continue
        if upto is None or key <= upto:
            out.append(key)
    return out


def ledger(store: Store, period: str | None, settings: Settings) -> Ledger:
    """The problem ledger as of `period` (default: the latest stored month), from the stored
    months and the clerk's edits. Reads only; IDs new in this reading are in `new_ids`."""
    months = months_stored(store, period)
    if not months:
        return Ledger(period or "", ())
    asof = period or months[-1]
    known = store.problem_ids()
    tracked, seen = _replay(store, months, known, settings)
    edits = store.problem_edits()
    problems = tuple(_final(t, seen, asof, edits.get(t.id, {}), settings) for t in tracked)
    given = {k["id"] for k in known}
    new = tuple((t.id, t.key, t.first_period, t.first_text) for t in tracked if t.id not in given)
    ids = {t.id for t in tracked}
    stray = tuple(f"问题台账里改过的编号 {i} 已不在台账中，未采用" for i in edits if i not in ids)
    return Ledger(asof, problems, new, stray)


def _replay(
    store: Store, months: list[str], known: list[dict[str, str]], settings: Settings
) -> tuple[list[_Tracked], dict[str, str]]:
    """Every stored month in order: problems recognised, new ones given their IDs. Returns
    the problems and, for each project key, the last month its project was reported."""
    tracked: list[_Tracked] = []
    by_key: dict[str, list[_Tracked]] = {}
    seen: dict[str, str] = {}
    ids = _Ids(known)
    for month in months:
        for k in store.kept(month) or []:
            seen[k.key] = month
            reported = split_problems(k.project.problems)
            found = _match(reported, by_key.get(k.key, []), settings.problem_similarity)
            for text, old in found:
                if old is None:
                    old = _Tracked(
                        ids.give(k.key, month, text),
                        k.key,
                        str(k.project.name or ""),
                        str(k.project.unit or ""),
                        text,
                        month,
                        month,
                    )
                    tracked.append(old)
                    by_key.setdefault(k.key, []).append(old)
                _seen(old, k, month, text)
    return tracked, seen


def _match(
    texts: list[str], candidates: list[_Tracked], threshold: float
) -> list[tuple[str, _Tracked | None]]:
    """This month's texts paired with the project's tracked problems: the same text first,
    then the most alike pairs, each problem at most once; a text with no pair at `threshold`
    is new."""
    paired: dict[int, _Tracked] = {}
    taken: set[int] = set()
    keys = {id(t): _plain_key(t.text) for t in candidates}
    for i, text in enumerate(texts):  # the same text: most problems, most months
        key = _plain_key(text)
        same = next((t for t in candidates if id(t) not in taken and keys[id(t)] == key), None)
        if same is not None:
            paired[i] = same
            taken.add(id(same))
            same.matched = "原文相同"
    pairs = []
    for i, text in enumerate(texts):
        if i in paired:
            continue
        key = _plain_key(text)
        for j, t in enumerate(candidates):
            if id(t) in taken:
                continue
            matcher = SequenceMatcher(None, key, keys[id(t)], autojunk=False)
            if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold:
                pairs.append((matcher.ratio(), -i, -j, t))
    for score, neg_i, _, t in sorted(pairs, key=lambda x: x[:3], reverse=True):
        if score < threshold or -neg_i in paired or id(t) in taken:
            continue
        paired[-neg_i] = t
        taken.add(id(t))
        t.matched = f"文字相近（相似度{score:.2f}，原为“{t.text}”）"
    return [(text, paired.get(i)) for i, text in enumerate(texts)]


def _seen(t: _Tracked, k: Kept, month: str, text: str) -> None:
    """A tracked problem reported in `month`: its latest text and columns."""
    p: Project = k.project
    t.first_text = t.first_text or text
    t.text, t.last_period = text, month
    if t.first_period == month:
        t.matched = "新问题"
    owner_unit, owner = _owner(p)
    t.owner_unit, t.owner = owner_unit or t.owner_unit, owner or t.owner
    t.due_typed = str(p.problem_due or "") or t.due_typed
    done = str(p.problem_done or "").strip()
    t.done = done or t.done
    if done and any(w in done for w in SOLVED_WORDS):
        t.solved_in = t.solved_in or month
    else:
        t.solved_in = ""  # reported again and not solved: open again


def _owner(p: Project) -> tuple[str, str]:
    """责任单位 and 责任人 of a row's problems: its columns (a cell "区住建局 张三" gives both),
    else the project's unit and 包抓领导."""
    unit, person = str(p.problem_unit or "").strip(), str(p.problem_person or "").strip()
    if unit and not person:
        parts = re.split(r"[\s、，,/；;]+", unit)
        if len(parts) >= 2 and _is_person(parts[-1]):
            unit, person = "、".join(parts[:-1]), parts[-1]
    return unit or str(p.unit or ""), person or str(p.leader or "")


_BODY_ENDS = (
    "局",
    "委",
    "办",
    "镇",
    "乡",
    "街道",
    "公司",
    "中心",
    "院",
    "所",
    "区",
    "县",
    "厅",
    "部",
    "处",
    "站",
    "队",
)


def _is_person(word: str) -> bool:
    return 2 <= len(word) <= 4 and not word.endswith(_BODY_ENDS)


class _Ids:
    """IDs: the one given before to the same problem (project, first month, text), else
    the next number of its month not given to any problem."""

    def __init__(self, known: list[dict[str, str]]) -> None:
        self.known = {(k["key"], k["first_period"], _plain_key(k["text"])): k["id"] for k in known}
        self.reserved = {k["id"] for k in known}
        self.used: set[str] = set()
        self.next: dict[str, int] = {}  # month -> the number to try next

    def give(self, key: str, month: str, text: str) -> str:
        pid = self.known.get((key, month, _plain_key(text))) or ""
        if not pid or pid in self.used:
            stem, n = "WT" + month.replace("-", ""), self.next.get(month, 1)
            while (pid := f"{stem}-{n:03d}") in self.reserved or pid in self.used:
                n += 1
            self.next[month] = n + 1
        self.used.add(pid)
        return pid


def _final(
    t: _Tracked, seen: dict[str, str], asof: str, edit: dict[str, str], settings: Settings
) -> Problem:
    """A tracked problem as of `asof`, the clerk's edits applied over the inference."""
    period = Period.parse(asof)
    first = Period.parse(t.first_period)
    due = parse_due(t.due_typed, first.year) if t.due_typed else None
    due_text = due or t.due_typed or _default_due(first, settings.problem_days)
    if "due" in edit:
        due_text = parse_due(edit["due"], period.year) or edit["due"]
    due_day = due_text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", due_text) else None
    notes = []
    if t.solved_in:
        status, closed_in = CLOSED, t.solved_in
    elif t.last_period < seen.get(t.key, t.last_period):
        status, closed_in = PENDING, ""
    elif due_day and due_day < period.end:
        status, closed_in = OVERDUE, ""
    else:
        status, closed_in = OPEN, ""
    if "status" in edit and edit["status"] in STATUS_WORDS:
        status = STATUS_WORDS[edit["status"]]
        closed_in = closed_in or (t.last_period if status == CLOSED else "")
        if status == OPEN and due_day and due_day < period.end:
            notes.append("已过时限")
        if status == CLOSED and t.last_period == asof and not t.solved_in:
            notes.append("已核销，但单位本月仍在报告此问题")
    if status == PENDING:
        notes.append(f"{month_label(seen[t.key])}台账已不再报告此问题，请核实后将状态改为已办结")
    months_open = _months_between(t.first_period, closed_in or asof)
    stale = status != CLOSED and months_open >= settings.problem_stale_months
    if stale:
        notes.append(f"已持续{months_open}个月未解决")
    if edit.get("note"):
        notes.insert(0, edit["note"])
    return Problem(
        id=t.id,
        key=t.key,
        project=t.project,
        unit=t.unit,
        text=t.text,
        topic=topic_of(t.text),
        owner_unit=edit.get("owner_unit", t.owner_unit),
        owner=edit.get("owner", t.owner),
        due=due_text,
        status=status,
        first_period=t.first_period,
        last_period=t.last_period,
        months_open=months_open,
        handling=edit.get("handling", t.done),
        matched=t.matched if t.last_period == asof else "本月未报告",
        note="；".join(notes),
        edited=tuple(f for f in EDITABLE if f in edit),
        stale=stale,
    )


def month_label(key: str) -> str:
    """'2024-03' -> '3月' (the year is the ledger's)."""
    return f"{int(key[5:7])}月" if len(key) == 7 else key


# --- what other parts read: plain functions over stored data ---------------------------------


def rate(problems: Iterable[Problem]) -> float | None:
    """办结率 in % (one decimal, half up), None with no problem."""
    items = list(problems)
    if not items:
        return None
    closed = sum(1 for p in items if p.status == CLOSED)
    return float(half_up(Decimal(closed * 100) / len(items), 1))


def of_year(problems: Iterable[Problem], period: str) -> list[Problem]:
    """The problems first reported in the year of `period` (交办问题 of the year)."""
    year = period[:4]
    return [p for p in problems if p.first_period.startswith(year)]


def closure_rate(store: Store, period: str, unit: str | None, settings: Settings) -> float | None:
    """问题办结率 of the year up to `period`, % (None: no problem), for one 责任单位 (the
    problem's owner unit, or the project's unit) or all when `unit` is None."""
    items = of_year(ledger(store, period, settings).problems, period)
    if unit is not None:
        items = [p for p in items if unit in (p.owner_unit, p.unit)]
    return rate(items)


def overdue(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.status == OVERDUE]


def summary(problems: Sequence[Problem], period: str) -> dict[str, Any]:
    """The bulletin's sentence on the year's problems: 交办问题 total, 已办结, 办结率 (a
    fraction, for the pct filter), the overdue ones and those open for months, named."""
    items = of_year(problems, period) if period else []
    closed = sum(1 for p in items if p.status == CLOSED)

    def named(p: Problem) -> dict[str, Any]:
        return {**p.to_dict(), "due_text": date_text(p.due)}

    return {
        "total": len(items),
        "closed": closed,
        "closure_rate": Decimal(closed) / len(items) if items else None,
        "overdue": [named(p) for p in items if p.status == OVERDUE],
        "stale": [named(p) for p in items if p.stale],
        "pending": sum(1 for p in items if p.status == PENDING),
    }


def date_text(iso: str) -> str:
    """'2024-03-01' -> '2024年3月1日'; anything else as it is ('长期')."""
    parts = iso.split("-")
    if len(parts) == 3 and all(x.isdigit() for x in parts):
        return f"{parts[0]}年{int(parts[1])}月{int(parts[2])}日"
    return iso
