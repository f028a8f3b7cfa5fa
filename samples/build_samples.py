"""Build samples/2024-04/: one month (2024年1-4月) of 9 unit ledgers of 襄城区, as units send them.

    python samples/build_samples.py [OUTDIR]

Deterministic: running it twice gives the same bytes (fixed workbook properties and zip
timestamps). Prints the figures a correct merge should find, and writes them to
samples/expected-2024-04.json (outside the ledger folder, so a tool reading the folder
never sees it). See samples/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import xlsxwriter
import xlwt
from openpyxl.styles import Alignment, Border, Font, Side

HERE = Path(__file__).resolve().parent
CREATED = dt.datetime(2024, 5, 6, 9, 30, 0)
ZIP_TIME = (2024, 5, 6, 9, 30, 0)
YI = Decimal(10000)  # 1 亿元 = 10000 万元

CANON_CATEGORY = {"续建": "续建", "在建": "续建", "新建": "新建", "新开工": "新建", "前期": "前期"}

# every project a correct merge must find (money in 万元; None = unreadable cell)
EXPECTED: list[dict] = []


def D(x) -> Decimal:
    return Decimal(str(x))


def expect(
    file: str, unit: str, name: str, category: str, started: bool, total, plan, ytd, factor=1
) -> None:
    def conv(v):
        if v is None:
            return None
        return (D(v) * factor).normalize()

    EXPECTED.append(
        {
            "file": file,
            "unit": unit,
            "name": name,
            "category": CANON_CATEGORY[category],
            "started": started,
            "total_investment": conv(total),
            "annual_plan": conv(plan),
            "ytd_completed": conv(ytd),
        }
    )


def new_xlsxwriter(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"author": "Administrator", "company": "襄城区", "created": CREATED})
    return wb


def normalize_zip(path: Path) -> None:
    """Fixed zip timestamps and docProps dates, so openpyxl output is reproducible."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    stamp = CREATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text
                )
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------- 卧龙镇.xlsx


