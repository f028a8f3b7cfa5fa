"""The command line's help pages and usage errors, in Chinese, for a clerk and for a .bat.

Typer (from 0.26 on, with its own copy of click) writes help chrome ("Usage:", "Options:",
"[required]", "Show this message and exit.", metavars such as `<list[Path]>`) and usage errors
("Missing argument 'paths'.", "No such option: --bogus") in English, with no translation hook:
its copy of click dropped click's gettext calls. So:

- help pages are written here from the commands' public attributes (`params`, `opts`,
  `metavar`, `help`, `required`): `ChineseGroup` and `ChineseCommand` override only
  `format_usage` and `format_help`, and fall back to typer's own page if anything about those
  attributes ever changes (English then, never a crash);
- usage errors are caught by `cli.main` and given to `usage_error`, which translates the
  message with `MESSAGES`, a table of the English patterns (a message it does not know stays
  English, with the Chinese usage line and hint around it).

Nothing here imports more than typer already has: `ledgerkit --help` stays as fast as before.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterable
from typing import Any

from typer.core import TyperCommand, TyperGroup

MAX_WIDTH = 100  # a help page wider than this is harder to read, not easier
NAME_COLUMN = 26  # a longer option name puts its help on the next line

# click's English message -> Chinese. Groups are the names and values it quotes; "{n}" in a
# replacement is the n-th group with its quotes taken off. A message no pattern matches is
# shown as it is: some English is better than a crash or a wrong translation. (Patterns are
# compiled on first use, by re's own cache: `--help` never needs them.)
MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Missing argument (.+?)\.?", "缺少参数：{1}"),
    (r"Missing option (.+?)\.?", "缺少选项：{1}"),
    (r"Missing parameter:? (.+?)\.?", "缺少参数：{1}"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", "没有 {1} 这个选项，是不是 {2}？"),
    (r"No such option: (\S+) Did you mean (\S+)\?", "没有 {1} 这个选项，是不是 {2}？"),
    (r"No such option: (\S+)", "没有 {1} 这个选项"),
    (r"No such command (.+?)\. Did you mean (.+)\?", "没有“{1}”这个命令，是不是 {2}？"),
    (r"No such command (.+?)\.?", "没有“{1}”这个命令"),
    (r"Missing command\.?", "缺少命令"),
    (r"Got unexpected extra arguments?(?:\(s\))? \((.+)\)", "多出了参数：{1}"),
    (r"Option (.+?) requires an argument\.?", "选项 {1} 后面要写一个值"),
    (r"Option (.+?) requires (\d+) arguments\.?", "选项 {1} 后面要写 {2} 个值"),
    (r"Option (.+?) does not take a value\.?", "选项 {1} 后面不能写值"),
    (r"Invalid value for (.+?): (.+)", "{1} 的值不对：{2}"),
    (r"Invalid value: (.+)", "值不对：{1}"),
)
_QUOTES = r"'([^']*)'"


def translate(message: str) -> str:
    """A usage error's message in Chinese, or as it is when no pattern knows it."""
    for pattern, chinese in MESSAGES:
        if found := re.fullmatch(pattern, message.strip(), re.DOTALL):
            groups = [re.sub(_QUOTES, r"\1", g or "") for g in found.groups()]
            return chinese.format("", *groups)
    return message


def usage_error(exc: Any) -> str:
    """What a usage error prints: the usage line, where to read more, and what was wrong.
    `exc` is typer's UsageError (duck-typed: `ctx` and `format_message()`)."""
    ctx = getattr(exc, "ctx", None)
    lines = []
    if ctx is not None:
        lines += [ctx.get_usage(), f"运行“{ctx.command_path} --help”查看说明。", ""]
    lines.append(f"错误：{translate(exc.format_message())}")
    return "\n".join(lines)


# --- help pages ---------------------------------------------------------------------------


class ChineseCommand(TyperCommand):
    """A command whose help page and usage line are Chinese."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _write(formatter, usage_line, ctx, self, super().format_usage)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _write(formatter, command_page, ctx, self, super().format_help)


class ChineseGroup(TyperGroup):
    """The `ledgerkit` group: its help page lists the commands with an example each."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        _write(formatter, usage_line, ctx, self, super().format_usage)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _write(formatter, group_page, ctx, self, super().format_help)


def _write(formatter: Any, page: Any, ctx: Any, command: Any, typers_own: Any) -> None:
    """Our page, or typer's own if ours cannot be written (typer changed what a command
    looks like): English then, never a crash."""
    try:
        text = page(ctx, command)
    except Exception:
        typers_own(ctx, formatter)
    else:
        formatter.write(text.rstrip("\n") + "\n")


def usage_line(ctx: Any, command: Any) -> str:
    """'用法：ledgerkit merge [选项] 台账文件或文件夹…' (optional arguments in brackets)."""
    if isinstance(command, TyperGroup):
        return f"用法：{ctx.command_path} 命令 [参数] [选项]"
    pieces = [ctx.command_path, "[选项]"]
    for param in _visible(command.get_params(ctx)):
        if param.param_type_name == "argument":
            name = _placeholder(param)
            pieces.append(name if param.required else f"[{name}]")
    return "用法：" + " ".join(pieces)


