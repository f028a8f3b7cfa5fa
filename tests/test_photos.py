"""Photos of 形象进度 in the month's 照片 folder: matched by name or code, dated, bad ones
skipped with a reason, counted in the merged workbook, shown on the screen, and the photo
book."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import builders
from docx import Document
from lxml import html as lxml_html
from PIL import Image

from ledgerkit import pipeline
from ledgerkit.layout import DETAIL_SHEET, FILES_SHEET, PHOTOS_SHEET, read_table
from ledgerkit.period import Period
from ledgerkit.photos import BOOK_SIDE, check_photo
from ledgerkit.settings import Settings

HEAD = ["项目编码", "项目名称", "责任单位", "包抓领导", "总投资", "年度计划投资",
        "累计完成投资", "是否开工", "形象进度"]  # fmt: skip
ROWS = [
    ["XC-001", "卧龙镇道路工程", "卧龙镇", "张三", 5000, 1000, 300, "是", "路基完成"],
    ["XC-002", "卧龙镇污水管网工程", "卧龙镇", "李四", 3000, 800, 100, "是", "管网铺设"],
    ["XC-003", "卧龙镇游客中心", "卧龙镇", "王五", 2000, 500, 0, "否", "前期手续"],
    ["XC-004", "<script>alert(1)</script>", "卧龙镇", "赵六", 2000, 500, 200, "是", "主体施工"],
]
FIXED = 1_712_000_000  # 2024-04-01: the file time of photos without EXIF


def jpeg(path: Path, size: tuple[int, int] = (1600, 1200), taken: str = "") -> Path:
    """A photo (stripes, so it compresses like one), with the camera's date if given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (60, 120, 80))
    for x in range(0, size[0], 40):
        image.paste((200, 200, 200), (x, 0, x + 6, size[1]))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    image.save(path, "JPEG", quality=85, exif=exif)
    os.utime(path, (FIXED, FIXED))
    return path


