"""Synthetic corpus of unit ledgers (重点项目台账) for benchmarks.

Deterministic: the same (files, rows, seed, plain) always gives the same bytes.

    python bench/corpus.py OUTDIR --files 200 --rows 110 --seed 1 [--plain] [--expected FILE]

writes OUTDIR/<unit>.xlsx, one file per responsible unit (卧龙镇.xlsx, 区住建局.xlsx, ...),
period 2024年1-4月, money in 万元, and prints the expected totals as JSON.

Layout of a normal file (every file varies header spellings, optional columns, styles):

    XX镇2024年重点项目推进台账（1-4月）                 (merged title)
    填报单位：XX镇（盖章）                  单位：万元
    序号 | 项目名称 | ... | 投资情况（万元）              | 是否开工 | ... | 包抓领导
         |          |     | 总投资 | 2024年计划投资 | 1-4月累计完成投资 |
    合计                   (correct sums of all projects)
    一、续建项目（5个）     (either with its subtotal in the money columns, or followed by
      1 | ...               a 小计 row after its projects)
    小计
    二、新建项目（N个）
    三、前期项目（N个）
    填报人：张三    审核人：李四    填报日期：2024年5月5日
    注：...                 (sometimes)

Quirks: some money cells are text ("1,200", "１２３．５", " 300 "), the ytd of projects
not started is 0, blank, "—" or "/"; 包抓领导 cells are merged down 1-4 rows; dates are
Excel dates, "2024.3" or "2024年3月".

``--plain`` writes one header row ("总投资（万元）" ...) then the project rows only: no
title, no sections, no totals, no footer, no merged cells, no numbers as text.

``generate()`` returns the expected figures: projects, started, total_investment,
annual_plan, ytd_completed (Decimal, 万元), overall, by category and by file.
A money cell written as "—", "/" or blank counts as 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

YEAR = 2024
MONTH = 4
CREATED = dt.datetime(2024, 5, 5, 9, 0, 0)

CATEGORIES = ("续建", "新建", "前期")
SECTION_NUMERALS = ("一", "二", "三")

# Real 襄城区 units first, then district departments, then made-up towns.
REAL_UNITS = [
    "卧龙镇",
    "尹集乡",
    "欧庙镇",
    "庞公街道",
    "檀溪街道",
    "真武山街道",
    "隆中街道",
    "余家湖街道",
    "襄城经济开发区",
    "区交通运输局",
    "区住建局",
    "区农业农村局",
    "区水利和湖泊局",
    "区文化和旅游局",
    "区教育局",
    "区卫生健康局",
    "区经信局",
    "区商务局",
    "区自然资源和规划局",
    "区城市管理执法局",
    "区民政局",
    "区科技局",
    "区生态环境分局",
    "区人社局",
    "区应急管理局",
    "区城投公司",
]
TOWN_STEMS = [
    "黄龙",
    "东津",
    "石桥",
    "柳树",
    "青山",
    "白马",
    "双沟",
    "张湾",
    "泥嘴",
    "峪山",
    "古驿",
    "龙王",
    "程河",
    "黄集",
    "伙牌",
    "朱集",
    "牛首",
    "竹条",
    "太平",
    "刘集",
    "茨河",
    "石花",
    "盛康",
    "紫金",
    "熊河",
    "新集",
    "板桥",
    "马桥",
    "平林",
    "环城",
    "黄渠河",
    "卸甲店",
    "薛坪",
    "小河",
    "王集",
    "流水",
    "东巩",
    "巡检",
    "肖堰",
    "清河",
    "龙坪",
    "长坪",
    "五山",
    "鸭湖",
    "团山",
    "米庄",
    "张家集",
    "琚湾",
    "七方",
    "杨垱",
    "吴店",
    "兴隆",
    "耿集",
    "高店",
    "熊营",
    "李楼",
    "浩然",
    "九集",
    "荆山",
]
TOWN_SUFFIXES = ("镇", "乡", "街道")

VILLAGES = [
    "姚庵村",
    "茶园村",
    "黄家村",
    "王家湾村",
    "肖营村",
    "红花村",
    "柿铺村",
    "贾洲村",
    "长营村",
    "古城村",
    "龙湾村",
    "李家湾村",
    "白庙村",
    "樊庄村",
    "曹湾村",
    "何岗村",
    "胡家岗村",
    "邓城村",
    "三岔村",
    "双河村",
]

SUBJECTS = {
    "工业": [
        "新材料产业园",
        "精密机械制造",
        "汽车零部件生产线",
        "智能装备产业园",
        "农产品精深加工",
        "分布式光伏发电",
        "绿色建材产业园",
        "电子元器件生产",
        "食品加工产业园",
        "生物医药产业园",
        "标准化厂房",
        "再生资源综合利用",
    ],
    "农业农村": [
        "高标准农田建设",
        "美丽乡村示范片建设",
        "农村人居环境整治",
        "万亩蔬菜基地建设",
        "茶叶基地提档升级",
        "生猪标准化养殖小区",
        "农产品冷链物流中心",
        "农村饮水安全巩固提升",
        "小型水库除险加固",
        "水系连通及水美乡村",
        "现代农业产业园",
    ],
    "基础设施": [
        "集镇道路提档升级",
        "污水处理厂及配套管网",
        "供水管网改造",
        "雨污分流改造",
        "危桥改造",
        "公共停车场建设",
        "新能源汽车充电桩",
        "农村公路提档升级",
        "防洪堤加固",
        "天然气管网延伸",
        "垃圾转运站建设",
    ],
    "社会民生": [
        "中心小学改扩建",
        "卫生院改扩建",
        "养老服务中心",
        "老旧小区改造",
        "保障性住房",
        "公办幼儿园建设",
        "社区综合服务中心",
        "全民健身中心",
        "便民服务中心",
    ],
    "文化旅游": [
        "景区提档升级",
        "文化公园",
        "游客服务中心",
        "民宿集群",
        "研学基地",
        "古镇保护利用",
        "乡村旅游示范区",
        "非遗文化展示馆",
    ],
    "服务业": [
        "商贸综合体",
        "物流园",
        "农贸市场改造",
        "电商产业园",
        "星级酒店",
        "汽车服务产业园",
        "仓储配送中心",
    ],
}
SECTORS = list(SUBJECTS)
SECTOR_WEIGHTS = [22, 20, 22, 16, 10, 10]
NAME_SUFFIXES = ["项目", "工程", "建设项目", "项目", "工程"]
PHASES = ["（一期）", "（二期）", "（三期）", "（四期）", "（五期）"]

LEADERS = [
    "王建国",
    "李卫东",
    "张红梅",
    "刘志强",
    "陈晓明",
    "杨国平",
    "赵德华",
    "黄春燕",
    "周建平",
    "吴海峰",
    "徐立新",
    "孙丽华",
    "马文斌",
    "朱玉兰",
    "胡志刚",
    "郭爱民",
    "何建军",
    "高俊杰",
    "林德胜",
    "罗明辉",
]
CLERKS = [
    "张三",
    "李娜",
    "王磊",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄鹏",
    "周婷",
    "吴昊",
    "徐丽",
    "孙强",
]
COMPANY_WORDS = [
    "汉江",
    "隆中",
    "卧龙",
    "华中",
    "楚襄",
    "鑫源",
    "荆楚",
    "万山",
    "岘山",
    "襄水",
    "恒达",
    "宏图",
]
COMPANY_KINDS = [
    "建设投资有限公司",
    "实业有限公司",
    "科技有限公司",
    "新材料有限公司",
    "文化旅游开发有限公司",
    "农业发展有限公司",
    "置业有限公司",
]
LEVELS = ["省重点", "市级", "区级", "区级", "区级", "市级"]

PROGRESS_STARTED = {
    "工业": [
        "厂房主体结构完成{p}%",
        "钢结构吊装完成{p}%",
        "设备安装调试中",
        "一期已投产，二期主体施工",
        "正在进行场地平整",
    ],
    "农业农村": [
        "已完成土地平整{p}%",
        "渠道衬砌完成{p}%",
        "示范点建设完成{p}%",
        "冷库主体完工，正在安装设备",
        "正在进行苗木栽植",
    ],
    "基础设施": [
        "管网铺设完成{p}%",
        "路基施工完成{p}%",
        "已完成土方开挖，正在浇筑基础",
        "主体工程完成{p}%",
        "正在进行路面摊铺",
    ],
    "社会民生": [
        "主体结构完成{p}%",
        "装饰装修阶段",
        "已完成{p}个小区改造",
        "主体封顶，正在进行室内装修",
        "正在进行基础施工",
    ],
    "文化旅游": [
        "景区道路完成{p}%",
        "主体结构完成{p}%",
        "正在进行景观绿化",
        "游客中心主体封顶",
        "正在进行基础施工",
    ],
    "服务业": [
        "主体结构完成{p}%",
        "仓储用房主体完工",
        "装饰装修阶段",
        "正在进行基础施工",
        "部分商铺已投入运营",
    ],
}
PROGRESS_NOT_STARTED = [
    "正在办理土地手续",
    "已完成可研批复，正在开展初步设计",
    "正在进行招投标",
    "已完成立项备案",
    "正在办理环评手续",
    "施工图设计审查中",
    "正在开展征地拆迁",
]
PROBLEMS = [
    "无",
    "无",
    "",
    "征地拆迁进度较慢",
    "项目资金缺口较大，需协调融资",
    "用地指标尚未落实",
    "施工临时用电需协调供电部门",
    "环评审批时间较长",
    "受雨季影响，施工进度滞后",
    "",
]
CONTENT = {
    "工业": "新建标准化厂房{a}平方米及配套设施，购置生产设备{b}台（套）",
    "农业农村": "建设高标准农田{a}亩，配套建设灌溉渠道{b}公里",
    "基础设施": "新建（改造）道路{b}公里、管网{a}米及附属设施",
    "社会民生": "新建综合楼{a}平方米，配套室外工程及设施设备",
    "文化旅游": "提升景区道路{b}公里，新建游客服务设施{a}平方米",
    "服务业": "建设商业及仓储用房{a}平方米，配套停车场、道路等",
}

FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


@dataclass
class Project:
    name: str
    owner: str
    category: str  # 续建 / 新建 / 前期
    level: str
    sector: str
    content: str
    period: str
    total: Decimal
    plan: Decimal
    month: Decimal
    ytd: Decimal
    started: bool
    planned_start: dt.date | None
    actual_start: dt.date | None
    progress: str
    problems: str
    leader: str = ""


# --------------------------------------------------------------------------- values


def fmt_decimal(d: Decimal) -> str:
    """'1200', '1234.5', '0.36': no exponent, no trailing zeros."""
    s = format(d.normalize(), "f")
    return s


def _q(x: float, step: str) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(step), rounding=ROUND_HALF_UP)


def money_values(rng: random.Random, category: str, started: bool):
    """(total, plan, month, ytd) in 万元, realistic and consistent."""
    total_f = math.exp(rng.uniform(math.log(500), math.log(500000)))
    if total_f < 2000:
        total = _q(total_f, "0.1" if rng.random() < 0.4 else "1")
    elif total_f < 100000:
        total = _q(total_f / 10, "1") * 10
    else:
        total = _q(total_f / 100, "1") * 100
    total = min(max(total, Decimal(500)), Decimal(500000))
    if category == "续建":
        frac = rng.uniform(0.15, 0.8)
    elif category == "新建":
        frac = rng.uniform(0.1, 1.0)
    else:
        frac = rng.uniform(0.01, 0.1)
    plan = min(_q(float(total) * frac, "1" if rng.random() < 0.7 else "0.1"), total)
    plan = max(plan, Decimal("10"))
    if started:
        ytd = _q(float(plan) * rng.uniform(0.0, 1.4), "0.01" if rng.random() < 0.5 else "0.1")
        ytd = min(ytd, total)
    elif category == "前期" and rng.random() < 0.3:
        ytd = _q(float(plan) * rng.uniform(0.0, 0.5), "0.1")  # 前期工作经费
    else:
        ytd = Decimal(0)
    month = _q(float(ytd) * rng.uniform(0.15, 0.45), "0.1") if ytd else Decimal(0)
    return total, plan, month, ytd


def _date(rng: random.Random, year: int, m_lo: int, m_hi: int) -> dt.date:
    return dt.date(year, rng.randint(m_lo, m_hi), rng.randint(1, 28))


# --------------------------------------------------------------------------- names


def unit_names(n: int, rng: random.Random) -> list[str]:
    out = list(REAL_UNITS[:n])
    towns = [s + suf for s in TOWN_STEMS for suf in TOWN_SUFFIXES]
    rng.shuffle(towns)
    # one town per stem, then 第1镇, 第2乡 ...
    seen_stems: set[str] = set()
    first = []
    for t in towns:
        stem = t.rstrip("镇乡").removesuffix("街道")
        if stem not in seen_stems:
            first.append(t)
            seen_stems.add(stem)
    for t in first:
        if len(out) >= n:
            break
        out.append(t)
    k = 1
    while len(out) < n:
        out.append(f"第{k}{rng.choice(('镇', '乡', '街道'))}")
        k += 1
    return out


def short_place(unit: str) -> str:
    if unit.startswith("区"):
        return "襄城区"
    if unit.endswith("经济开发区"):
        return "襄城经济开发区"
    return unit


class NameBook:
    """Unique project names across the whole corpus."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, rng: random.Random, unit: str, sector: str) -> str:
        place = short_place(unit)
        for _ in range(30):
            subject = rng.choice(SUBJECTS[sector])
            where = place
            if rng.random() < 0.35 and not unit.startswith("区"):
                where = place + rng.choice(VILLAGES)
            name = where + subject + rng.choice(NAME_SUFFIXES)
            if name not in self.used:
                self.used.add(name)
                return name
        base = place + rng.choice(SUBJECTS[sector])
        suffix = rng.choice(NAME_SUFFIXES)
        for phase in PHASES:
            name = f"{base}{phase}{suffix}"
            if name not in self.used:
                self.used.add(name)
                return name
        k = 1
        while True:
            name = f"{base}（{k}号地块）{suffix}"
            if name not in self.used:
                self.used.add(name)
                return name
            k += 1