def command_page(ctx: Any, command: Any) -> str:
    """A command's help: usage, what it does, examples, then its arguments and options."""
    width = _width()
    out = [usage_line(ctx, command), ""]
    out += _paragraphs(command.help or "", width)
    if args := _rows(ctx, command, "argument"):
        out += ["", "参数：", *_table(args, width)]
    out += ["", "选项：", *_table(_rows(ctx, command, "option"), width)]
    return "\n".join(out) + "\n"


def group_page(ctx: Any, group: Any) -> str:
    """`ledgerkit --help`: what the tool is for, each command with its first example, the
    group's options and its epilog (the exit codes)."""
    width = _width()
    out = [usage_line(ctx, group), ""]
    out += _paragraphs(group.help or "", width)
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        summary, example = _summary(command.help or "")
        rows.append((name, summary + (f"\n例：{example}" if example else "")))
    out += ["", f"命令（每个命令的详细说明：{ctx.command_path} 命令 --help）："]
    out += _table(rows, width, gap=True)
    out += ["", "选项：", *_table(_rows(ctx, group, "option"), width)]
    if group.epilog:
        out += ["", *_paragraphs(group.epilog, width)]
    return "\n".join(out) + "\n"


def _visible(params: Iterable[Any]) -> list[Any]:
    return [p for p in params if not getattr(p, "hidden", False)]


def _placeholder(param: Any) -> str:
    """What to type for a parameter: its metavar (always set in cli.py, in Chinese)."""
    return str(param.metavar or param.name)


def _rows(ctx: Any, command: Any, kind: str) -> list[tuple[str, str]]:
    """('-o, --output 文件', '……（必填）') for each argument or option of `kind`."""
    help_option = command.get_help_option(ctx)
    rows = []
    for param in _visible(command.get_params(ctx)):
        if param.param_type_name != kind:
            continue
        if param is help_option:
            rows.append((", ".join(param.opts), "显示本说明"))
            continue
        if kind == "argument":
            name = _placeholder(param)
        else:
            name = ", ".join([*param.opts, *param.secondary_opts])
            if not getattr(param, "is_flag", False):
                name += f" {_placeholder(param)}"
        required = kind == "option" and param.required  # an argument is, unless in brackets
        rows.append((name, (param.help or "") + ("（必填）" if required else "")))
    return rows


def _summary(doc: str) -> tuple[str, str]:
    """A command's first line, and the first of its examples (a line starting 例：)."""
    lines = [line.strip() for line in doc.splitlines()]
    examples = [line.removeprefix("例：") for line in lines if line.startswith("例：")]
    return (lines[0] if lines else ""), (examples[0] if examples else "")


# --- text at the console's width, counted in cells (a Chinese character is two) -----------

_TOKEN = r"[-+0-9A-Za-z.,%:/\\~_=|<>\[\]$@#*]+[，。；、：）”]*|.[，。；、：）”]*"


def _width() -> int:
    return max(40, min(shutil.get_terminal_size((80, 24)).columns - 1, MAX_WIDTH))


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, width: int) -> list[str]:
    """One line of text in lines of at most `width` cells, broken between Chinese characters
    or at spaces, never inside a number, an option or a file name. An example (例：…) is
    never broken: an indent in the middle of a command would be copied with it."""
    if text.startswith("例："):
        return [text]
    lines, line, used = [], "", 0  # `used`: the cells of `line`, counted as it grows
    for token in re.findall(_TOKEN, text):
        cells = _cells(token)
        if line and used + cells > width:
            lines.append(line.rstrip())
            line = token.lstrip()
            used = _cells(line)
        else:
            line += token
            used += cells
    return [*lines, line.rstrip()]


def _paragraphs(text: str, width: int) -> list[str]:
    """A docstring's lines, each wrapped (line breaks and indents are the author's, kept;
    a wrapped line's continuation lines up under its text)."""
    out = []
    for line in text.strip("\n").splitlines():
        body = line.lstrip()
        indent = " " * (len(line) - len(body))
        if body[:1].isdigit():  # "  1  数据有错误……": under the text, not the number
            indent += " " * (len(body) - len(body.lstrip("0123456789 ")))
        wrapped = _wrap(body, width - len(indent)) if body else [""]
        out += [line[: len(line) - len(body)] + wrapped[0]] + [indent + w for w in wrapped[1:]]
    return out


def _table(rows: list[tuple[str, str]], width: int, gap: bool = False) -> list[str]:
    """Two columns, the second wrapped beside the first (or under it when the first is too
    long); `gap` puts an empty line between rows."""
    first = min(max((_cells(name) for name, _ in rows), default=0), NAME_COLUMN)
    out = []
    for name, text in rows:
        pad = " " * (first + 4)
        lines = [w for line in text.splitlines() for w in _wrap(line, width - len(pad))]
        if _cells(name) > first:
            out += [f"  {name}"] + [pad + line for line in lines]
        else:
            head = f"  {name}" + " " * (first - _cells(name) + 2)
            out += [head + lines[0]] + [pad + line for line in lines[1:]]
        if gap:
            out.append("")
    return out[:-1] if gap and out else out
