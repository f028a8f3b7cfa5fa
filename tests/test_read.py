"""Read stage: every kind of file units send, told from its bytes, read to the same values."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from builders import (
    DATA,
    TOWNSHIP_HTML_SPANS,
    TOWNSHIP_MERGES,
    TOWNSHIP_ROWS,
    assert_accounted,
    assert_township,
    csv_file,
    encrypted_ole,
    html_xls,
    lock_file,
    xls,
    xlsm,
    xlsx,
)

from ledgerkit.errors import UnreadableFile
from ledgerkit.pipeline import discover, load_file, merge_paths
from ledgerkit.read import read_book

# TOWNSHIP_MERGES as xlwt wants them: (first row, last row, first col, last col), 0-based
TOWNSHIP_XLS_MERGES = [
    (0, 0, 0, 9),
    (2, 3, 0, 0),
    (2, 3, 1, 1),
    (2, 3, 2, 2),
    (2, 3, 3, 3),
    (2, 2, 4, 6),
    (2, 3, 7, 7),
    (2, 3, 8, 8),
    (2, 3, 9, 9),
    (9, 10, 2, 2),
    (5, 5, 0, 9),
    (8, 8, 0, 9),
]


def township_html_rows() -> list[list[object]]:
    """TOWNSHIP_ROWS with the cells covered by a span left out (None)."""
    rows = [list(r) for r in TOWNSHIP_ROWS]
    for (r0, c0), (rs, cs) in TOWNSHIP_HTML_SPANS.items():
        for r in range(r0, r0 + rs):
            for c in range(c0, c0 + cs):
                if (r, c) != (r0, c0):
                    rows[r][c] = None
    return rows


# --- each format ------------------------------------------------------------------------------


def test_xlsx_written_by_openpyxl_is_read_with_merged_ranges(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    book = read_book(path)
    assert book.format == "xlsx"
    assert [s.name for s in book.sheets] == ["台账"]
    sheet = book.sheets[0]
    assert len(sheet.rows) == 14
    assert sheet.rows[0][0] == "卧龙镇2024年重点项目推进台账（1-4月）"
    assert sheet.rows[6][4] == "1,200"  # text numbers stay text until normalised
    assert (0, 0, 0, 9) in sheet.merged
    assert (2, 4, 2, 6) in sheet.merged
    assert (9, 2, 10, 2) in sheet.merged
    assert_township(path, "xlsx")


def test_xlsm_macro_workbook_is_read_like_xlsx(tmp_path: Path) -> None:
    path = xlsm(tmp_path / "卧龙镇.xlsm", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    with zipfile.ZipFile(path) as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")
    assert_township(path, "xlsx")


def test_real_xls_written_by_xlwt(tmp_path: Path) -> None:
    path = xls(tmp_path / "卧龙镇.xls", TOWNSHIP_ROWS, TOWNSHIP_XLS_MERGES)
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    book = read_book(path)
    assert book.format == "xls"
    assert (2, 4, 2, 6) in book.sheets[0].merged
    assert_township(path, "xls")


def test_real_xls_dates_and_numbers(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资", "实际开工时间"],
        ["甲项目", 1000, 300, 120.5, dt.date(2024, 3, 15)],
        ["乙项目", 0.1, 0.2, None, "未开工"],
    ]
    result = load_file(xls(tmp_path / "城关镇.xls", rows))
    assert result.status == "merged"
    first, second = result.ledger.projects
    assert first.actual_start == "2024-03-15"
    assert first.started is True
    assert (first.total_investment, first.ytd_completed) == (Decimal(1000), Decimal("120.5"))
    assert (second.total_investment, second.annual_plan) == (Decimal("0.1"), Decimal("0.2"))
    assert second.ytd_completed is None
    assert second.started is False
    assert_accounted(result.ledger, result.issues)


def test_html_named_xls_with_colspan_rowspan_header(tmp_path: Path) -> None:
    path = html_xls(tmp_path / "卧龙镇.xls", township_html_rows(), TOWNSHIP_HTML_SPANS)
    assert path.read_bytes().startswith(b"<html")
    book = read_book(path)
    assert book.format == "html"
    sheet = book.sheets[0]
    assert (2, 4, 2, 6) in sheet.merged  # colspan=3 over 总投资 / 计划 / 完成
    assert (2, 0, 3, 0) in sheet.merged  # rowspan=2 on 序号
    assert sheet.rows[3][4:7] == ["总投资", "2024年计划投资", "1-4月完成投资"]
    assert_township(path, "html")


def test_html_in_gbk_with_charset_meta(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "责任单位", "总投资", "年度计划投资", "累计完成投资"],
        ["城关镇老旧小区改造", "城关镇", "１２３．５", "无", "45"],
    ]
    path = html_xls(tmp_path / "城关镇.xls", rows, encoding="gbk")
    assert "城关镇".encode("gbk") in path.read_bytes()
    result = load_file(path)
    assert result.ledger.format == "html"
    (project,) = result.ledger.projects
    assert project.name == "城关镇老旧小区改造"
    assert project.unit == "城关镇"
    assert project.total_investment == Decimal("123.5")
    assert project.annual_plan is None
    assert project.ytd_completed == Decimal(45)
    assert_accounted(result.ledger, result.issues)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_with_bom_without_bom_and_gbk(tmp_path: Path, encoding: str) -> None:
    path = csv_file(tmp_path / "卧龙镇.csv", TOWNSHIP_ROWS, encoding=encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    book = read_book(path)
    assert book.format == "csv"
    assert book.sheets[0].rows[0][0] == "卧龙镇2024年重点项目推进台账（1-4月）"  # no BOM left
    assert book.sheets[0].rows[6][6] == "１２３．５"
    # a CSV has no merged cells: the leader typed once is not repeated
    assert_township(path, "csv", leader_merged=False)


def test_csv_header_on_first_row_keeps_no_bom_in_first_header(tmp_path: Path) -> None:
    rows = [["序号", "项目名称", "总投资", "年度计划投资", "累计完成投资"], [1, "甲项目", 10, 5, 1]]
    path = csv_file(tmp_path / "甲镇.csv", rows, encoding="utf-8-sig")
    book = read_book(path)
    assert book.sheets[0].rows[0][0] == "序号"
    result = load_file(path)
    assert result.ledger.columns[0].field == "seq"
    assert result.ledger.projects[0].total_investment == Decimal(10)


def test_tab_separated_text_in_gbk(tmp_path: Path) -> None:
    rows = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["乙项目", "1,200", "300", "20"],
    ]
    path = csv_file(tmp_path / "乙镇.txt", rows, encoding="gbk", delimiter="\t")
    result = load_file(path)
    assert result.status == "merged"
    (project,) = result.ledger.projects
    assert project.total_investment == Decimal(1200)
    assert project.unit == "乙镇"


# --- the format is told from the bytes, not the extension -------------------------------------


def test_xlsx_named_xls_is_read_as_xlsx(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    path = path.rename(tmp_path / "卧龙镇.xls")
    assert read_book(path).format == "xlsx"
    assert_township(path, "xlsx")


def test_csv_named_xls_is_read_as_csv(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "卧龙镇.xls", TOWNSHIP_ROWS, encoding="gbk")
    assert read_book(path).format == "csv"
    assert_township(path, "csv", leader_merged=False)


def test_real_xls_named_xlsx_is_read_as_xls(tmp_path: Path) -> None:
    path = xls(tmp_path / "卧龙镇.xls", TOWNSHIP_ROWS, TOWNSHIP_XLS_MERGES)
    path = path.rename(tmp_path / "卧龙镇.xlsx")
    assert read_book(path).format == "xls"
    assert_township(path, "xls")


def test_wps_et_file_is_discovered_and_read(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "卧龙镇.et", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    (folder / "说明.docx").write_bytes(b"PK\x03\x04not a ledger")
    candidates, skipped = discover([folder])
    assert [p.name for p in candidates] == ["卧龙镇.et"]
    assert [(f.label, f.status) for f in skipped] == [("说明.docx", "skipped")]
    assert_township(folder / "卧龙镇.et", "xlsx")


# --- which sheet ----------------------------------------------------------------------------

HELP_ROWS = [
    ["填表说明"],
    ["1. 金额单位为万元，保留两位小数"],
    ["2. 项目名称请填写全称，不得简写"],
    ["3. 是否开工填“是”或“否”"],
]


def test_help_sheet_first_the_ledger_sheet_is_used(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES, before=[("填表说明", HELP_ROWS)]
    )
    book = read_book(path)
    assert [s.name for s in book.sheets] == ["填表说明", "台账"]
    result = load_file(path)
    assert result.ledger.sheet == "台账"
    assert len(result.ledger.projects) == 3
    assert all(p.source.sheet == "台账" for p in result.ledger.projects)
    assert_accounted(result.ledger, result.issues)


def test_hidden_stale_sheet_is_never_merged(tmp_path: Path) -> None:
    stale = [
        ["项目名称", "总投资", "年度计划投资", "累计完成投资"],
        ["三月的旧项目", 99999, 99999, 99999],
    ]
    path = xlsx(tmp_path / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES, hidden=[("3月", stale)])
    book = read_book(path)
    assert book.hidden == ("3月",)
    assert [s.name for s in book.sheets] == ["台账"]
    result = load_file(path)
    assert result.status == "merged"
    names = [p.name for p in result.ledger.projects]
    assert "三月的旧项目" not in names
    assert len(names) == 3
    hidden = [i for i in result.issues if i.code == "sheet-hidden"]
    assert len(hidden) == 1
    assert hidden[0].severity == "info"
    assert "3月" in hidden[0].message
    assert_accounted(result.ledger, result.issues)


def test_ledger_only_on_a_hidden_sheet_is_skipped(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "卧龙镇.xlsx", HELP_ROWS, sheet="说明", hidden=[("台账", TOWNSHIP_ROWS)])
    result = load_file(path)
    assert result.status == "skipped"
    assert result.ledger is None
    assert [i.code for i in result.issues] == ["file-skipped"]


def test_workbook_without_ledger_header_is_skipped(tmp_path: Path) -> None:
    rows = [["通知"], ["请各单位于每月5日前报送台账"], ["联系人", "张三", "电话", "1234567"]]
    result = load_file(xlsx(tmp_path / "通知.xlsx", rows, sheet="Sheet1"))
    assert result.status == "skipped"
    assert "项目名称" in result.reason
    assert result.issues[0].code == "file-skipped"
    assert result.issues[0].severity == "info"


def test_lock_files_are_skipped_by_discover_and_merge(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    lock = lock_file(folder, "卧龙镇.xlsx")
    assert lock.name == "~$卧龙镇.xlsx"
    candidates, skipped = discover([folder])
    assert [p.name for p in candidates] == ["卧龙镇.xlsx"]
    assert [(f.label, f.status) for f in skipped] == [("~$卧龙镇.xlsx", "skipped")]
    assert "锁文件" in skipped[0].reason
    result = merge_paths([folder])
    assert result.period.key == "2024-04"
    statuses = {f.label: f.status for f in result.files}
    assert statuses == {"卧龙镇.xlsx": "merged", "~$卧龙镇.xlsx": "skipped"}
    assert len(result.projects) == 3
    assert not [i for i in result.issues if i.code == "file-unreadable"]


def test_lock_file_given_by_name_is_skipped(tmp_path: Path) -> None:
    lock = lock_file(tmp_path, "城关镇.xlsx")
    candidates, skipped = discover([lock])
    assert candidates == []
    assert [f.status for f in skipped] == ["skipped"]


# --- files that cannot be read ----------------------------------------------------------------


def _empty(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def _truncated(folder: Path) -> Path:
    whole = xlsx(folder / "whole.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES).read_bytes()
    (folder / "whole.xlsx").unlink()
    path = folder / "半截.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _corrupt(folder: Path) -> Path:
    path = folder / "乱码.xlsx"
    path.write_bytes(random.Random(7).randbytes(4096))
    return path


def _garbage_without_nul(folder: Path) -> Path:
    path = folder / "乱码2.xlsx"
    path.write_bytes(bytes(b for b in random.Random(8).randbytes(6000) if b))
    return path


def _encrypted_simulated(folder: Path) -> Path:
    return encrypted_ole(folder / "加密.xlsx")


def _encrypted_real(folder: Path) -> Path:
    # encrypted with msoffcrypto-tool (password 1234): an OLE file, not a zip
    return Path(shutil.copy(DATA / "password-1234.xlsx", folder / "加密真.xlsx"))


def _not_a_workbook_zip(folder: Path) -> Path:
    path = folder / "附件.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("照片.txt", "不是表格")
    return path


def _xml_spreadsheet(folder: Path) -> Path:
    path = folder / "2003.xls"
    path.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        "</Workbook>",
        encoding="utf-8",
    )
    return path


BAD_FILES = [
    (_empty, "空的（0 字节）"),
    (_truncated, "损坏或不完整"),
    (_corrupt, "无法识别"),
    (_garbage_without_nul, "编码"),
    (_encrypted_simulated, "密码"),
    (_encrypted_real, "密码"),
    (_not_a_workbook_zip, "不是 Excel 工作簿"),
    (_xml_spreadsheet, "XML"),
]


@pytest.mark.parametrize(("make", "reason"), BAD_FILES, ids=[m.__name__ for m, _ in BAD_FILES])
def test_unreadable_file_fails_with_chinese_reason(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path)
    result = load_file(path)
    assert result.status == "failed"
    assert result.ledger is None
    assert reason in result.reason
    assert [i.code for i in result.issues] == ["file-unreadable"]
    assert result.issues[0].severity == "error"
    assert result.issues[0].file == path.name
    assert reason in result.issues[0].message


def test_real_encrypted_workbook_is_an_ole_file() -> None:
    data = (DATA / "password-1234.xlsx").read_bytes()
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert "EncryptedPackage".encode("utf-16-le") in data


def test_bad_files_fail_and_the_others_are_still_merged(tmp_path: Path) -> None:
    folder = tmp_path / "2024-04"
    folder.mkdir()
    xlsx(folder / "卧龙镇.xlsx", TOWNSHIP_ROWS, TOWNSHIP_MERGES)
    csv_file(
        folder / "城关镇.csv", [["项目名称", "总投资", "年度计划投资"], ["城关镇学校", 800, 200]]
    )
    bad = [make(folder) for make, _ in BAD_FILES]
    lock_file(folder, "卧龙镇.xlsx")
    result = merge_paths([folder])
    statuses = {f.label: f.status for f in result.files}
    assert statuses.pop("卧龙镇.xlsx") == "merged"
    assert statuses.pop("城关镇.csv") == "merged"
    assert statuses.pop("~$卧龙镇.xlsx") == "skipped"
    assert statuses == {p.name: "failed" for p in bad}
    assert not result.ok
    assert len(result.projects) == 4
    assert sorted(p.unit for p in result.projects) == ["卧龙镇"] * 3 + ["城关镇"]
    failed = [i for i in result.issues if i.code == "file-unreadable"]
    assert sorted(i.file for i in failed) == sorted(p.name for p in bad)
    for f in result.files:
        if f.ledger is not None:
            assert_accounted(f.ledger, f.issues)


def test_a_temporary_output_left_by_a_killed_run_is_not_read(tmp_path):
    from ledgerkit.pipeline import discover

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / ".ledgerkit-abc123.xlsx").write_bytes(b"PK\x03\x04half")
    (folder / "~$卧龙镇.xlsx").write_bytes(b"\x00" * 165)
    candidates, skipped = discover([folder])
    assert candidates == [] and {f.status for f in skipped} == {"skipped"}


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_file_whose_bytes_do_not_match_its_size_is_named_as_changed(tmp_path: Path) -> None:
    # a file being written while it is read shows one size and yields other bytes: here a
    # /proc file (size 0, text when read) stands for it, under a ledger's name
    (tmp_path / "正在写入.csv").symlink_to("/proc/self/status")
    with pytest.raises(UnreadableFile, match="文件在读取时被改动"):
        read_book(tmp_path / "正在写入.csv")