def owner_for(rng: random.Random, unit: str, sector: str) -> str:
    r = rng.random()
    if r < 0.3 and not unit.startswith("区"):
        if unit.endswith("经济开发区"):
            return "襄城经济开发区管委会"
        return f"襄阳市襄城区{unit}人民政府" if not unit.endswith("街道") else f"襄城区{unit}办事处"
    if r < 0.45 and unit.startswith("区"):
        return "襄阳市襄城" + unit
    if r < 0.55:
        return "襄城区城市建设投资有限公司"
    return (
        ("湖北" if rng.random() < 0.4 else "襄阳")
        + rng.choice(COMPANY_WORDS)
        + rng.choice(COMPANY_KINDS)
    )


def make_projects(rng: random.Random, unit: str, n: int, names: NameBook) -> list[Project]:
    cats = rng.choices(CATEGORIES, weights=[40, 45, 15], k=n)
    cats.sort(key=CATEGORIES.index)
    leaders = rng.sample(LEADERS, 6)
    projects = []
    for cat in cats:
        sector = rng.choices(SECTORS, weights=SECTOR_WEIGHTS)[0]
        started = cat == "续建" or (cat == "新建" and rng.random() < 0.75)
        total, plan, month, ytd = money_values(rng, cat, started)
        planned: dt.date | None
        actual: dt.date | None
        if cat == "续建":
            y0 = rng.choice((2021, 2022, 2023, 2023))
            actual = _date(rng, y0, 1, 12)
            planned = actual
        elif cat == "新建":
            if started:
                planned = _date(rng, YEAR, 1, MONTH)
                actual = planned + dt.timedelta(days=rng.choice((0, 0, 3, 10, 25)))
                actual = min(actual, dt.date(YEAR, MONTH, 28))
            else:
                planned = _date(rng, YEAR, 3, 10)
                actual = None
        else:
            planned = _date(rng, YEAR, 6, 12) if rng.random() < 0.6 else None
            actual = None
        y_start = actual.year if actual else YEAR
        y_end = max(
            y_start + rng.choice((1, 2, 2, 3)), YEAR + (cat != "续建" or rng.random() < 0.5)
        )
        period = f"{y_start}-{y_end}"
        if started:
            progress = rng.choice(PROGRESS_STARTED[sector]).format(p=rng.randint(10, 95))
        else:
            progress = rng.choice(PROGRESS_NOT_STARTED)
        content = CONTENT[sector].format(a=rng.randint(2, 120) * 500, b=rng.randint(2, 60))
        projects.append(
            Project(
                name=names.make(rng, unit, sector),
                owner=owner_for(rng, unit, sector),
                category=cat,
                level=rng.choice(LEVELS),
                sector=sector,
                content=content,
                period=period,
                total=total,
                plan=plan,
                month=month,
                ytd=ytd,
                started=started,
                planned_start=planned,
                actual_start=actual,
                progress=progress,
                problems=rng.choice(PROBLEMS),
            )
        )
    # leaders: runs of 1-4 consecutive projects within a category share one leader
    i = 0
    leader = ""
    while i < n:
        run = rng.randint(1, 4)
        leader = rng.choice([x for x in leaders if x != leader])
        for j in range(i, min(n, i + run)):
            if projects[j].category != projects[i].category:
                break
            projects[j].leader = leader
            run_end = j
        i = run_end + 1
    return projects