def build_wolong(out: Path) -> None:
    """Title, 单位 line, two-row header with group, 合计 first, sections with 小计, merged leaders."""
    file, unit = "卧龙镇.xlsx", "卧龙镇"
    gov = "襄阳市襄城区卧龙镇人民政府"
    sections = [
        (
            "续建",
            [
                (
                    "卧龙镇污水处理厂及配套管网工程",
                    gov,
                    "基础设施",
                    "新建日处理0.5万吨污水处理厂1座，配套污水管网18公里",
                    "2023-2024",
                    8600,
                    3200,
                    1150,
                    True,
                    "厂区主体完工，已铺设管网12公里",
                    "无",
                    "王建国",
                ),
                (
                    "卧龙镇万亩高标准农田建设项目",
                    gov,
                    "农业农村",
                    "建设高标准农田1.2万亩，配套渠系、机耕路及农田防护林",
                    "2023-2024",
                    5200,
                    2600,
                    980,
                    True,
                    "土地平整完成8000亩，渠道衬砌完成60%",
                    "部分地块青苗补偿未到位",
                    "王建国",
                ),
            ],
        ),
        (
            "新建",
            [
                (
                    "襄阳绿能新材料产业园项目",
                    "湖北绿能新材料科技有限公司",
                    "工业",
                    "新建标准化厂房8万平方米，建设新型墙体材料生产线3条",
                    "2024-2026",
                    35000,
                    12000,
                    3600,
                    True,
                    "1#、2#厂房基础施工完成",
                    "用地报批手续尚在办理",
                    "刘志强",
                ),
                (
                    "卧龙镇美丽乡村示范片建设项目",
                    gov,
                    "农业农村",
                    "整治村湾5个，建设游步道6公里及污水处理设施",
                    "2024-2025",
                    3800,
                    1500,
                    420,
                    True,
                    "2个村湾整治完成，游步道施工中",
                    "无",
                    "刘志强",
                ),
                (
                    "卧龙镇中心小学改扩建工程",
                    "襄城区卧龙镇中心小学",
                    "社会民生",
                    "新建教学楼4200平方米及200米环形运动场",
                    "2024-2025",
                    2100,
                    1800,
                    0,
                    False,
                    "施工图设计审查中，计划5月开工",
                    "施工许可尚未办理",
                    "张红梅",
                ),
            ],
        ),
    ]
    wb = new_xlsxwriter(out / file)
    ws = wb.add_worksheet("Sheet1")
    b = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
    f_title = wb.add_format(
        {"bold": True, "font_size": 16, "align": "center", "font_name": "方正小标宋简体"}
    )
    f_head = wb.add_format({**b, "bold": True, "align": "center", "text_wrap": True})
    f_text = wb.add_format({**b, "text_wrap": True})
    f_c = wb.add_format({**b, "align": "center"})
    f_num = wb.add_format({**b, "num_format": "#,##0"})
    f_bold = wb.add_format({**b, "bold": True, "align": "center"})
    f_bnum = wb.add_format({**b, "bold": True, "num_format": "#,##0"})
    f_sec = wb.add_format({**b, "bold": True})
    headers = [
        "序号",
        "项目名称",
        "项目业主",
        "建设性质",
        "行业领域",
        "建设内容及规模",
        "建设起止年限",
        "总投资",
        "2024年计划投资",
        "1-4月完成投资",
        "是否开工",
        "形象进度",
        "存在问题",
        "包抓领导",
    ]
    n = len(headers)
    widths = [5, 30, 22, 7, 9, 30, 11, 10, 10, 10, 7, 24, 18, 8]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, n - 1, "卧龙镇2024年重点项目推进台账（1-4月）", f_title)
    ws.set_row(0, 32)
    ws.write_string(1, 0, "填报单位：卧龙镇人民政府（盖章）")
    ws.merge_range(1, n - 3, 1, n - 1, "单位：万元", wb.add_format({"align": "right"}))
    for c, h in enumerate(headers):
        if 7 <= c <= 9:
            ws.write_string(3, c, h, f_head)
        else:
            ws.merge_range(2, c, 3, c, h, f_head)
    ws.merge_range(2, 7, 2, 9, "投资情况（万元）", f_head)

    def sums(rows):
        return [sum(D(p[k]) for p in rows) for k in (5, 6, 7)]

    def write_sum_row(r, label, rows):
        ws.merge_range(r, 0, r, 1, label, f_bold)
        for c in range(2, n):
            ws.write_blank(r, c, None, f_bold)
        for c, v in zip((7, 8, 9), sums(rows), strict=True):
            ws.write_number(r, c, float(v), f_bnum)

    all_rows = [p for _, ps in sections for p in ps]
    write_sum_row(4, "合计", all_rows)
    r = 5
    numerals = "一二三"
    seq = 0
    for si, (cat, ps) in enumerate(sections):
        ws.merge_range(r, 0, r, n - 1, f"{numerals[si]}、{cat}项目（{len(ps)}个）", f_sec)
        r += 1
        first = r
        for p in ps:
            seq += 1
            name, owner, sector, content, period, total, plan, ytd, started, prog, prob, leader = p
            ws.write_number(r, 0, seq, f_c)
            ws.write_string(r, 1, name, f_text)
            ws.write_string(r, 2, owner, f_text)
            ws.write_string(r, 3, cat, f_c)
            ws.write_string(r, 4, sector, f_c)
            ws.write_string(r, 5, content, f_text)
            ws.write_string(r, 6, period, f_c)
            ws.write_number(r, 7, total, f_num)
            ws.write_number(r, 8, plan, f_num)
            ws.write_number(r, 9, ytd, f_num)
            ws.write_string(r, 10, "是" if started else "否", f_c)
            ws.write_string(r, 11, prog, f_text)
            ws.write_string(r, 12, prob, f_text)
            expect(file, unit, name, cat, started, total, plan, ytd)
            r += 1
        # 包抓领导 merged over runs of the same leader
        k = first
        while k < r:
            leader = ps[k - first][-1]
            e = k
            while e + 1 < r and ps[e + 1 - first][-1] == leader:
                e += 1
            if e > k:
                ws.merge_range(k, 13, e, 13, leader, f_c)
            else:
                ws.write_string(k, 13, leader, f_c)
            k = e + 1
        write_sum_row(r, "小计", ps)
        r += 1
    r += 1
    ws.write_string(r, 0, "填报人：陈静    审核人：李卫东    填报日期：2024年5月5日")
    ws.write_string(
        r + 1,
        0,
        "注：1.本表金额单位为万元；2.“1-4月完成投资”为2024年1月1日以来累计完成数；3.续建项目视为已开工。",
    )
    ws.freeze_panes(4, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(2, 3)
    wb.close()


# --------------------------------------------------------------------------- 尹集乡.xlsx


def build_yinji(out: Path) -> None:
    """Help sheet first, data sheet 台账, hidden stale sheet 3月; money in 亿元 in the headers."""
    file, unit = "尹集乡.xlsx", "尹集乡"
    # name, leader, category, total, plan, ytd(1-4月), ytd(1-3月, stale), started, planned start, progress, problems
    projects = [
        (
            "尹集物流工业园基础设施建设项目",
            "周建平",
            "续建",
            "3.2",
            "1.1",
            "0.36",
            "0.25",
            "是",
            "",
            "园区主干道路基完成，综合管廊施工中",
            "电力线路迁改需协调供电公司",
        ),
        (
            "襄阳现代农业产业园（尹集片区）建设项目",
            "周建平",
            "续建",
            "2.6",
            "0.8",
            "0.27",
            "0.19",
            "是",
            "",
            "智能温室完成2栋，育苗中心主体封顶",
            "",
        ),
        (
            "尹集乡姚庵村乡村振兴示范项目",
            "孙丽华",
            "新建",
            "0.45",
            "0.3",
            "0.08",
            "0.05",
            "是",
            "2024年2月",
            "民宿改造完成6栋",
            "",
        ),
        (
            "尹集乡集镇供水管网改造工程",
            "孙丽华",
            "新建",
            "0.1856",
            "0.1856",
            "0.0512",
            "0.03",
            "是",
            "2024年3月",
            "更换主管网4.3公里",
            "",
        ),
        (
            "鲤鱼桥水库除险加固工程",
            "马文斌",
            "前期",
            "0.65",
            "0.2",
            "0",
            "0",
            "否",
            "2024年7月",
            "初步设计已报市水利局审查",
            "配套资金尚未落实",
        ),
    ]
    wb = new_xlsxwriter(out / file)
    b = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
    f_head = wb.add_format({**b, "bold": True, "align": "center", "text_wrap": True})
    f_text = wb.add_format({**b, "text_wrap": True})
    f_c = wb.add_format({**b, "align": "center"})
    f_num = wb.add_format({**b, "num_format": "0.00##"})
    f_bnum = wb.add_format({**b, "bold": True, "num_format": "0.00##"})
    f_bold = wb.add_format({**b, "bold": True, "align": "center"})
    f_title = wb.add_format({"bold": True, "font_size": 15, "align": "center"})

    help_ws = wb.add_worksheet("填表说明")
    help_ws.set_column(0, 0, 90)
    lines = [
        "填表说明",
        "1. 本表由各责任单位于每月5日前报送区发改局（区重点项目推进办），电子版与盖章扫描件同时报送。",
        "2. 金额单位为亿元，保留四位小数，请勿改为万元。",
        "3. “累计完成”填写2024年1月1日起至本月底累计完成投资，不是项目开工以来累计数。",
        "4. 项目性质填写：续建、新建、前期，请勿自行增减项目。",
        "5. 是否开工填写“是”或“否”；未开工项目请填写计划开工时间。",
        "6. 形象进度、存在问题请如实填写，不得空白。",
        "联系人：区发改局投资股    电话：3512345",
    ]
    for i, line in enumerate(lines):
        help_ws.write_string(
            i, 0, line, wb.add_format({"bold": i == 0, "font_size": 14 if i == 0 else 11})
        )

    headers = [
        "序号",
        "项目名称",
        "责任单位",
        "包保领导",
        "项目性质",
        "总投资（亿元）",
        "年度计划（亿元）",
        "累计完成（亿元）",
        "是否开工",
        "计划开工时间",
        "形象进度",
        "存在的问题及建议",
    ]

    def data_sheet(name: str, months: str, ytd_index: int, hidden: bool) -> None:
        ws = wb.add_worksheet(name)
        for c, w in enumerate([5, 34, 9, 9, 8, 10, 10, 10, 8, 11, 30, 24]):
            ws.set_column(c, c, w)
        n = len(headers)
        ws.merge_range(0, 0, 0, n - 1, f"尹集乡2024年重点项目进展情况表（{months}）", f_title)
        ws.write_string(1, 0, f"截至2024年{months[-2:-1]}月底")
        for c, h in enumerate(headers):
            ws.write_string(2, c, h, f_head)
        r = 3
        for i, p in enumerate(projects, 1):
            name, leader, cat, total, plan = p[:5]
            ytd = p[ytd_index]
            started, planned, prog, prob = p[7:]
            if hidden:  # stale March sheet: earlier state of the same projects
                prog = "正在施工"
            ws.write_number(r, 0, i, f_c)
            ws.write_string(r, 1, name, f_text)
            ws.write_string(r, 2, unit, f_c)
            ws.write_string(r, 3, leader, f_c)
            ws.write_string(r, 4, cat, f_c)
            for c, v in ((5, total), (6, plan), (7, ytd)):
                ws.write_number(r, c, float(v), f_num)
            ws.write_string(r, 8, started, f_c)
            ws.write_string(r, 9, planned, f_c)
            ws.write_string(r, 10, prog, f_text)
            ws.write_string(r, 11, prob, f_text)
            if not hidden:
                expect(file, unit, name, cat, started == "是", total, plan, ytd, factor=YI)
            r += 1
        ws.merge_range(r, 0, r, 4, "合计", f_bold)
        for c, k in ((5, 3), (6, 4), (7, ytd_index)):
            ws.write_number(r, c, float(sum(D(p[k]) for p in projects)), f_bnum)
        for c in range(8, n):
            ws.write_blank(r, c, None, f_bold)
        ws.write_string(
            r + 2,
            0,
            "填报人：刘洋    审核人：周建平    报送日期："
            + ("2024年4月3日" if hidden else "2024年5月6日"),
        )
        if hidden:
            ws.hide()
        else:
            ws.activate()

    data_sheet("台账", "1-4月", 5, hidden=False)
    data_sheet("3月", "1-3月", 6, hidden=True)
    wb.get_worksheet_by_name("台账").activate()
    # help sheet is the first tab; 台账 active; 3月 hidden
    wb.close()


# --------------------------------------------------------------------------- 庞公街道.xls


def build_panggong(out: Path) -> None:
    """A real BIFF .xls (xlwt): merged title, 是否开工 是/否, dates as Excel dates, "2024.3", "2024年3月"."""
    file, unit = "庞公街道.xls", "庞公街道"
    date = "date"
    projects = [
        # name, leader, owner, category, period, total, plan, ytd, 是否开工, planned, actual, progress, problems
        (
            "庞公街道老旧小区改造项目（二期）",
            "杨国平",
            "襄城区城市建设投资有限公司",
            "在建",
            "2023-2024",
            6800,
            3000,
            1260,
            "是",
            (date, dt.date(2023, 5, 10)),
            (date, dt.date(2023, 6, 15)),
            "完成改造小区9个，正在推进5个",
            "无",
        ),
        (
            "襄城区汉江生态修复（庞公段）工程",
            "杨国平",
            "襄阳市襄城区水利和湖泊局",
            "新开工",
            "2024-2025",
            15600,
            5000,
            800,
            "是",
            "2024.3",
            "2024年3月",
            "护岸工程完成1.2公里",
            "施工便道需占用部分滩地，需协调水利部门",
        ),
        (
            "庞公街道社区养老服务中心建设项目",
            "赵德华",
            "襄城区庞公街道办事处",
            "新开工",
            "2024",
            1500,
            1500,
            300,
            "是",
            (date, dt.date(2024, 2, 20)),
            "2024.3",
            "主体结构施工至二层",
            "无",
        ),
        (
            "庞公渡口文化公园项目",
            "赵德华",
            "襄城区庞公街道办事处",
            "新开工",
            "2024-2025",
            4200,
            2000,
            0,
            "否",
            "2024.6",
            "",
            "方案设计已完成，正在办理规划许可",
            "用地手续未完成",
        ),
        (
            "庞公片区城市更新项目",
            "何建军",
            "襄阳庞公城市更新投资有限公司",
            "前期",
            "2025-2028",
            120000,
            2000,
            0,
            "否",
            "2024年9月",
            "",
            "正在编制可行性研究报告",
            "融资模式待确定",
        ),
    ]
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    borders = "borders: left thin, right thin, top thin, bottom thin;"
    font = "font: name 宋体, height 200;"
    x_title = xlwt.easyxf("font: name 宋体, bold on, height 320; align: horiz center, vert center;")
    x_head = xlwt.easyxf(
        f"font: name 宋体, bold on, height 200; align: horiz center, vert center, wrap on; {borders}"
    )
    x_text = xlwt.easyxf(f"{font} align: vert center, wrap on; {borders}")
    x_c = xlwt.easyxf(f"{font} align: horiz center, vert center; {borders}")
    x_num = xlwt.easyxf(f"{font} align: vert center; {borders}", num_format_str="0.00")
    x_bnum = xlwt.easyxf(f"font: name 宋体, bold on, height 200; {borders}", num_format_str="0.00")
    x_date = xlwt.easyxf(
        f"{font} align: horiz center, vert center; {borders}", num_format_str="yyyy-mm-dd"
    )
    x_bold = xlwt.easyxf(f"font: name 宋体, bold on, height 200; align: horiz center; {borders}")
    headers = [
        "序号",
        "项目名称",
        "责任单位",
        "包抓领导",
        "建设单位",
        "项目类别",
        "建设起止年限",
        "计划总投资",
        "本年计划",
        "1-4月累计完成",
        "是否开工",
        "计划开工时间",
        "实际开工时间",
        "项目进展情况",
        "需协调解决的问题",
    ]
    n = len(headers)
    for c, w in enumerate([5, 32, 10, 9, 26, 9, 12, 11, 10, 12, 8, 12, 12, 30, 30]):
        ws.col(c).width = 256 * w
    ws.write_merge(0, 0, 0, n - 1, "庞公街道2024年1-4月重点项目建设进度表", x_title)
    ws.row(0).height_mismatch = True
    ws.row(0).height = 20 * 30
    for c, h in enumerate(headers):
        ws.write(1, c, h, x_head)
    r = 2
    for i, p in enumerate(projects, 1):
        (
            name,
            _leader,
            owner,
            cat,
            period,
            total,
            plan,
            ytd,
            started,
            planned,
            actual,
            prog,
            prob,
        ) = p
        ws.write(r, 0, i, x_c)
        ws.write(r, 1, name, x_text)
        ws.write(r, 4, owner, x_text)
        ws.write(r, 5, cat, x_c)
        ws.write(r, 6, period, x_c)
        ws.write(r, 7, total, x_num)
        ws.write(r, 8, plan, x_num)
        ws.write(r, 9, ytd, x_num)
        ws.write(r, 10, started, x_c)
        for c, v in ((11, planned), (12, actual)):
            if isinstance(v, tuple):
                ws.write(r, c, v[1], x_date)
            else:
                ws.write(r, c, v, x_c)
        ws.write(r, 13, prog, x_text)
        ws.write(r, 14, prob, x_text)
        expect(file, unit, name, cat, started == "是", total, plan, ytd)
        r += 1
    # 责任单位 merged down all project rows; 包抓领导 merged down pairs
    ws.write_merge(2, r - 1, 2, 2, unit, x_c)
    ws.write_merge(2, 3, 3, 3, "杨国平", x_c)
    ws.write_merge(4, 5, 3, 3, "赵德华", x_c)
    ws.write(6, 3, "何建军", x_c)
    ws.write_merge(r, r, 0, 1, "合计", x_bold)
    for c in range(2, n):
        if c not in (7, 8, 9):
            ws.write(r, c, "", x_bold)
    for c, key in ((7, "total_investment"), (8, "annual_plan"), (9, "ytd_completed")):
        ws.write(r, c, int(sum(e[key] for e in EXPECTED if e["file"] == file)), x_bnum)
    ws.write(r + 2, 0, "填报人：赵敏    审核人：杨国平    填报日期：2024.5.6")
    wb.save(str(out / file))


# --------------------------------------------------------------------------- 欧庙镇.xls (HTML)


def build_oumiao(out: Path) -> None:
    """An ".xls" that is an HTML table exported by an office system, GBK, colspan/rowspan header."""
    file, unit = "欧庙镇.xls", "欧庙镇"
    gov = "襄阳市襄城区欧庙镇人民政府"
    # name, owner, category, sector, period, total, plan, month, ytd, started, progress, leader (None = rowspan above)
    projects = [
        (
            "欧庙镇万亩蔬菜基地建设项目",
            "襄阳欧庙蔬菜产业发展有限公司",
            "续建",
            "农业农村",
            "2023-2025",
            "9800",
            "3500",
            "320",
            "1280.5",
            True,
            "建成钢架大棚600亩，喷滴灌设施完成70%",
            "徐立新",
        ),
        (
            "欧庙港区综合码头工程",
            "襄阳港欧庙港务有限公司",
            "续建",
            "基础设施",
            "2022-2025",
            "68000",
            "15000",
            "1150",
            "4350",
            True,
            "2个泊位水工结构完成，堆场施工中",
            None,
        ),
        (
            "欧庙镇农村饮水安全巩固提升工程",
            gov,
            "新建",
            "基础设施",
            "2024",
            "2300",
            "2300",
            "210",
            "760",
            True,
            "铺设供水管道26公里",
            "孙丽华",
        ),
        (
            "欧庙镇生猪标准化养殖小区项目",
            "湖北欧牧农业科技有限公司",
            "新建",
            "农业农村",
            "2024-2025",
            "3600",
            "1800",
            "0",
            "0",
            False,
            "正在办理设施农用地备案",
            None,
        ),
        (
            "欧庙镇集镇道路提档升级工程",
            gov,
            "新建",
            "基础设施",
            "2024",
            "1850",
            "1850",
            "180",
            "420",
            True,
            "沥青路面摊铺完成1.5公里",
            "马文斌",
        ),
    ]

    def th(v: Decimal) -> str:
        return format(v.normalize(), ",f")

    ncol = 13
    out_lines = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">',
        "<head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">',
        '<meta name="ProgId" content="Excel.Sheet">',
        "<title>欧庙镇重点项目台账</title>",
        "<style>td{border:.5pt solid windowtext;font-size:10.0pt;font-family:宋体;mso-number-format:\\@;}</style>",
        "</head>",
        "<body>",
        '<table border="1" cellspacing="0" cellpadding="0">',
        f'<tr><td colspan="{ncol}" align="center" style="font-size:16pt;font-weight:bold">'
        "欧庙镇2024年重点项目进展情况（1-4月）</td></tr>",
        f'<tr><td colspan="{ncol}" align="right">单位：万元</td></tr>',
        "<tr>"
        + "".join(
            f'<td rowspan="2" align="center"><b>{h}</b></td>'
            for h in ("序号", "项目名称", "业主单位", "建设性质", "行业领域", "建设起止年限")
        )
        + '<td colspan="4" align="center"><b>投资情况（万元）</b></td>'
        + "".join(
            f'<td rowspan="2" align="center"><b>{h}</b></td>'
            for h in ("开工情况", "形象进度", "包抓领导")
        )
        + "</tr>",
        "<tr>"
        + "".join(
            f'<td align="center"><b>{h}</b></td>'
            for h in ("总投资", "年度计划投资", "4月完成投资", "1-4月累计完成投资")
        )
        + "</tr>",
    ]
    sums = [sum((D(p[k]) for p in projects), Decimal(0)) for k in (5, 6, 7, 8)]
    out_lines.append(
        '<tr><td></td><td align="center"><b>合计</b></td><td></td><td></td><td></td><td></td>'
        + "".join(f'<td align="right"><b>{th(v)}</b></td>' for v in sums)
        + "<td></td><td></td><td></td></tr>"
    )
    for i, p in enumerate(projects, 1):
        name, owner, cat, sector, period, total, plan, month, ytd, started, prog, leader = p
        cells = [str(i), name, owner, cat, sector, period]
        row = "".join(f"<td>{c}</td>" for c in cells)
        row += "".join(f'<td align="right">{th(D(v))}</td>' for v in (total, plan, month, ytd))
        row += f"<td>{'已开工' if started else '未开工'}</td><td>{prog}</td>"
        if leader is not None:
            span = 2 if i < len(projects) and projects[i][-1] is None else 1
            row += f'<td rowspan="{span}">{leader}</td>' if span > 1 else f"<td>{leader}</td>"
        out_lines.append(f"<tr>{row}</tr>")
        expect(file, unit, name, cat, started, total, plan, ytd)
    out_lines += [
        f'<tr><td colspan="{ncol}">填报人：黄鹏　　审核人：徐立新　　填报日期：2024-05-06</td></tr>',
        "</table>",
        "</body>",
        "</html>",
    ]
    (out / file).write_bytes(("\r\n".join(out_lines) + "\r\n").encode("gbk"))


