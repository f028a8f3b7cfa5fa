"""The command line as batch files use it: exit codes, --json, Chinese on any console."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from builders import HEAD, run_cli, xlsx


def test_merge_writes_the_workbook_and_exits_1_on_data_errors(month, tmp_path, capsysbinary):
    out = tmp_path / "2024-04汇总.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    assert code == 1
    assert "汇总表已写出" in stdout and "欧庙镇.xlsx" in stdout
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["总体情况", "分单位"]


def test_merge_json_is_one_object_with_the_promised_keys(month, tmp_path, capsysbinary):
    out = tmp_path / "o.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(out), "--json")
    data = json.loads(stdout)  # nothing but the object on stdout
    assert code == 1
    assert set(data) >= {"period", "output", "files", "totals", "by_unit", "by_category", "issues"}
    assert data["period"] == "2024-04" and data["output"] == str(out)
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert files["卧龙镇.xlsx"] == {
        "path": str(month / "卧龙镇.xlsx"),
        "unit": "卧龙镇",
        "sheet": "台账",
        "status": "merged",
        "projects": 3,
        "reason": "",
        "sheets": [
            {
                "sheet": "台账",
                "counted": True,
                "unit": "卧龙镇",
                "unit_source": "标题",
                "projects": 3,
                "set_aside_as": None,
                "reason": "",
            }
        ],
    }
    assert files["欧庙镇.xlsx"]["status"] == "failed" and "损坏" in files["欧庙镇.xlsx"]["reason"]
    assert files["~$卧龙镇.xlsx"]["status"] == "skipped"
    # 卧龙镇 7300 + 开发区 120000+1200+5000 + 交通局 8000 (the 待定 row counts nothing)
    assert data["totals"] == {
        "projects": 8,
        "started": 6,
        "total_investment": 141500,
        "annual_plan": 35700,
        "ytd_completed": 14175.5,
    }
    assert data["by_unit"]["卧龙镇"]["ytd_completed"] == 875.5
    assert data["by_category"]["续建"]["projects"] == 2
    issue = next(i for i in data["issues"] if i["code"] == "bad-number")
    assert issue == {
        "code": "bad-number",
        "severity": "error",
        "file": "区交通运输局.csv",
        "sheet": "",
        "cell": "C3",
        "message": issue["message"],
    }


def test_check_writes_nothing_and_has_the_same_json(month, capsysbinary):
    before = sorted(p.name for p in month.parent.iterdir())
    code, stdout, _ = run_cli(capsysbinary, "check", str(month), "--json")
    assert code == 1 and json.loads(stdout)["output"] is None
    assert sorted(p.name for p in month.parent.iterdir()) == before


def test_a_clean_month_exits_0(clean_month, tmp_path, capsysbinary):
    code, stdout, _ = run_cli(capsysbinary, "check", str(clean_month))
    assert code == 0 and "没有发现问题" in stdout


# what typer and click write in English around help pages and usage errors
ENGLISH_CHROME = {
    "Usage",
    "Options",
    "Commands",
    "Arguments",
    "Show this message",
    "required",
    "default:",
    "env var",
    "Error",
    "Try '",
    "Missing",
    "No such",
    "Invalid value",
    "Got unexpected",
    "[OPTIONS]",
    "COMMAND",
    "TEXT",
    "PATH",
    "<str>",
    "<path>",
    "list[",
    "{paths}",
}
COMMANDS = [
    "merge",
    "check",
    "report",
    "notices",
    "screen",
    "photos",
    "score",
    "problems",
    "status",
    "history",
    "template",
    "init",
]


def _english(text: str) -> set[str]:
    return {word for word in ENGLISH_CHROME if word in text}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["merge"], "缺少参数：台账文件或文件夹…"),
        (["merge", "2024-04", "--bogus"], "没有 --bogus 这个选项"),
        (["merge", "2024-04", "--outptu", "x"], "是不是 --output？"),
        (["merge", "2024-04", "--period", "2024-13"], "--period 的值不对：“2024-13”不是年月"),
        (["template", "--period", "2024-05"], "缺少选项：-o / --output"),
        (["status", "2024-04"], "多出了参数：2024-04"),
        (["mrege", "2024-04"], "没有“mrege”这个命令，是不是 merge？"),
        (["merge", "2024-04", "--period"], "选项 --period 后面要写一个值"),
    ],
)
def test_usage_errors_are_chinese_and_exit_2(args, says, capsysbinary):
    code, stdout, err = run_cli(capsysbinary, *args)
    assert code == 2 and not stdout
    assert says in err and "错误：" in err, err
    assert not _english(err), err


def test_a_usage_error_shows_the_usage_line_and_where_to_read_more(capsysbinary):
    _, _, err = run_cli(capsysbinary, "merge", "--bogus")
    assert err.splitlines()[:2] == [
        "用法：ledgerkit merge [选项] 台账文件或文件夹…",
        "运行“ledgerkit merge --help”查看说明。",
    ]


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_pages_are_chinese(name, capsysbinary):
    code, page, _ = run_cli(capsysbinary, *([name] if name else []), "--help")
    assert code == 0 and page.startswith(f"用法：ledgerkit {name}".rstrip())
    assert not _english(page), page
    assert "选项：" in page and "显示本说明" in page
    if name:
        assert "例：ledgerkit " + name in page  # every command shows an example


def test_the_top_level_help_is_for_a_clerk(capsysbinary):
    code, page, _ = run_cli(capsysbinary, "--help")
    assert code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in page and f"例：ledgerkit {name}" in page
    for line in (
        "0  没有问题",
        "1  数据有错误或文件读取失败，输出照样写出",
        "2  用法不对",
        "3  无法运行",
    ):
        assert line in page
    # with no arguments at all: the same page, and 2 for a .bat whose %1 came out empty
    assert run_cli(capsysbinary) == (2, page, "")


def test_every_command_is_in_the_help():
    from ledgerkit.cli import app

    assert [c.callback.__name__ for c in app.registered_commands] == COMMANDS


def test_each_help_page_matches_its_command(capsysbinary):
    _, status, _ = run_cli(capsysbinary, "status", "--help")
    assert "用法：ledgerkit status [选项]\n" in status and "参数：" not in status
    assert "不用写文件夹" in status and "默认从文件夹名" not in status
    _, template, _ = run_cli(capsysbinary, "template", "--help")
    assert "--period 年月" in template and "（必填）" in template
    _, init, _ = run_cli(capsysbinary, "init", "--help")
    assert "用法：ledgerkit init [选项] [文件夹]" in init


def test_help_fits_a_narrow_console(capsysbinary, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "60")
    for name in ["", *COMMANDS]:
        _, page, _ = run_cli(capsysbinary, *([name] if name else []), "--help")
        lines = [line for line in page.splitlines() if "例：" not in line]  # kept whole
        assert max(cell_len(line) for line in lines) <= 60, page


def test_an_unknown_message_stays_english_and_a_broken_page_falls_back(capsysbinary, monkeypatch):
    from ledgerkit import cli_help

    assert cli_help.translate("Something typer says one day.") == "Something typer says one day."

    def broken(*_args: object) -> str:
        raise AttributeError("a typer without .opts")

    monkeypatch.setattr(cli_help, "command_page", broken)
    code, page, _ = run_cli(capsysbinary, "merge", "--help")
    assert code == 0 and "--output" in page  # typer's own page: English, but there
    monkeypatch.setattr(cli_help, "usage_line", broken)
    code, _, err = run_cli(capsysbinary, "merge", "--bogus")
    assert code == 2 and "错误：没有 --bogus 这个选项" in err


def test_missing_input_exits_3_with_a_chinese_message(tmp_path, capsysbinary):
    code, _, err = run_cli(capsysbinary, "check", str(tmp_path / "没有这个文件夹"))
    assert code == 3 and "找不到" in err


def test_output_open_in_excel_exits_3(month, tmp_path, capsysbinary):
    (tmp_path / "~$o.xlsx").write_bytes(b"lock")
    code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(tmp_path / "o.xlsx"))
    assert code == 3 and "关闭" in err


def test_default_output_sits_beside_the_folder(month, capsysbinary):
    run_cli(capsysbinary, "merge", str(month))
    assert (month.parent / "2024-04汇总.xlsx").exists()


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledgerkit", *args],
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_gbk_console_and_pipes_never_crash(month):
    # a file name with a character GBK cannot encode, on a console in cp936
    (month / "卧龙镇.xlsx").rename(month / "卧龙镇✅.xlsx")
    done = _run(["check", str(month)], {"PYTHONIOENCODING": "gbk", "COLUMNS": "200"})
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    assert "卧龙镇".encode("gbk") in done.stdout
    done = _run(["check", str(month), "--json"], {"PYTHONIOENCODING": "gbk"})
    assert json.loads(done.stdout.decode("utf-8"))["files"][1]["path"].endswith("卧龙镇✅.xlsx")


def test_version_and_help():
    done = _run(["--version"], {})
    assert done.returncode == 0 and done.stdout.decode().startswith("ledgerkit ")
    done = _run(["--help"], {})
    assert done.returncode == 0 and "merge" in done.stdout.decode("utf-8")


def _same(stdout: str, library: object) -> None:
    """What a command printed with --json is the library's result, value for value."""
    assert json.loads(stdout) == json.loads(json.dumps(library, ensure_ascii=False))