def bomb(path: Path) -> Path:
    """A PNG of a few bytes that says it is 40000×40000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    path.write_bytes(data + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


def month(tmp_path: Path) -> Path:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇重点项目台账"], HEAD, *ROWS], ["A1:I1"])
    photos = folder / "照片"
    jpeg(photos / "卧龙镇道路工程" / "1.jpg", taken="2024:04:18 10:00:00")
    jpeg(photos / "卧龙镇道路工程" / "2.jpg", taken="2024:04:25 16:30:00")
    jpeg(photos / "卧龙镇" / "XC-004" / "现场.jpg")  # a unit's folder, the project by code
    (photos / "卧龙镇道路工程" / "说明.jpg").write_text("不是照片", encoding="utf-8")
    whole = (photos / "卧龙镇道路工程" / "1.jpg").read_bytes()
    (photos / "卧龙镇道路工程" / "半张.jpg").write_bytes(whole[: len(whole) // 2])
    bomb(photos / "卧龙镇道路工程" / "大图.png")
    jpeg(photos / "不存在的项目" / "a.jpg")
    jpeg(photos / "散放.jpg")  # not in a project's folder
    return folder


def merged(tmp_path: Path) -> tuple[pipeline.MonthRun, Settings]:
    settings = Settings(region="襄城区", workspace=tmp_path)
    run = pipeline.merge([month(tmp_path)], settings, period=Period.parse("2024-04"))
    return run, settings


def test_photos_are_matched_dated_and_bad_ones_named(tmp_path: Path) -> None:
    run, _ = merged(tmp_path)
    found = {(i.code, i.file): i.message for i in run.result.issues if "photo" in i.code}
    skipped = {f for code, f in found if code == "photo-skipped"}
    assert skipped == {
        "照片/散放.jpg",
        "照片/卧龙镇道路工程/说明.jpg",
        "照片/卧龙镇道路工程/半张.jpg",
        "照片/卧龙镇道路工程/大图.png",
    }
    assert "像素过多" in found[("photo-skipped", "照片/卧龙镇道路工程/大图.png")]
    assert "不完整" in found[("photo-skipped", "照片/卧龙镇道路工程/半张.jpg")]
    assert ("photo-unmatched", "照片/不存在的项目") in found
    missing = [m for (code, _), m in found.items() if code == "photo-missing"]
    assert missing == ["已开工项目“卧龙镇污水管网工程”（卧龙镇）本月没有报送形象进度照片"]
    assert run.photos is not None
    dates = {p.path.name: (p.taken, p.taken_from) for p in run.photos.photos}
    assert dates["2.jpg"] == ("2024-04-25", "EXIF")
    assert dates["现场.jpg"][1] == "文件时间"


def test_the_workbook_counts_photos_and_files_stay_ledgers(tmp_path: Path) -> None:
    run, _ = merged(tmp_path)
    assert run.output is not None
    heads, rows = read_table(run.output, PHOTOS_SHEET) or ([], [])
    table = {r[heads.index("项目名称")]: r for r in rows}
    count, latest = heads.index("照片张数"), heads.index("最近拍摄日期")
    assert table["卧龙镇道路工程"][count] == 2 and table["卧龙镇道路工程"][latest] == "2024-04-25"
    assert table["卧龙镇污水管网工程"][count] == 0
    assert table["<script>alert(1)</script>"][count] == 1
    detail = read_table(run.output, DETAIL_SHEET)
    assert detail is not None
    column = detail[0].index("照片张数")
    assert detail[0][column + 1] == "来源文件"  # before the source columns
    counts = {r[detail[0].index("项目名称")]: r[column] for r in detail[1]}
    assert counts == {"卧龙镇道路工程": 2, "卧龙镇污水管网工程": 0, "卧龙镇游客中心": 0,
                      "<script>alert(1)</script>": 1}  # fmt: skip
    files = read_table(run.output, FILES_SHEET)
    assert files is not None and [r[0] for r in files[1]] == ["卧龙镇.xlsx"]  # no photo listed


def test_a_month_without_photos_has_no_photo_sheet_or_findings(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇重点项目台账"], HEAD, *ROWS], ["A1:I1"])
    settings = Settings(workspace=tmp_path)
    run = pipeline.merge([folder], settings, period=Period.parse("2024-04"))
    assert run.output is not None and read_table(run.output, PHOTOS_SHEET) is None
    assert not [i for i in run.result.issues if "photo" in i.code]


def test_the_photo_book(tmp_path: Path, capsysbinary: Any) -> None:
    run, settings = merged(tmp_path)
    jpeg(
        tmp_path / "2024-04" / "照片" / "卧龙镇道路工程" / "大.jpg",
        (4000, 3000),
        "2024:04:01 08:00:00",
    )
    out = tmp_path / "图册.docx"
    code, stdout, _ = builders.run_cli(
        capsysbinary, "photos", str(run.output), "-o", str(out), "--json"
    )
    assert code in (0, 1)
    result = json.loads(stdout)
    assert result["projects"] == 2 and result["photos"] == 4  # 3 of the road's + the code's
    assert result == pipeline.photos(run.output, settings, out).to_dict()  # what --json says
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "卧龙镇道路工程" in text and "<script>alert(1)</script>" in text
    assert "2024-04-25（拍摄）" in "\n".join(
        p.text for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs
    )
    assert len(doc.inline_shapes) == 4
    images = [p for p in doc.part.package.parts if p.partname.startswith("/word/media/")]
    for part in images:  # the 4000×3000 photo too: downscaled
        assert max(Image.open(io.BytesIO(part.blob)).size) <= BOOK_SIDE
    assert out.stat().st_size < 1_000_000


def test_the_screen_shows_photos_within_its_size(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path)
    folder = tmp_path / "2024-04"
    folder.mkdir()
    rows = [
        [f"XC-{n:03d}", f"项目{n}", "卧龙镇", "张三", 100, 50, 20, "是", "施工"] for n in range(30)
    ]
    builders.xlsx(folder / "卧龙镇.xlsx", [["卧龙镇重点项目台账"], HEAD, *rows], ["A1:I1"])
    for n in range(30):  # a phone's 12 megapixels each
        jpeg(folder / "照片" / f"项目{n}" / "1.jpg", (4000, 3000))
    ledger = pipeline.merge([folder], settings, period=Period.parse("2024-04")).output
    assert ledger is not None
    run = pipeline.screen(ledger, settings, tmp_path / "大屏.html")
    assert [k for k in run.pages if k.startswith("photos")] == [f"photos-{n}" for n in range(1, 7)]
    page = lxml_html.fromstring(run.output.read_bytes())
    assert len(page.xpath("//img[starts-with(@src, 'data:image/jpeg;base64,')]")) == 24
    assert run.output.stat().st_size < 3_000_000


def test_a_photo_is_checked_once_read_whole(tmp_path: Path) -> None:
    path = jpeg(tmp_path / "a.jpg", taken="2024:03:31 23:59:59")
    assert check_photo(path) == ("2024-03-31", "EXIF")


def test_the_photo_column_reads_back_and_is_written_once(tmp_path: Path) -> None:
    run, settings = merged(tmp_path)
    assert run.output is not None
    again = pipeline.report(run.output, settings, xlsx=tmp_path / "重写.xlsx")
    assert again.figures["overall"] == (run.figures or {})["overall"]
    detail = read_table(tmp_path / "重写.xlsx", DETAIL_SHEET)
    assert detail is not None and detail[0].count("照片张数") == 1