# --------------------------------------------------------------------------- 区交通运输局.csv


def build_jiaotong(out: Path) -> None:
    """CSV in GBK: one header row, 合计 last, numbers as text with spaces / full-width, empty markers."""
    file, unit = "区交通运输局.csv", "区交通运输局"
    owner = "襄阳市襄城区交通运输局"
    header = [
        "序号",
        "项目名称",
        "建设单位",
        "项目性质",
        "项目级别",
        "建设规模",
        "建设年限",
        "总投资(万元)",
        "年度计划投资(万元)",
        "1-4月累计完成投资(万元)",
        "开工情况",
        "形象进度",
        "存在问题",
        "包抓领导",
    ]
    # money given as written in the file, then its value (None: empty marker)
    rows = [
        (
            "襄城区G316国道改线工程",
            owner,
            "续建",
            "市级",
            "全长18.6公里，按一级公路标准建设",
            "2022-2025",
            (" 86000 ", 86000),
            ("20000", 20000),
            (" 6500 ", 6500),
            "已开工",
            "路基完成85%，桥梁下部结构完成60%",
            "征地拆迁尚有3户未签约",
            "王建国",
        ),
        (
            "襄城区“四好农村路”提档升级工程",
            owner,
            "续建",
            "区级",
            "提档升级农村公路45公里",
            "2023-2024",
            ("12500", 12500),
            ("5000", 5000),
            ("１８６０．５", "1860.5"),
            "已开工",
            "完成路面改造28公里",
            "无",
            "吴海峰",
        ),
        (
            "余家湖港区疏港公路工程",
            owner,
            "新建",
            "省重点",
            "新建二级公路9.2公里",
            "2024-2026",
            ("45000", 45000),
            ("１２０００", 12000),
            ("2300", 2300),
            "已开工",
            "路基清表完成，桥梁桩基施工中",
            "建设资金缺口约1.2亿元",
            "王建国",
        ),
        (
            "襄城区公交首末站及充电桩建设项目",
            "襄阳市公共交通集团有限责任公司",
            "新建",
            "区级",
            "新建公交首末站3处、充电桩60个",
            "2024",
            ("2600", 2600),
            ("1200", 1200),
            ("—", None),
            "未开工",
            "正在进行招投标",
            "/",
            "吴海峰",
        ),
        (
            "襄城区农村客运站改造工程",
            owner,
            "前期",
            "区级",
            "改造乡镇客运站3个",
            "2024-2025",
            ("800", 800),
            ("/", None),
            ("无", None),
            "未开工",
            "已完成立项",
            "无",
            "吴海峰",
        ),
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    sums = [Decimal(0)] * 3
    for i, p in enumerate(rows, 1):
        name, own, cat, level, scale, period, total, plan, ytd, started, prog, prob, leader = p
        w.writerow(
            [
                i,
                name,
                own,
                cat,
                level,
                scale,
                period,
                total[0],
                plan[0],
                ytd[0],
                started,
                prog,
                prob,
                leader,
            ]
        )
        vals = [None if m[1] is None else D(m[1]) for m in (total, plan, ytd)]
        sums = [s + (v or 0) for s, v in zip(sums, vals, strict=True)]
        expect(file, unit, name, cat, started == "已开工", *vals)
    w.writerow(
        [
            "",
            "合计",
            "",
            "",
            "",
            "",
            "",
            *(format(s.normalize(), "f") for s in sums),
            "",
            "",
            "",
            "",
        ]
    )
    (out / file).write_bytes(buf.getvalue().encode("gbk"))


# --------------------------------------------------------------------------- 檀溪街道.xlsx (openpyxl)


def build_tanxi(out: Path) -> None:
    """Whole table in 亿元 (line above), 开工情况 + 实际开工时间, formula 完成率 without cached values,
    one "120万元" text cell, one unreadable "待定"."""
    file, unit = "檀溪街道.xlsx", "檀溪街道"
    projects = [
        # name, category, total(亿), plan, ytd, 开工情况, actual start, owner, progress, problems, leader
        (
            "檀溪路综合改造工程",
            "续建",
            0.85,
            0.4,
            0.13,
            "已开工",
            dt.datetime(2023, 4, 10),
            "襄城区城市建设投资有限公司",
            "完成雨污管网改造2.1公里",
            "无",
            "黄春燕",
        ),
        (
            "襄城区檀溪湖片区棚户区改造项目",
            "续建",
            6.8,
            1.5,
            0.52,
            "已开工",
            dt.datetime(2022, 9, 1),
            "襄阳檀溪置业有限公司",
            "安置房1#-6#楼主体封顶",
            "部分住户尚未签订征收协议",
            "黄春燕",
        ),
        (
            "檀溪街道社区卫生服务中心建设项目",
            "新建",
            0.32,
            0.2,
            "120万元",
            "已开工",
            dt.datetime(2024, 3, 18),
            "襄城区檀溪街道办事处",
            "基础施工",
            "无",
            "林德胜",
        ),
        (
            "檀溪文化创意街区项目",
            "新建",
            2.4,
            0.8,
            0.16,
            "已开工",
            dt.datetime(2024, 2, 26),
            "湖北檀溪文旅发展有限公司",
            "完成3栋老建筑修缮",
            "招商运营主体尚未确定",
            "林德胜",
        ),
        (
            "襄城区檀溪片区公共停车场建设项目",
            "前期",
            "待定",
            0.05,
            0,
            "未开工",
            None,
            "襄城区城市建设投资有限公司",
            "正在选址论证",
            "建设用地尚未落实",
            "罗明辉",
        ),
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "檀溪街道"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    headers = [
        "序号",
        "项目名称",
        "项目类别",
        "总投资",
        "年度计划投资",
        "累计完成投资",
        "完成率",
        "开工情况",
        "实际开工时间",
        "建设单位",
        "形象进度",
        "存在问题",
        "包抓领导",
    ]
    n = len(headers)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws["A1"] = "檀溪街道2024年重点项目推进情况表（1-4月）"
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws["A1"].alignment = center
    ws["A2"] = "单位：亿元"
    ws.cell(row=2, column=n - 1, value="填报时间：2024年5月6日")
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row=3, column=c, value=h)
        cell.font = Font(name="宋体", bold=True)
        cell.alignment = center
        cell.border = box
    for letter, width in zip(
        "ABCDEFGHIJKLM", [5, 32, 8, 9, 11, 11, 8, 9, 12, 26, 26, 22, 9], strict=True
    ):
        ws.column_dimensions[letter].width = width
    first, last = 5, 5 + len(projects) - 1
    ws["B4"] = "合计"
    for col in "DEF":
        ws[f"{col}4"] = f"=SUM({col}{first}:{col}{last})"
    ws["G4"] = "=F4/E4"
    for r, p in enumerate(projects, first):
        name, cat, total, plan, ytd, started, actual, owner, prog, prob, _leader = p
        values = [
            r - first + 1,
            name,
            cat,
            total,
            plan,
            ytd,
            f"=F{r}/E{r}",
            started,
            actual,
            owner,
            prog,
            prob,
        ]
        for c, v in enumerate(values, 1):
            ws.cell(row=r, column=c, value=v)
        ws.cell(row=r, column=9).number_format = "yyyy-mm-dd"
        for c in (4, 5, 6):
            ws.cell(row=r, column=c).number_format = "0.00##"
        ws.cell(row=r, column=7).number_format = "0.0%"

        def conv(v):
            if isinstance(v, str):
                m = re.fullmatch(r"(\d+(?:\.\d+)?)万元", v)
                return D(m.group(1)) if m else None
            return D(v) * YI

        EXPECTED.append(
            {
                "file": file,
                "unit": unit,
                "name": name,
                "category": cat,
                "started": started == "已开工",
                "total_investment": None if conv(total) is None else conv(total).normalize(),
                "annual_plan": conv(plan).normalize(),
                "ytd_completed": conv(ytd).normalize(),
            }
        )
    # 包抓领导 merged over pairs
    ws.cell(row=5, column=13, value="黄春燕")
    ws.merge_cells("M5:M6")
    ws.cell(row=7, column=13, value="林德胜")
    ws.merge_cells("M7:M8")
    ws.cell(row=9, column=13, value="罗明辉")
    for row in ws.iter_rows(min_row=4, max_row=last, max_col=n):
        for cell in row:
            cell.border = box
    ws.cell(row=last + 2, column=1, value="填报人：周婷    审核人：赵德华")
    ws.freeze_panes = "C4"
    wb.properties.creator = "檀溪街道"
    wb.properties.created = CREATED
    wb.properties.modified = CREATED
    path = out / file
    wb.save(path)
    normalize_zip(path)


# --------------------------------------------------------------------------- 襄城经济开发区.xlsx


def build_kaifaqu(out: Path) -> None:
    """Unit only in the title, no 责任单位 column; 项目级别; a duplicate of a 卧龙镇 project;
    one project with completed > total; no 合计 row."""
    file, unit = "襄城经济开发区.xlsx", "襄城经济开发区"
    projects = [
        # name, level, category, sector, content, period, total, plan, ytd, started, actual, progress, problems, leader
        (
            "襄阳绿能新材料产业园项目",
            "省重点",
            "新建",
            "工业",
            "新建标准化厂房8万平方米，建设新型墙体材料生产线3条",
            "2024-2026",
            35000,
            12000,
            3600,
            True,
            dt.datetime(2024, 2, 18),
            "1#、2#厂房基础施工完成",
            "用地报批手续尚在办理",
            "刘志强",
        ),
        (
            "襄城经济开发区标准化厂房（三期）建设项目",
            "市级",
            "续建",
            "工业",
            "新建标准化厂房12万平方米及配套设施",
            "2023-2025",
            18000,
            8000,
            2650,
            True,
            dt.datetime(2023, 8, 8),
            "6栋厂房主体封顶，3栋装修中",
            "无",
            "刘志强",
        ),
        (
            "余家湖循环经济产业园污水处理项目",
            "市级",
            "续建",
            "基础设施",
            "建设日处理2万吨工业污水处理厂及配套管网",
            "2023-2024",
            9500,
            4000,
            1800,
            True,
            dt.datetime(2023, 5, 20),
            "设备安装完成80%",
            "无",
            "吴海峰",
        ),
        (
            "襄阳华威精密机械制造项目",
            "区级",
            "新开工",
            "工业",
            "建设精密零部件生产线6条，年产零部件200万件",
            "2024-2025",
            6000,
            3000,
            650,
            True,
            dt.datetime(2024, 3, 12),
            "厂房基础施工",
            "企业融资进度偏慢",
            "吴海峰",
        ),
        (
            "开发区智能装备产业园道路管网配套工程",
            "区级",
            "续建",
            "基础设施",
            "新建园区道路3.5公里及雨污管网",
            "2023-2024",
            2800,
            2800,
            3150,
            True,
            dt.datetime(2023, 10, 15),
            "道路主体完工，附属设施施工中",
            "工程量增加，需调整概算",
            "高俊杰",
        ),
        (
            "襄城化工园区安全环保提升改造项目",
            "省重点",
            "新开工",
            "工业",
            "建设园区封闭化管理、应急救援中心及智慧监管平台",
            "2024-2025",
            22000,
            6000,
            0,
            False,
            None,
            "正在进行施工图设计",
            "省级专项资金尚未下达",
            "高俊杰",
        ),
    ]
    wb = new_xlsxwriter(out / file)
    ws = wb.add_worksheet("2024年重点项目")
    b = {"border": 1, "valign": "vcenter", "font_name": "仿宋", "font_size": 10}
    f_title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "font_name": "黑体"})
    f_head = wb.add_format(
        {**b, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
    )
    f_text = wb.add_format({**b, "text_wrap": True})
    f_c = wb.add_format({**b, "align": "center"})
    f_num = wb.add_format({**b, "num_format": "#,##0.00"})
    f_date = wb.add_format({**b, "align": "center", "num_format": "yyyy年m月d日"})
    headers = [
        "序号",
        "项目名称",
        "项目级别",
        "项目类别",
        "行业领域",
        "建设内容及规模",
        "建设起止年限",
        "总投资（万元）",
        "2024年计划投资（万元）",
        "1-4月完成投资（万元）",
        "是否开工",
        "实际开工时间",
        "形象进度",
        "存在问题",
        "包抓领导",
    ]
    n = len(headers)
    for c, w in enumerate([5, 36, 8, 8, 9, 36, 11, 11, 12, 12, 8, 14, 26, 22, 9]):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, n - 1, "襄城经济开发区2024年重点项目台账", f_title)
    ws.merge_range(1, 0, 1, n - 1, "（截至2024年4月底）", wb.add_format({"align": "center"}))
    for c, h in enumerate(headers):
        ws.write_string(2, c, h, f_head)
    ws.set_row(2, 36)
    r = 3
    for i, p in enumerate(projects, 1):
        (
            name,
            level,
            cat,
            sector,
            content,
            period,
            total,
            plan,
            ytd,
            started,
            actual,
            prog,
            prob,
            leader,
        ) = p
        ws.write_number(r, 0, i, f_c)
        for c, text in ((1, name), (2, level), (3, cat), (4, sector), (5, content), (6, period)):
            ws.write_string(r, c, text, f_text if c in (1, 5) else f_c)
        for c, num in ((7, total), (8, plan), (9, ytd)):
            ws.write_number(r, c, num, f_num)
        ws.write_string(r, 10, "是" if started else "否", f_c)
        if actual:
            ws.write_datetime(r, 11, actual, f_date)
        else:
            ws.write_blank(r, 11, None, f_c)
        ws.write_string(r, 12, prog, f_text)
        ws.write_string(r, 13, prob, f_text)
        expect(file, unit, name, cat, started, total, plan, ytd)
        r += 1
    for a, e, leader in ((3, 4, "刘志强"), (5, 6, "吴海峰"), (7, 8, "高俊杰")):
        ws.merge_range(a, 14, e, 14, leader, f_c)
    ws.write_string(r + 1, 0, "填报人：孙强    审核人：刘志强    填报日期：2024年5月7日")
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, r - 1, n - 1)
    ws.set_landscape()
    ws.set_paper(9)
    wb.close()