def test_every_json_is_the_library_result(month, tmp_path, capsysbinary, monkeypatch):
    """--json is the pipeline's result as to_dict() gives it, command by command: batch files
    and Python callers see the same thing."""
    from ledgerkit import pipeline
    from ledgerkit.metrics import to_json
    from ledgerkit.settings import load_settings

    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    out = tmp_path / "2024-04汇总.xlsx"
    code, stdout, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(out), "--json")
    assert code == 1
    _same(stdout, pipeline.merge([month], settings, output=out).to_dict())

    code, stdout, _ = run_cli(capsysbinary, "check", str(month), "--json")
    _same(stdout, pipeline.check([month], settings).to_dict())

    code, stdout, _ = run_cli(capsysbinary, "report", str(out), "--json")
    _same(stdout, pipeline.report(out, settings).to_dict())
    assert json.loads(stdout)["overall"]["projects"] == 8

    notices = tmp_path / "督办.docx"
    code, stdout, _ = run_cli(capsysbinary, "notices", str(out), "-o", str(notices), "--json")
    _same(stdout, pipeline.notices(out, settings, notices).to_dict())
    assert json.loads(stdout)["notices"] >= 1 and notices.exists()

    code, stdout, _ = run_cli(capsysbinary, "status", "--json")
    _same(stdout, pipeline.status(settings, tmp_path))
    assert code == 0 and json.loads(stdout)["period"] == "2024-04"

    code, stdout, _ = run_cli(capsysbinary, "history", "卧龙镇", "--json")
    _same(stdout, to_json(pipeline.history(settings, tmp_path, "卧龙镇")))
    assert code == 0 and json.loads(stdout)

    code, stdout, _ = run_cli(capsysbinary, "history", "rebuild", str(out), "--json")
    assert code == 0 and json.loads(stdout) == {"periods": ["2024-04"], "skipped": []}
    _same(stdout, pipeline.rebuild(settings, tmp_path, [out]).to_dict())


