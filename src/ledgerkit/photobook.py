"""The photo book (形象进度图册): a page per project with photos, in one Word file.

Each page: the project's name, unit, 包抓领导, 形象进度 and completion, then up to four
photos (the latest first) with their dates. Photos are downscaled in memory (`BOOK_SIDE`
pixels, JPEG) so the file stays small enough to send by message.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ledgerkit.fmt import pct
from ledgerkit.metrics import Assessed
from ledgerkit.photos import BOOK_SIDE, BadPhoto, PhotoIndex, downscaled

PHOTOS_PER_PAGE = 4
PHOTO_WIDTH_CM = 7.6  # two across an A4 page's text width


def photo_book(title: str, assessed: Sequence[Assessed], photos: PhotoIndex, places: int) -> bytes:
    """The .docx bytes: a title page line, then a page per project that has photos."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from ledgerkit.bulletin import set_east_asian_fonts

    doc = Document()
    doc.core_properties.author = "ledgerkit"
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold, run.font.size = True, Pt(20)
    first = True
    for a in assessed:
        mine = photos.of(a.unit, str(a.project.name or ""))[:PHOTOS_PER_PAGE]
        if not mine:
            continue
        if not first:
            doc.add_page_break()
        first = False
        _project_page(doc, a, mine, places)
    if first:
        doc.add_paragraph("本月没有与项目对应的形象进度照片。")
    set_east_asian_fonts(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _project_page(doc: Any, a: Assessed, mine: Sequence[Any], places: int) -> None:
    from docx.shared import Cm, Pt

    p = a.project
    name = doc.add_paragraph()
    run = name.add_run(str(p.name or ""))
    run.bold, run.font.size = True, Pt(16)
    facts = [
        ("责任单位", a.unit),
        ("包抓领导", str(p.leader or "")),
        ("形象进度", str(p.progress or "")),
        ("年度投资完成率", pct(a.completion_rate, places) + f"（{a.status}）"),
    ]
    table = doc.add_table(rows=len(facts), cols=2)
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, (Cm(3.5), Cm(12.5)), strict=True):
        column.width = width  # the grid: what LibreOffice and WPS go by
    for row, (label, value) in zip(table.rows, facts, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
        for cell, width in zip(row.cells, (Cm(3.5), Cm(12.5)), strict=True):
            cell.width = width
            for para in cell.paragraphs:
                for r in para.runs:
                    r.font.size = Pt(12)
    doc.add_paragraph()
    grid = doc.add_table(rows=(len(mine) + 1) // 2, cols=2)
    for i, photo in enumerate(mine):
        cell = grid.rows[i // 2].cells[i % 2]
        para = cell.paragraphs[0]
        try:
            data = downscaled(photo.path, BOOK_SIDE)
        except (BadPhoto, OSError) as exc:  # changed on disk since the merge
            para.add_run(f"{photo.path.name}：{exc}")
            continue
        para.add_run().add_picture(io.BytesIO(data), width=Cm(PHOTO_WIDTH_CM))
        when = "拍摄" if photo.taken_from == "EXIF" else "文件时间"
        cell.add_paragraph(f"{photo.taken}（{when}）  {photo.path.name}")