# --------------------------------------------------------------------------- 隆中街道.xlsx


def build_longzhong(out: Path) -> None:
    """Numbers only (形象进度 / 存在问题 all empty); a 合计 row that does not add up; 责任单位 merged."""
    file, unit = "隆中街道.xlsx", "隆中街道"
    projects = [
        ("襄城区古隆中景区提档升级项目", "续建", "文化旅游", 32000, 8000, 2100, True, "王建国"),
        ("隆中街道农村人居环境整治项目", "续建", "社会民生", 1800, 900, 410, True, "胡志刚"),
        ("隆中街道茶园村农旅融合示范项目", "新建", "农业农村", 2600, 1200, 350, True, "胡志刚"),
        ("隆中风景区游客服务中心改造工程", "新建", "文化旅游", 4800, 2000, 600, True, "王建国"),
        ("襄阳隆中文化研学基地建设项目", "前期", "文化旅游", 25000, 1000, 0, False, "郭爱民"),
    ]
    wrong_total = (66200, 13100, 3860)  # the unit's 合计: 1-4月完成 should be 3460
    wb = new_xlsxwriter(out / file)
    ws = wb.add_worksheet("隆中")
    b = {"border": 1, "valign": "vcenter", "font_size": 11}
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    f_head = wb.add_format({**b, "bold": True, "align": "center", "text_wrap": True})
    f_text = wb.add_format({**b, "text_wrap": True})
    f_c = wb.add_format({**b, "align": "center"})
    f_num = wb.add_format({**b, "num_format": "0"})
    f_bold = wb.add_format({**b, "bold": True, "align": "center"})
    f_bnum = wb.add_format({**b, "bold": True, "num_format": "0"})
    n = 12
    for c, w in enumerate([5, 32, 10, 8, 9, 11, 11, 11, 8, 24, 24, 9]):
        ws.set_column(c, c, w)
    ws.merge_range(0, 0, 0, n - 1, "隆中街道重点项目推进台账（2024年1-4月）", f_title)
    ws.write_string(1, n - 1, "单位：万元")
    vertical = {
        0: "序号",
        1: "项目名称",
        2: "责任单位",
        3: "建设性质",
        4: "行业领域",
        5: "总投资（万元）",
    }
    vertical.update({8: "开工情况", 9: "形象进度", 10: "存在问题", 11: "责任领导"})
    for c, h in vertical.items():
        ws.merge_range(2, c, 3, c, h, f_head)
    ws.merge_range(2, 6, 2, 7, "2024年投资（万元）", f_head)
    ws.write_string(3, 6, "年度计划", f_head)
    ws.write_string(3, 7, "1-4月完成", f_head)
    ws.merge_range(4, 0, 4, 4, "合计", f_bold)
    for c, v in zip((5, 6, 7), wrong_total, strict=True):
        ws.write_number(4, c, v, f_bnum)
    for c in range(8, n):
        ws.write_blank(4, c, None, f_bold)
    r = 5
    for i, (name, cat, sector, total, plan, ytd, started, _leader) in enumerate(projects, 1):
        ws.write_number(r, 0, i, f_c)
        ws.write_string(r, 1, name, f_text)
        ws.write_string(r, 3, cat, f_c)
        ws.write_string(r, 4, sector, f_c)
        ws.write_number(r, 5, total, f_num)
        ws.write_number(r, 6, plan, f_num)
        ws.write_number(r, 7, ytd, f_num)
        ws.write_string(r, 8, "已开工" if started else "未开工", f_c)
        ws.write_blank(r, 9, None, f_text)
        ws.write_blank(r, 10, None, f_text)
        ws.write_string(r, 11, _leader, f_c)
        expect(file, unit, name, cat, started, total, plan, ytd)
        r += 1
    ws.merge_range(5, 2, r - 1, 2, unit, f_c)
    ws.write_string(r + 1, 0, "填报人：王磊    填报日期：2024.5.7")
    wb.close()