# --------------------------------------------------------------------------- layout


def choose_layout(rng: random.Random, plain: bool) -> dict:
    m = MONTH
    lay = {
        "name": rng.choice(["项目名称", "建设项目名称", "项目名称"]),
        "owner": rng.choice(["项目业主", "建设单位", "业主单位"]),
        "category": rng.choice(["建设性质", "项目性质", "项目类别", None]),
        "cat_spelling": rng.choice(["plain", "plain", "alt"]),  # alt: 在建 / 新开工
        "unit_col": rng.choice(["责任单位", "牵头单位", None, None, None]),
        "level": rng.choice(["项目级别", None]),
        "sector": rng.choice(["行业领域", "行业领域", None]),
        "content": rng.choice(["建设内容及规模", "主要建设内容", "建设规模及内容", None]),
        "period": rng.choice(["建设起止年限", "建设年限", None]),
        "total": rng.choice(["总投资", "计划总投资"]),
        "plan": rng.choice(["年度计划投资", f"{YEAR}年计划投资", "本年计划"]),
        "month": rng.choice([f"{m}月完成投资", "本月完成投资", None, None]),
        "ytd": rng.choice(["累计完成投资", f"1-{m}月累计完成投资", f"1-{m}月完成投资"]),
        "started": rng.choice([("是否开工", "是", "否"), ("开工情况", "已开工", "未开工")]),
        "planned_start": rng.choice(["计划开工时间", None]),
        "actual_start": rng.choice(["实际开工时间", "实际开工时间", None]),
        "progress": rng.choice(["形象进度", "工程进展", "项目进展情况"]),
        "problems": rng.choice(["存在问题", "存在的问题及建议", "需协调解决的问题", None]),
        "leader": rng.choice(["包抓领导", "分包领导", "责任领导", "包保领导"]),
        "leader_first": rng.random() < 0.25,
        "date_style": rng.choice(["date", "date", "dot", "cn", "mixed"]),
        "sheet": rng.choice(["Sheet1", "台账", "重点项目", f"{m}月", f"1-{m}月"]),
        "subtotal_style": rng.choice(["row", "row", "section"]),
        "seq_restart": rng.random() < 0.6,
        "text_rate": 0.0 if plain else rng.choice([0.0, 0.03, 0.06, 0.1]),
        "blank_ytd": rng.choice(["0", "blank", "—", "/"]),
        "unit_line": rng.choice(["right", "left", "both"]),
        "group_label": rng.choice(["投资情况（万元）", "投资情况（万元）", "投资情况"]),
        "date_group": rng.random() < 0.4,
        "num_format": rng.choice(["0.00", "#,##0.00", "0.0", "General", "#,##0"]),
        "note": rng.random() < 0.4,
    }
    if plain:
        lay["leader_first"] = False
        lay["date_style"] = "date"
    return lay


