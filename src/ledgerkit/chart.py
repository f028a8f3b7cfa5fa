"""The units' completion chart as a PNG, for the Word bulletin ([bulletin] chart = true).

Drawn with Pillow (no browser needed): a bar per unit, coloured by status, the time-progress
line across, on white for print. Chinese labels need a CJK font of the system (微软雅黑 on
Windows, 苹方 on a Mac, Noto Sans CJK on Linux); without one there is no chart.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ledgerkit.fmt import pct
from ledgerkit.metrics import LAGGING, NORMAL, SEVERE, UNREPORTED, to_json

FONT_FILES = (
    r"C:\Windows\Fonts\msyh.ttc",
    r"C:\Windows\Fonts\simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
PRINT_COLOURS = {NORMAL: "#16a34a", LAGGING: "#d4a106", SEVERE: "#dc2626", UNREPORTED: "#94a3b8"}
WIDTH, ROW, TOP, LEFT, RIGHT = 1600, 64, 100, 340, 170


def cjk_font() -> str | None:
    """A font file with Chinese glyphs: a known place, else what fontconfig names."""
    for path in FONT_FILES:
        if Path(path).is_file():
            return path
    if shutil.which("fc-match"):
        try:
            done = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
                capture_output=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        found = done.stdout.decode("utf-8", "replace").strip()
        if found and Path(found).is_file():
            return found
    return None


def unit_chart_png(figures: dict[str, Any], rate_decimals: int = 1) -> bytes | None:
    """The chart's PNG bytes; None without units to draw or without a Chinese font."""
    from PIL import Image, ImageDraw, ImageFont

    f = to_json(figures)
    units = [u for u in f["by_unit"] if u["projects"] or u["status"] == UNREPORTED]
    font_file = cjk_font()
    if not units or font_file is None:
        return None
    label, small = ImageFont.truetype(font_file, 34), ImageFont.truetype(font_file, 30)
    height = TOP + ROW * len(units) + 60
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    tp = f["time_progress"]
    top_rate = max([u["completion_rate"] or 0 for u in units] + [tp, 0.5]) * 1.08
    span = WIDTH - LEFT - RIGHT

    def x(rate: float) -> float:
        return LEFT + span * min(rate, top_rate) / top_rate

    draw.text((LEFT, 20), "各单位年度投资完成率", fill="black", font=label)
    for i, u in enumerate(units):
        y = TOP + i * ROW
        colour = PRINT_COLOURS.get(u["status"], PRINT_COLOURS[NORMAL])
        draw.text((LEFT - 16, y + ROW / 2), str(u["name"]), fill="black", font=label, anchor="rm")
        rate = u["completion_rate"]
        if rate is None:
            draw.text((LEFT + 8, y + ROW / 2), u["status"], fill=colour, font=small, anchor="lm")
            continue
        draw.rectangle((LEFT, y + 10, max(x(rate), LEFT + 2), y + ROW - 10), fill=colour)
        text = pct(rate, rate_decimals)
        draw.text((x(rate) + 10, y + ROW / 2), text, fill="black", font=small, anchor="lm")
    line_x = x(tp)
    for y0 in range(TOP - 10, TOP + ROW * len(units), 18):  # dashed
        draw.line((line_x, y0, line_x, y0 + 10), fill="black", width=3)
    note = f"时间进度 {pct(tp, rate_decimals)}"
    draw.text((line_x, TOP - 14), note, fill="black", font=small, anchor="mb")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def add_chart(docx: bytes, png: bytes, width_cm: float = 15.5) -> bytes:
    """The bulletin with the chart after its ranking table (the table whose first row says
    排名); at the end when the clerk's template has no such table."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Cm, Pt

    doc = Document(io.BytesIO(docx))
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = para.paragraph_format  # the body's exact 28 pt lines would clip the picture
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent, fmt.space_before, fmt.space_after = Cm(0), Pt(6), Pt(6)
    para.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
    ranking = next(
        (t for t in doc.tables if "排名" in "".join(c.text for c in t.rows[0].cells)), None
    )
    if ranking is not None:
        ranking._tbl.addnext(para._p)  # moved from the end to just after the table
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