# --------------------------------------------------------------------------- 余家湖街道.xlsx


def build_yujiahu(out: Path) -> None:
    """Several sheets: one per stage (续建项目, 加速开工) with no 类别 column, the stage only in
    the tab; 分行业 listing the same 4 projects by sector (a view: not counted again); 汇总 by
    category with counts and no project names (a summary: not counted)."""
    file, unit = "余家湖街道.xlsx", "余家湖街道"
    stages = {
        "续建项目": [
            ("余家湖港区码头二期工程", "交通运输", 68000, 15000, 4800, "2023-06-18", "堆场施工"),
            (
                "余家湖污水处理厂提标改造工程",
                "社会民生",
                9600,
                4000,
                1350,
                "2023-09-01",
                "设备安装",
            ),
        ],
        "加速开工": [
            ("余家湖物流仓储中心", "服务业", 32000, 8000, 900, "2024-03-15", "场平完成"),
            ("余家湖街道农贸市场改造", "社会民生", 3500, 1500, 0, "", "施工图审查"),
        ],
    }
    category = {"续建项目": "续建", "加速开工": "新建"}
    heads = ["序号", "项目名称", "行业领域", "总投资", "2024年计划投资", "1-4月完成投资"]
    heads += ["实际开工时间", "形象进度"]
    wb = new_xlsxwriter(out / file)
    b = {"border": 1, "valign": "vcenter", "font_size": 11}
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    f_head = wb.add_format({**b, "bold": True, "align": "center", "text_wrap": True})
    f_text = wb.add_format({**b, "text_wrap": True})
    f_num = wb.add_format({**b, "num_format": "0"})

    def sheet(name: str, title: str, rows: list[tuple]) -> None:
        ws = wb.add_worksheet(name)
        for c, w in enumerate([5, 30, 10, 10, 10, 10, 12, 14]):
            ws.set_column(c, c, w)
        ws.merge_range(0, 0, 0, len(heads) - 1, title, f_title)
        ws.write_string(1, len(heads) - 1, "单位：万元")
        for c, h in enumerate(heads):
            ws.write_string(2, c, h, f_head)
        for i, (name_, sector, total, plan, ytd, start, progress) in enumerate(rows, 1):
            r = 2 + i
            ws.write_number(r, 0, i, f_num)
            ws.write_string(r, 1, name_, f_text)
            ws.write_string(r, 2, sector, f_text)
            for c, v in ((3, total), (4, plan), (5, ytd)):
                ws.write_number(r, c, v, f_num)
            ws.write_string(r, 6, start, f_text) if start else ws.write_blank(r, 6, None, f_text)
            ws.write_string(r, 7, progress, f_text)

    for tab, rows in stages.items():
        sheet(tab, f"余家湖街道2024年重点项目台账（{tab}）", rows)
        for name, _sector, total, plan, ytd, start, _ in rows:
            started = category[tab] == "续建" or bool(start)
            expect(file, unit, name, category[tab], started, total, plan, ytd)
    everything = [row for rows in stages.values() for row in rows]
    sheet(
        "分行业", "余家湖街道2024年重点项目台账（分行业）", sorted(everything, key=lambda r: r[1])
    )
    ws = wb.add_worksheet("汇总")
    ws.write_string(0, 0, "余家湖街道2024年重点项目汇总（1-4月）")
    for c, h in enumerate(["项目类别", "项目个数", "总投资", "年度计划投资", "累计完成投资"]):
        ws.write_string(1, c, h, f_head)
    r = 2
    for tab, rows in [*stages.items(), ("合计", everything)]:
        ws.write_string(r, 0, category.get(tab, tab), f_text)
        ws.write_number(r, 1, len(rows), f_num)
        for c, k in ((2, 2), (3, 3), (4, 4)):
            ws.write_number(r, c, sum(row[k] for row in rows), f_num)
        r += 1
    wb.close()