def columns_for(lay: dict, plain: bool) -> list[tuple[str, str, str | None]]:
    """List of (field, header, group) in column order."""
    cols: list[tuple[str, str, str | None]] = [("seq", "序号", None), ("name", lay["name"], None)]
    if lay["leader_first"]:
        cols.append(("leader", lay["leader"], None))
    for f in ("unit_col", "owner", "category", "level", "sector", "content", "period"):
        if lay[f]:
            cols.append((f, lay[f], None))
    money_group = None if plain else lay["group_label"]
    money = ["total", "plan"] + (["month"] if lay["month"] else []) + ["ytd"]
    for f in money:
        header = lay[f]
        if plain:
            header += "（万元）"
        cols.append((f, header, money_group))
    has_dates = bool(lay["planned_start"] or lay["actual_start"])
    date_group = None
    if lay["date_group"] and has_dates and lay["started"][0] == "是否开工" and not plain:
        date_group = "开工情况"
    cols.append(("started", lay["started"][0], date_group))
    for f in ("planned_start", "actual_start"):
        if lay[f]:
            cols.append((f, lay[f], date_group))
    for f in ("progress", "problems"):
        if lay[f]:
            cols.append((f, lay[f], None))
    if not lay["leader_first"]:
        cols.append(("leader", lay["leader"], None))
    return cols