def test_output_paths_mean_what_they_say(month, tmp_path, capsysbinary, monkeypatch):
    """A folder given for a file gets the usual name inside it; a name of another format is
    a usage error (exit 2) said before any work; a bulletin's format follows its name."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "输出"
    folder.mkdir()
    code, _, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(folder))
    book = folder / "2024-04汇总.xlsx"
    assert code == 1 and openpyxl.load_workbook(book).sheetnames[0] == "总体情况"
    code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(tmp_path / "汇总.xls"))
    assert code == 2 and ".xlsx" in err and not (tmp_path / "汇总.xls").exists()

    md = tmp_path / "通报.md"
    code, _, _ = run_cli(capsysbinary, "report", str(book), "-o", str(md))
    assert code == 0 and md.read_text("utf-8").startswith("# 关于")  # Markdown, not a .docx
    html = tmp_path / "通报.html"
    run_cli(capsysbinary, "report", str(book), "-o", str(html))
    assert html.read_text("utf-8").startswith("<!DOCTYPE html>")
    code, _, err = run_cli(capsysbinary, "report", str(book), "-o", str(md), "--format", "docx")
    assert code == 2 and ".docx" in err
    code, _, _ = run_cli(capsysbinary, "report", str(book), "-o", str(folder))
    assert code == 0 and (folder / "2024-04汇总通报.docx").read_bytes()[:2] == b"PK"

    code, _, err = run_cli(capsysbinary, "notices", str(book), "-o", str(tmp_path / "督办.txt"))
    assert code == 2 and not (tmp_path / "督办.txt").exists()
    code, _, _ = run_cli(capsysbinary, "notices", str(book), "-o", str(folder))
    assert (folder / "督办通知单.docx").exists()

    a_file = tmp_path / "已有文件"
    a_file.write_text("x", "utf-8")
    code, _, err = run_cli(capsysbinary, "template", "--period", "2024-05", "-o", str(a_file))
    assert code == 2 and "文件夹" in err
    code, _, err = run_cli(capsysbinary, "check", str(month), "--feedback", str(a_file))
    assert code == 2 and "文件夹" in err and a_file.read_text("utf-8") == "x"


def test_a_query_that_finds_nothing_exits_1(month, tmp_path, capsysbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli(capsysbinary, "merge", str(month), "-o", str(tmp_path / "2024-04汇总.xlsx"))
    code, stdout, err = run_cli(capsysbinary, "history", "不存在")
    assert code == 1 and "没有名称含“不存在”的项目" in err and not stdout
    code, stdout, _ = run_cli(capsysbinary, "history", "不存在", "--json")
    assert code == 1 and json.loads(stdout) == {}  # still one JSON object for a batch file


def test_template_for_an_unknown_unit_lists_the_units(month, tmp_path, capsysbinary, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli(capsysbinary, "merge", str(month), "-o", str(tmp_path / "2024-04汇总.xlsx"))
    args = ["template", "--period", "2024-05", "-o", str(tmp_path / "下发"), "--unit", "不存在"]
    code, _, err = run_cli(capsysbinary, *args)
    assert code == 2 and "没有“不存在”这个单位" in err
    assert all(unit in err for unit in ("卧龙镇", "区交通运输局", "襄城经济开发区"))
    assert not (tmp_path / "下发").exists()


def test_progress_is_reported_once_per_file_read(month):
    from ledgerkit.pipeline import discover, merge_paths

    calls: list[tuple[int, int]] = []
    merge_paths([month], on_file=lambda done, total: calls.append((done, total)))
    read, _ = discover([month])  # all but the lock file, which is skipped unread
    assert len(read) == 5 and calls == [(n, 5) for n in range(1, 6)]


def test_no_progress_bar_when_piped_or_with_json(month, tmp_path, capsysbinary):
    many = tmp_path / "2024-05"
    many.mkdir()
    for n in range(12):  # enough files for a bar at a terminal
        (many / f"{n:02d}卧龙镇.xlsx").write_bytes((month / "卧龙镇.xlsx").read_bytes())
    code, stdout, err = run_cli(capsysbinary, "check", str(many))
    assert code in (0, 1) and err == "" and "读取台账" not in stdout
    code, stdout, err = run_cli(capsysbinary, "check", str(many), "--json")
    assert err == "" and json.loads(stdout)["files"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_person_at_a_terminal_sees_the_bar_on_stderr(monkeypatch):
    from ledgerkit import cli

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli._progress(as_json=True) as on_file:
        assert on_file is None  # --json: a batch file reads stdout, stderr stays quiet
    with cli._progress(as_json=False) as on_file:
        assert on_file is not None
        for done in range(1, 21):
            on_file(done, 20)
    assert "20/20" in terminal.getvalue()


def test_numbers_are_never_split_in_a_narrow_console(month, tmp_path, capsysbinary, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "60")
    out = tmp_path / "2024-04汇总.xlsx"
    _, merged, _ = run_cli(capsysbinary, "merge", str(month), "-o", str(out))
    _, report, _ = run_cli(capsysbinary, "report", str(out))
    for text in (merged, report):
        assert max(cell_len(line.rstrip()) for line in text.splitlines()) <= 60
        # a number cut in two: "2" / "8.3%", "3" / ",860万元"
        assert not re.search(r"[0-9][.,]?[ ]*\n[ ]*[.,]?[0-9%]", text), text
    assert "时间进度" in report and "相差" not in report


MARKUP_UNIT = "[link=https://evil.example]卧龙镇[/link]"


def _markup_month(tmp_path: Path) -> Path:
    """Names a unit could type or a folder could carry that rich would read as its markup:
    a closing tag with nothing open (a crash), a link, an emoji code, a colour left open; and
    a file name with the escape sequence of a terminal link, which rich passes on as it is."""
    folder = tmp_path / "[bold]2024-04"
    folder.mkdir()
    row = [1, "[/red]重复项目", MARKUP_UNIT, "区级", "续建", "工业", 100, 50, 10, "是", "2024-01"]
    xlsx(folder / "[red]卧龙镇.xlsx", [HEAD, [*row, ":thumbs_up:"], [2, *row[1:8], "abc"]])
    xlsx(
        folder / "[link=x]尹集乡.xlsx",
        [HEAD, [3, "[/red]重复项目", "[/red]尹集乡:smile:", *row[3:]]],
    )
    xlsx(folder / "\x1b]8;;https:\\evil\x1b\\欧庙镇.xlsx", [HEAD, [4, "项目", "欧庙镇", *row[3:]]])
    return folder


def test_text_from_files_and_paths_is_printed_literally(tmp_path, capsysbinary, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # one line per row: the names are never folded
    month = _markup_month(tmp_path)
    out = tmp_path / "[/red]汇总.xlsx"
    merged = run_cli(capsysbinary, "merge", str(month), "-o", str(out), "--period", "2024-04")
    checked = run_cli(capsysbinary, "check", str(month), "--period", "2024-04")
    reported = run_cli(capsysbinary, "report", str(out), "--period", "2024-04")
    assert [r[0] for r in (merged, checked, reported)] == [1, 1, 0]
    for _, stdout, stderr in (merged, checked, reported):
        assert "内部错误" not in stderr and "Traceback" not in stderr
        assert "\x1b" not in stdout  # no colour, and above all no OSC 8 hyperlink
    shown = "\\x1b]8;;https:\\evil\\x1b\\欧庙镇.xlsx"  # the escapes written out, not obeyed
    for text in ("[/red]重复项目", MARKUP_UNIT, "[red]卧龙镇.xlsx", "[link=x]尹集乡.xlsx", shown):
        assert text in merged[1] and text in checked[1]
    assert f"汇总表已写出：{out}" in merged[1]
    assert "[/red]尹集乡:smile:" in reported[1] and MARKUP_UNIT in reported[1]


def test_each_stage_of_a_run_has_its_bar_at_a_terminal(monkeypatch):
    from ledgerkit import cli

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    stages = [("读取台账", "检查"), ("写出问题反馈副本", "写完")]
    with cli._bars(True, stages) as callbacks:
        assert callbacks == [None, None]  # --json: stderr stays quiet
    with cli._bars(False, stages) as (on_file, on_written):
        for done in range(1, 13):
            on_file(done, 12)
        for done in range(1, 12):
            on_written(done, 12)
    shown = terminal.getvalue()
    assert "检查" in shown and "写出问题反馈副本" in shown and "11/12" in shown


def test_feedback_copies_and_forms_report_their_progress(month, tmp_path, capsysbinary):
    from ledgerkit.period import Period
    from ledgerkit.pipeline import check, template
    from ledgerkit.settings import Settings

    written: list[tuple[int, int]] = []
    run = check([month], Settings(), feedback=tmp_path / "退回", on_written=_append(written))
    copies = len(run.written)
    assert copies and written == [(n, copies) for n in range(1, copies + 1)]
    book = tmp_path / "2024-04汇总.xlsx"
    code, _, err = run_cli(capsysbinary, "merge", str(month), "-o", str(book), "--json")
    assert code in (0, 1), err
    forms: list[tuple[int, int]] = []
    made = template(
        Settings(), tmp_path, Period(2024, 5), tmp_path / "下发", None, book, _append(forms)
    )
    assert made and forms == [(n, len(made)) for n in range(1, len(made) + 1)]


def _append(calls: list[tuple[int, int]]):
    return lambda done, total: calls.append((done, total))


def test_a_long_step_without_a_count_shows_a_spinner_at_a_terminal(monkeypatch):
    from ledgerkit import cli

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli._working(True, "读取汇总表、写出通报"):
        pass
    assert terminal.getvalue() == ""  # --json: stderr stays quiet
    with cli._working(False, "读取汇总表、写出通报"):
        pass
    assert "读取汇总表、写出通报" in terminal.getvalue()


def test_every_long_command_shows_a_sign_of_life(month, tmp_path, capsysbinary, monkeypatch):
    # commands that read a merged workbook, the store or a month's folder take seconds on 200
    # files: each runs its work under a spinner or a bar (shown only at a terminal)
    from ledgerkit import cli

    said: list[str] = []
    real = cli._working

    def working(as_json: bool, text: str):  # type: ignore[no-untyped-def]
        said.append(text)
        return real(as_json, text)

    monkeypatch.setattr(cli, "_working", working)
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "2024-04汇总.xlsx"
    run_cli(capsysbinary, "merge", str(month), "-o", str(book))
    runs = {
        "从汇总记录打分": ["score", "--period", "2024-04"],
        "从汇总记录整理问题台账": ["problems"],
        "读取汇总表、写出大屏": ["screen", str(book), "-o", str(tmp_path / "大屏.html")],
        "读取汇总表和照片、写出图册": ["photos", str(book), "-o", str(tmp_path / "图册.docx")],
        "读取汇总表、列出三张清单": ["report", str(book), "--lists"],
        "从汇总记录计算2024年第二季度": ["report", "--period", "2024-Q2"],
    }
    for text, args in runs.items():
        said.clear()
        run_cli(capsysbinary, *args)
        assert said and said[0].startswith(text), (args, said)
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(cli, "_progress", lambda as_json: contextlib.nullcontext(_append(seen)))
    run_cli(capsysbinary, "init", str(tmp_path / "新工作区"), "--from", str(month))
    assert seen and seen[-1][0] == seen[-1][1]  # init --from reads the month's files, counted