# --------------------------------------------------------------------------- lock file


def build_lockfile(out: Path) -> None:
    """Excel's owner file for an open 卧龙镇.xlsx: 165 bytes, not a workbook."""
    user = "Administrator"
    data = bytes([len(user)]) + user.encode("ascii").ljust(53, b" ")
    data += user.encode("utf-16-le")
    data = data.ljust(165, b"\x20")
    (out / "~$卧龙镇.xlsx").write_bytes(data[:165])


# --------------------------------------------------------------------------- expected


def summarize(records: list[dict]) -> dict:
    def agg(rows):
        s = {
            "projects": len(rows),
            "started": sum(r["started"] for r in rows),
            "total_investment": Decimal(0),
            "annual_plan": Decimal(0),
            "ytd_completed": Decimal(0),
        }
        for r in rows:
            for k in ("total_investment", "annual_plan", "ytd_completed"):
                s[k] += r[k] or 0
        return s

    files: dict[str, list[dict]] = {}
    for r in records:
        files.setdefault(r["file"], []).append(r)
    by_cat: dict[str, list[dict]] = {}
    for r in records:
        by_cat.setdefault(r["category"], []).append(r)
    names = [r["name"] for r in records]
    dups = sorted({n for n in names if names.count(n) > 1})
    dedup = [r for i, r in enumerate(records) if r["name"] not in names[:i]]
    return {
        "period": "2024年1-4月",
        **agg(records),
        "distinct_projects_if_duplicates_dropped": agg(dedup),
        "by_file": {f: {"unit": rs[0]["unit"], **agg(rs)} for f, rs in files.items()},
        "by_category": {c: agg(rs) for c, rs in by_cat.items()},
        "duplicates": dups,
        "findings": FINDINGS,
        "projects_list": records,
    }


