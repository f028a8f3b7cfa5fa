"""The floor of ledgerkit's start-up (issue 18): a bare Typer app, as typer's own tutorial
writes one, configured as ledgerkit's (no completion, no rich markup), one command that
reads one workbook with python-calamine.

    python bench/bare_typer.py --help
    python bench/bare_typer.py check FILE.xlsx
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="a ledger")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout")] = False,
) -> None:
    """Read one ledger's first sheet."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).to_python()
    typer.echo(f'{{"rows": {len(rows)}}}' if as_json else f"{len(rows)} rows")


@app.command()
def version() -> None:
    """A second command, so that the app is a group as ledgerkit's is."""
    typer.echo("0")


if __name__ == "__main__":
    app()