def money_text(rng: random.Random, d: Decimal) -> str:
    kind = rng.random()
    s = fmt_decimal(d)
    if kind < 0.4 and d >= 1000:
        return format(d.normalize(), ",f")
    if kind < 0.7:
        return s.translate(FULL_WIDTH)
    return f" {s} "


def date_text(style: str, rng: random.Random, d: dt.date | None):
    if d is None:
        return None
    if style == "mixed":
        style = rng.choice(["date", "dot", "cn", "iso"])
    if style == "date":
        return d
    if style == "dot":
        return f"{d.year}.{d.month}"
    if style == "iso":
        return d.isoformat()
    return f"{d.year}年{d.month}月"


def category_label(cat: str, lay: dict) -> str:
    if lay["cat_spelling"] == "alt":
        return {"续建": "在建", "新建": "新开工", "前期": "前期"}[cat]
    return cat


# --------------------------------------------------------------------------- writing


def write_unit(
    path: Path, unit: str, projects: list[Project], rng: random.Random, plain: bool
) -> None:
    lay = choose_layout(rng, plain)
    cols = columns_for(lay, plain)
    ncol = len(cols)
    idx = {f: i for i, (f, _, _) in enumerate(cols)}
    money_fields = [f for f in ("total", "plan", "month", "ytd") if f in idx]

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"author": "Administrator", "created": CREATED, "company": "襄城区"})
    ws = wb.add_worksheet(lay["sheet"])

    border = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
    f_title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    f_head = wb.add_format({**border, "bold": True, "align": "center", "text_wrap": True})
    f_text = wb.add_format({**border, "text_wrap": True})
    f_center = wb.add_format({**border, "align": "center"})
    f_num = wb.add_format({**border, "num_format": lay["num_format"]})
    f_date = wb.add_format({**border, "num_format": "yyyy-mm-dd", "align": "center"})
    f_bold = wb.add_format({**border, "bold": True})
    f_bold_num = wb.add_format({**border, "bold": True, "num_format": lay["num_format"]})
    f_plain = wb.add_format({"font_name": "宋体", "font_size": 10})

    ws.set_column(0, 0, 5)
    ws.set_column(idx["name"], idx["name"], 30)
    ws.set_column(idx["name"] + 1, ncol - 1, 11)

    started_yes, started_no = lay["started"][1], lay["started"][2]

    def write_project(r: int, p: Project, seq: int) -> None:
        for f, c in idx.items():
            if f == "seq":
                ws.write_number(r, c, seq, f_center)
            elif f == "name":
                ws.write_string(r, c, p.name, f_text)
            elif f == "unit_col":
                ws.write_string(r, c, unit, f_text)
            elif f == "owner":
                ws.write_string(r, c, p.owner, f_text)
            elif f == "category":
                ws.write_string(r, c, category_label(p.category, lay), f_center)
            elif f == "level":
                ws.write_string(r, c, p.level, f_center)
            elif f == "sector":
                ws.write_string(r, c, p.sector, f_center)
            elif f == "content":
                ws.write_string(r, c, p.content, f_text)
            elif f == "period":
                ws.write_string(r, c, p.period, f_center)
            elif f in ("total", "plan", "month", "ytd"):
                v = getattr(p, f)
                if f in ("ytd", "month") and not v:
                    marker = lay["blank_ytd"]
                    if plain or marker == "0":
                        ws.write_number(r, c, 0, f_num)
                    elif marker == "blank":
                        ws.write_blank(r, c, None, f_num)
                    else:
                        ws.write_string(r, c, marker, f_center)
                elif lay["text_rate"] and rng.random() < lay["text_rate"]:
                    ws.write_string(r, c, money_text(rng, v), f_text)
                else:
                    ws.write_number(r, c, float(v), f_num)
            elif f == "started":
                ws.write_string(r, c, started_yes if p.started else started_no, f_center)
            elif f in ("planned_start", "actual_start"):
                d = date_text(lay["date_style"], rng, getattr(p, f))
                if d is None:
                    ws.write_blank(r, c, None, f_center)
                elif isinstance(d, dt.date):
                    ws.write_datetime(r, c, dt.datetime(d.year, d.month, d.day), f_date)
                else:
                    ws.write_string(r, c, d, f_center)
            elif f == "progress":
                ws.write_string(r, c, p.progress, f_text)
            elif f == "problems":
                ws.write_string(r, c, p.problems, f_text)
            elif f == "leader" and (plain or not leader_merged):
                ws.write_string(r, c, p.leader, f_center)

    def write_sums(r: int, label: str, group: list[Project], label_fmt) -> None:
        label_col = idx["name"]
        for c in range(ncol):
            ws.write_blank(r, c, None, f_bold)
        if label_col > 0 and rng.random() < 0.5:
            ws.merge_range(r, 0, r, label_col, label, label_fmt)
        else:
            ws.write_string(r, label_col, label, label_fmt)
        for f in money_fields:
            total = sum((getattr(p, f) for p in group), Decimal(0))
            ws.write_number(r, idx[f], float(total), f_bold_num)

    leader_merged = False
    if plain:
        for c, (_, header, _g) in enumerate(cols):
            ws.write_string(0, c, header, f_head)
        r = 1
        for k, p in enumerate(projects, 1):
            write_project(r, p, k)
            r += 1
        ws.freeze_panes(1, 2)
        wb.close()
        return

    leader_merged = True
    # title and unit line
    title = f"{unit}{YEAR}年重点项目推进台账（1-{MONTH}月）"
    ws.merge_range(0, 0, 0, ncol - 1, title, f_title)
    ws.set_row(0, 30)
    if lay["unit_line"] == "right":
        ws.merge_range(1, ncol - 3, 1, ncol - 1, "单位：万元", wb.add_format({"align": "right"}))
    elif lay["unit_line"] == "left":
        ws.write_string(1, 0, "单位：万元", f_plain)
    else:
        ws.write_string(1, 0, f"填报单位：{unit}（盖章）", f_plain)
        ws.write_string(1, ncol - 2, "单位：万元", f_plain)

    # two-row header
    r0, r1 = 2, 3
    c = 0
    while c < ncol:
        _field, header, group = cols[c]
        if group is None:
            ws.merge_range(r0, c, r1, c, header, f_head)
            c += 1
            continue
        end = c
        while end + 1 < ncol and cols[end + 1][2] == group:
            end += 1
        if end > c:
            ws.merge_range(r0, c, r0, end, group, f_head)
        else:
            ws.write_string(r0, c, group, f_head)
        for k in range(c, end + 1):
            ws.write_string(r1, k, cols[k][1], f_head)
        c = end + 1
    ws.set_row(r1, 28)

    r = 4
    write_sums(r, "合计", projects, f_bold)
    r += 1
    seq = 0
    footer_leader_runs: list[tuple[int, int, str]] = []
    for si, cat in enumerate(CATEGORIES):
        section = [p for p in projects if p.category == cat]
        if not section:
            continue
        label = f"{SECTION_NUMERALS[si]}、{cat}项目（{len(section)}个）"
        if cat == "前期" and rng.random() < 0.5:
            label = f"{SECTION_NUMERALS[si]}、{cat}项目"
        if lay["subtotal_style"] == "section":
            write_sums(r, label, section, f_bold)
        else:
            ws.merge_range(r, 0, r, ncol - 1, label, wb.add_format({**border, "bold": True}))
        r += 1
        if lay["seq_restart"]:
            seq = 0
        run_start = r
        for k, p in enumerate(section):
            seq += 1
            write_project(r, p, seq)
            last = k + 1 == len(section) or section[k + 1].leader != p.leader
            if last:
                footer_leader_runs.append((run_start, r, p.leader))
                run_start = r + 1
            r += 1
        if lay["subtotal_style"] == "row":
            write_sums(r, "小计", section, f_bold)
            r += 1
    lc = idx["leader"]
    for a, b, leader in footer_leader_runs:
        if a == b:
            ws.write_string(a, lc, leader, f_center)
        else:
            ws.merge_range(a, lc, b, lc, leader, f_center)

    clerk, checker = rng.sample(CLERKS, 2)
    day = rng.randint(3, 8)
    r += rng.choice((0, 1))
    ws.write_string(
        r,
        0,
        f"填报人：{clerk}    审核人：{checker}    填报日期：{YEAR}年{MONTH + 1}月{day}日",
        f_plain,
    )
    r += 1
    if lay["note"]:
        ws.write_string(
            r,
            0,
            f"注：1.金额单位为万元；2.“{lay['ytd']}”为{YEAR}年1月1日以来累计数；3.续建项目均视为已开工。",
            f_plain,
        )
    ws.freeze_panes(4, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(2, 3)
    wb.close()


# --------------------------------------------------------------------------- API


def _zero() -> dict:
    return {
        "projects": 0,
        "started": 0,
        "total_investment": Decimal(0),
        "annual_plan": Decimal(0),
        "ytd_completed": Decimal(0),
    }


def _add(acc: dict, p: Project) -> None:
    acc["projects"] += 1
    acc["started"] += int(p.started)
    acc["total_investment"] += p.total
    acc["annual_plan"] += p.plan
    acc["ytd_completed"] += p.ytd


def generate(outdir, files: int, rows: int, seed: int, plain: bool = False) -> dict:
    """Write ``files`` ledgers of ``rows`` projects each into ``outdir``; return expected figures.

    Money figures are Decimal in 万元. Keys: files, projects, started, total_investment,
    annual_plan, ytd_completed, by_category {续建/新建/前期: {...}}, by_file {filename: {...}}.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    master = random.Random(f"ledgerkit-corpus:{seed}")
    units = unit_names(files, master)
    names = NameBook()
    result = {
        "files": files,
        "rows": rows,
        "seed": seed,
        "plain": plain,
        "period": f"{YEAR}年1-{MONTH}月",
    }
    overall = _zero()
    by_cat = {c: _zero() for c in CATEGORIES}
    by_file = {}
    for i, unit in enumerate(units):
        rng = random.Random(f"ledgerkit-corpus:{seed}:{i}")
        projects = make_projects(rng, unit, rows, names)
        fname = f"{unit}.xlsx"
        write_unit(out / fname, unit, projects, rng, plain)
        acc = _zero()
        for p in projects:
            _add(acc, p)
            _add(overall, p)
            _add(by_cat[p.category], p)
        by_file[fname] = {"unit": unit, **acc}
    result.update(overall)
    result["by_category"] = by_cat
    result["by_file"] = by_file
    return result


def to_json(obj):
    if isinstance(obj, Decimal):
        return fmt_decimal(obj) if obj else "0"
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    return obj


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate a synthetic corpus of unit ledgers (.xlsx).")
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--plain",
        action="store_true",
        help="one header row, no totals/sections/merges/text numbers",
    )
    ap.add_argument("--expected", help="also write the expected figures as JSON to this file")
    ap.add_argument("--full", action="store_true", help="print per-file figures too")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = generate(args.outdir, args.files, args.rows, args.seed, args.plain)
    elapsed = time.perf_counter() - t0
    data = to_json(res)
    if args.expected:
        Path(args.expected).write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    if not args.full:
        data = {k: v for k, v in data.items() if k != "by_file"}
    print(json.dumps(data, ensure_ascii=False, indent=1))
    print(f"wrote {args.files} files in {elapsed:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