FINDINGS = [
    "檀溪街道.xlsx 台账 D9（襄城区檀溪片区公共停车场建设项目 总投资）= “待定”：无法识别的金额，按缺失处理并报告",
    "檀溪街道.xlsx G列 完成率 =F5/E5 … 及 合计行 D4:G4 为公式且无缓存值（openpyxl 写入）：报告，不当作数字",
    "檀溪街道.xlsx F7 = “120万元”：带单位文本，按万元取 120（不是 120亿元）",
    "檀溪街道.xlsx / 尹集乡.xlsx 金额单位为亿元：×10000 换算为万元",
    "襄城经济开发区.xlsx 开发区智能装备产业园道路管网配套工程：1-4月完成 3150 > 总投资 2800",
    "隆中街道.xlsx 合计行 1-4月完成 3860 ≠ 项目合计 3460（总投资、年度计划相符）",
    "隆中街道.xlsx 形象进度、存在问题全部为空：只报数据，没有文字分析",
    "重复项目：襄阳绿能新材料产业园项目 同时出现在 卧龙镇.xlsx 与 襄城经济开发区.xlsx",
    "尹集乡.xlsx 隐藏工作表“3月”（1-3月旧数据）不得合并；“填表说明”表不是数据",
    "~$卧龙镇.xlsx 为 Excel 锁文件，应跳过",
    "余家湖街道.xlsx 四张表：“续建项目”“加速开工”两张都汇总，没有类别列，按表名计为续建、新建；"
    "“分行业”与这两张合起来是同一批项目，不得重复计入；“汇总”是按类别的汇总表，不是项目",
    "区交通运输局.csv 中 “—”“/”“无” 为空值标记（不是错误），合计行在最后",
]


