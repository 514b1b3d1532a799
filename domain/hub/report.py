"""The monthly board report as files: a CSV of every figure, PNG charts and one HTML page.

``python -m domain.hub.report --month 2026-10 --out reports`` writes into ``reports``:

- ``figures-2026-10.csv``: one row per figure (section, figure, month, year to date);
- ``chart-*-2026-10.png``: the charts a reader would rather look at than read;
- ``report-2026-10.html``: the figures in tables with the charts embedded, a single file
  with nothing fetched from anywhere, so it opens offline and can be mailed to the board.

It prints the paths it wrote. The chat's ``report`` command calls ``build_report`` and
shows ``MonthFigures.summary_lines()`` on a card with the HTML attached.

The charts are drawn by :mod:`domain.hub.report_charts`.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from domain.clock import LONDON, london_day, utcnow
from domain.db import Database
from domain.hub.figures import (
    DEFINITIONS,
    BadMonth,
    MonthFigures,
    Number,
    format_value,
    monthly_figures,
    parse_month,
)
from domain.hub.report_charts import CHART_PIXELS, Chart, draw_charts

__all__ = ["ReportFiles", "build_report", "main"]


@dataclass(frozen=True)
class ReportFiles:
    """What ``build_report`` wrote: the figures, the HTML page, the CSV and the charts."""

    summary: MonthFigures
    html: Path
    csv: Path
    charts: list[Path]
    described: tuple[Chart, ...] = ()  # the charts with their titles and what they show in words


def build_report(
    database: Database, month: str, out_dir: Path, *, clock: Callable[[], datetime] = utcnow
) -> ReportFiles:
    """Work out the figures for ``month`` (``YYYY-MM``) and write the report into ``out_dir``.

    Raises:
        BadMonth: ``month`` is not written YYYY-MM or has not begun.
    """
    today = london_day(clock())
    figures = monthly_figures(database, parse_month(month, today=today), clock=clock)
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = f"{figures.month:%Y-%m}"
    charts = draw_charts(figures, out_dir, tag)
    csv_path = _write_csv(figures, out_dir / f"figures-{tag}.csv")
    html_path = out_dir / f"report-{tag}.html"
    html_path.write_text(_html(figures, charts), encoding="utf-8")
    return ReportFiles(figures, html_path, csv_path, [chart.path for chart in charts], tuple(charts))


# --- CSV ---------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _write_csv(figures: MonthFigures, path: Path) -> Path:
    # With a byte order mark, Excel reads the file as UTF-8.
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(["section", "figure", "month", "year_to_date"])
        for figure in figures.figures:
            writer.writerow([_cell(figure.section), _cell(figure.label),
                             format_value(figure.month), format_value(figure.year)])
    return path


# --- HTML --------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5;
       color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border-bottom: 1px solid #767676; padding: 0.3rem 0.6rem; vertical-align: top; }
thead th { text-align: left; border-bottom: 2px solid #1b1b1b; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { text-align: left; font-weight: normal; }
figure { margin: 1rem 0 2rem; }
img { max-width: 100%; height: auto; }
figcaption { font-style: italic; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shown(value: Number) -> str:
    return format_value(value) if value is not None else "n/a"


def _html(figures: MonthFigures, charts: list[Chart]) -> str:
    """The report as one HTML page, with the charts inside it as data URIs."""
    title = f"Prevention First board report: {figures.title}"
    made = figures.generated_at.astimezone(LONDON)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_e(title)}</h1>",
        f"<p>Figures for {_e(figures.title)} and for the year to date, 1 January to the end of "
        f"{_e(figures.title)}. Produced on {made.day} {made:%B %Y at %H:%M} UK time.</p>",
        "<h2>Summary</h2>",
        "<ul>",
        *(f"<li>{_e(line)}</li>" for line in figures.summary_lines()),
        "</ul>",
    ]
    by_section = {chart.section: chart for chart in charts}
    for number, (section, rows) in enumerate(figures.sections(), start=1):
        out += [
            f'<h2 id="section-{number}">{_e(section)}</h2>',
            "<table>",
            f"<caption>{_e(section)}: {_e(figures.title)} and the year to date</caption>",
            "<thead><tr>"
            f'<th scope="col">Figure</th><th scope="col">{_e(figures.title)}</th>'
            '<th scope="col">Year to date</th></tr></thead>',
            "<tbody>",
            *(
                f'<tr><th scope="row">{_e(row.label)}</th><td>{_e(_shown(row.month))}</td>'
                f"<td>{_e(_shown(row.year))}</td></tr>"
                for row in rows
            ),
            "</tbody>",
            "</table>",
        ]
        if section in by_section:
            chart = by_section[section]
            data = base64.b64encode(chart.path.read_bytes()).decode("ascii")
            width, height = CHART_PIXELS
            out += [
                "<figure>",
                f'<img src="data:image/png;base64,{data}" alt="{_e(chart.alt)}" width="{width}" height="{height}">',
                f"<figcaption>{_e(chart.title)}</figcaption>",
                "</figure>",
            ]
    out += [
        "<h2>How the figures are counted</h2>",
        "<ul>",
        *(f"<li>{_e(line)}</li>" for line in DEFINITIONS),
        "</ul>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


# --- the command line --------------------------------------------------------------------


def _month(text: str) -> str:
    """Check ``--month`` while the arguments are read, so a bad one exits 2 with usage."""
    try:
        parse_month(text)
    except BadMonth as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m domain.hub.report",
        description="Write the monthly board report: a CSV of every figure, PNG charts and a "
        "self-contained HTML page, for the month and the year to date.",
        epilog="Example: python -m domain.hub.report --month 2026-10 --out reports",
    )
    parser.add_argument("--month", required=True, type=_month, help="the month to report, YYYY-MM (e.g. 2026-10)")
    parser.add_argument("--out", required=True, type=Path, help="the folder to write into (created if missing)")
    parser.add_argument("--database", help="the database URL (default: DATABASE_URL, or the SQLite file in data/)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Write the report and print the paths written; 2 for bad arguments, 1 if the database fails."""
    parser = _parser()
    args = parser.parse_args(argv)
    url = args.database
    if url is None:
        from domain.settings import Settings, SettingsError

        try:
            url = Settings.from_env(os.environ).database_url
        except SettingsError as error:
            parser.error(str(error))
    try:
        database = Database(url)
    except ArgumentError as error:
        parser.error(f"argument --database: {error}")
    try:
        files = build_report(database, args.month, args.out)
    except SQLAlchemyError as error:
        print(f"Could not read the database: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Could not write the report into {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    for path in [files.csv, *files.charts, files.html]:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