def to_json(obj):
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f")
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_json(v) for v in obj]
    return obj


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE / "2024-04"
    out.mkdir(parents=True, exist_ok=True)
    EXPECTED.clear()
    build_wolong(out)
    build_yinji(out)
    build_panggong(out)
    build_oumiao(out)
    build_jiaotong(out)
    build_tanxi(out)
    build_kaifaqu(out)
    build_longzhong(out)
    build_yujiahu(out)
    build_lockfile(out)
    summary = summarize(EXPECTED)
    if len(argv) <= 1:
        (HERE / "expected-2024-04.json").write_text(
            json.dumps(to_json(summary), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    def fmt(d):
        return format(d.normalize(), "f")

    def line(label, s):
        print(
            f"{label:<18}{s['projects']:>6}{s['started']:>6}{fmt(s['total_investment']):>12}"
            f"{fmt(s['annual_plan']):>12}{fmt(s['ytd_completed']):>12}"
        )

    print(f"written to {out}")
    print(
        f"{'file':<18}{'项目':>6}{'开工':>6}{'总投资':>12}{'年度计划':>12}{'1-4月完成':>12}  (万元)"
    )
    for f, fs in summary["by_file"].items():
        line(f, fs)
    line("合计", summary)
    line("去重后", summary["distinct_projects_if_duplicates_dropped"])
    s = summary
    print("by category:", {c: v["projects"] for c, v in s["by_category"].items()})
    print("findings:")
    for x in FINDINGS:
        print("  -", x)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
