"""The monthly board report as files: a CSV of every figure, PNG charts and one HTML page.

``python -m domain.hub.report --month 2026-10 --out reports`` writes into ``reports``:

- ``figures-2026-10.csv``: one row per figure (section, figure, month, year to date);
- ``chart-*-2026-10.png``: the charts a reader would rather look at than read;
- ``report-2026-10.html``: the figures in tables with the charts embedded, a single file
  with nothing fetched from anywhere, so it opens offline and can be mailed to the board.

It prints the paths it wrote. The chat's ``report`` command calls ``build_report`` and
shows ``MonthFigures.summary_lines()`` on a card with the HTML attached.

Charts are drawn with matplotlib's Agg renderer on a figure of their own (no pyplot
state, so the bot can draw them in any thread), in the Okabe-Ito colours, which readers
with colour-blindness tell apart; bars carry hatching and lines markers as well.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import math
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Drawing
from matplotlib.ticker import MaxNLocator
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from domain.db import Database
from domain.models import utcnow
from domain.hub.figures import (
    DEFINITIONS,
    ITEM_LABELS,
    BadMonth,
    MonthFigures,
    Number,
    format_value,
    monthly_figures,
    parse_month,
)
from domain.portal.submissions import Kind, Status

__all__ = ["ReportFiles", "build_report", "main"]

_LONDON = ZoneInfo("Europe/London")
# Okabe-Ito: blue, orange, bluish green, reddish purple, vermillion, sky blue.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
_HATCHES = ("", "//", "..", "xx")
_SIZE = (8, 4.5)
_DPI = 110


@dataclass(frozen=True)
class ReportFiles:
    """What ``build_report`` wrote: the figures, the HTML page, the CSV and the charts."""

    summary: MonthFigures
    html: Path
    csv: Path
    charts: list[Path]


@dataclass(frozen=True)
class _Chart:
    """A chart as written: its file, its title, what it shows in words, and its section."""

    path: Path
    title: str
    alt: str
    section: str


def build_report(
    database: Database, month: str, out_dir: Path, *, clock: Callable[[], datetime] = utcnow
) -> ReportFiles:
    """Work out the figures for ``month`` (``YYYY-MM``) and write the report into ``out_dir``.

    Raises:
        BadMonth: ``month`` is not written YYYY-MM or has not begun.
    """
    today = clock().astimezone(_LONDON).date()
    figures = monthly_figures(database, parse_month(month, today=today), clock=clock)
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = f"{figures.month:%Y-%m}"
    charts = [chart for draw in _CHARTS if (chart := draw(figures, out_dir, tag)) is not None]
    csv_path = _write_csv(figures, out_dir / f"figures-{tag}.csv")
    html_path = out_dir / f"report-{tag}.html"
    html_path.write_text(_html(figures, charts), encoding="utf-8")
    return ReportFiles(figures, html_path, csv_path, [chart.path for chart in charts])


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


# --- charts ------------------------------------------------------------------------------


def _canvas() -> tuple[Drawing, Axes]:
    figure = Drawing(figsize=_SIZE, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _save(figure: Drawing, path: Path) -> Path:
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


def _months(figures: MonthFigures) -> list[str]:
    return [f"{row.month:%b}" for row in figures.trend]


def _listed(parts: Sequence[str]) -> str:
    return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else "".join(parts)


def _kinds_chart(figures: MonthFigures, out: Path, tag: str) -> _Chart | None:
    """Submissions per month of the year so far, stacked by kind."""
    if not any(sum(row.submissions.values()) for row in figures.trend):
        return None
    title = f"Submissions received per month by kind, {figures.month.year}"
    figure, axes = _canvas()
    labels, bottom = _months(figures), [0] * len(figures.trend)
    for i, kind in enumerate(Kind):
        heights = [row.submissions.get(kind.value, 0) for row in figures.trend]
        axes.bar(labels, heights, bottom=bottom, label=kind.label, color=_COLOURS[i],
                 hatch=_HATCHES[i], edgecolor="white")
        bottom = [b + h for b, h in zip(bottom, heights)]
    axes.set(title=title, xlabel="Month received", ylabel="Submissions")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(title="Kind", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    totals = [f"{row.month:%B}: {sum(row.submissions.values())}" for row in figures.trend]
    latest = figures.trend[-1].submissions
    alt = (f"Stacked bar chart of submissions received each month of {figures.month.year} so far, by kind. "
           f"Totals: {_listed(totals)}. In {figures.title}: "
           + _listed([f"{k.label.lower()} {latest.get(k.value, 0)}" for k in Kind]) + ".")
    return _Chart(_save(figure, out / f"chart-submissions-by-kind-{tag}.png"), title, alt, "Submissions by kind")


def _status_chart(figures: MonthFigures, out: Path, tag: str) -> _Chart | None:
    """This year's submissions by their status at the end of the month, in lifecycle order."""
    counts = [(status.label, figures.figure(f"submissions.status.{status.value}").year or 0) for status in Status]
    if not any(count for _, count in counts):
        return None
    title = f"Where this year's submissions stood at the end of {figures.title}"
    figure, axes = _canvas()
    bars = axes.barh([label for label, _ in counts], [count for _, count in counts], color=_COLOURS[0])
    axes.bar_label(bars, padding=3)
    axes.invert_yaxis()
    axes.set(title=title, xlabel="Submissions received this year", ylabel="Status")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    alt = (f"Horizontal bar chart of the submissions received in {figures.month.year}, by status at the end "
           f"of {figures.title}, in the order of the Hub's process: "
           + _listed([f"{label.lower()} {count}" for label, count in counts]) + ".")
    return _Chart(_save(figure, out / f"chart-status-{tag}.png"), title, alt, "Submissions by status at the end of the month")


def _grouped(axes: Axes, names: list[str], series: list[tuple[str, list[float]]], horizontal: bool = False) -> None:
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        places = [n + (i - (len(series) - 1) / 2) * width for n in range(len(names))]
        draw = axes.barh if horizontal else axes.bar
        bars = draw(places, values, width, label=label, color=_COLOURS[i], hatch=_HATCHES[i], edgecolor="white")
        axes.bar_label(bars, padding=2, fmt="%g", fontsize="small")
    (axes.set_yticks if horizontal else axes.set_xticks)(range(len(names)), names)


def _academy_chart(figures: MonthFigures, out: Path, tag: str) -> _Chart | None:
    """Action plans due, done and overdue: the month beside the year to date."""
    keys = [("Due", "academy.plans_due"), ("Done", "academy.plans_done"), ("Overdue", "academy.plans_overdue")]
    month = [figures.figure(key).month or 0 for _, key in keys]
    year = [figures.figure(key).year or 0 for _, key in keys]
    if not any(year):
        return None
    title = "Academy action plans due, done and overdue"
    figure, axes = _canvas()
    _grouped(axes, [name for name, _ in keys], [(figures.title, month), ("Year to date", year)])
    axes.set(title=title, xlabel="Action plans", ylabel="Participants' action plans")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    axes.margins(y=0.1)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    share = figures.figure("academy.completion_pct")
    alt = (f"Bar chart of Academy action plans. {figures.title}: {month[0]} due, {month[1]} done, "
           f"{month[2]} overdue. Year to date: {year[0]} due, {year[1]} done, {year[2]} overdue"
           + (f"; {format_value(share.year)}% completed." if share.year is not None else "."))
    return _Chart(_save(figure, out / f"chart-academy-{tag}.png"), title, alt, "Academy")


def _assessment_chart(figures: MonthFigures, out: Path, tag: str) -> _Chart | None:
    """The average self-assessment change per statement, the month beside the year to date."""
    keys = [key for key in ITEM_LABELS if any(f.key == f"assessment.change.{key}" for f in figures.figures)]
    people = figures.figure("assessment.people")
    if not people.year:
        return None
    series = [(f"Year to date ({people.year} people)", [figures.figure(f"assessment.change.{k}").year or 0 for k in keys])]
    if people.month:
        series.insert(0, (f"{figures.title} ({people.month} people)",
                          [figures.figure(f"assessment.change.{k}").month or 0 for k in keys]))
    title = "Average self-assessment change per statement"
    figure, axes = _canvas()
    _grouped(axes, [ITEM_LABELS[k] for k in keys], series, horizontal=True)
    axes.invert_yaxis()
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set(title=title, xlabel="Average change, after minus before, in points on the 1 to 5 scale",
             ylabel="Statement")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=len(series), fontsize="small")
    axes.margins(x=0.15)
    words = "; ".join(
        f"{name}: " + ", ".join(f"{ITEM_LABELS[k].lower()} {v:+g}" for k, v in zip(keys, values))
        for name, values in series
    )
    alt = f"Horizontal bar chart of the average change in self-assessment scores per statement. {words}."
    return _Chart(_save(figure, out / f"chart-self-assessment-{tag}.png"), title, alt, "Self-assessment change")


def _knowledge_chart(figures: MonthFigures, out: Path, tag: str) -> _Chart | None:
    """No-match rate and helpful share of the knowledge search, month by month."""
    if not any(row.queries or row.feedback for row in figures.trend):
        return None
    title = f"Knowledge search: no good match and helpful feedback by month, {figures.month.year}"
    figure, axes = _canvas()
    places = range(len(figures.trend))
    lines = [("No good match (% of questions)", [row.no_match_pct for row in figures.trend], "o", "-", _COLOURS[4]),
             ("Helpful (% of feedback)", [row.helpful_pct for row in figures.trend], "s", "--", _COLOURS[0])]
    for label, values, marker, style, colour in lines:
        axes.plot(places, [math.nan if v is None else v for v in values], marker=marker, linestyle=style,
                  color=colour, label=label)
        for x, value in zip(places, values):
            if value is not None:
                axes.annotate(f"{format_value(value)}%", (x, value), textcoords="offset points", xytext=(6, 4),
                              fontsize="small", color=colour)
    axes.set_xticks(places, _months(figures))
    axes.set(title=title, xlabel="Month", ylabel="Per cent", xlim=(-0.5, len(places) - 0.5), ylim=(-4, 108))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=2, fontsize="small")

    def said(value: Number) -> str:
        return "none" if value is None else f"{format_value(value)}%"

    words = "; ".join(
        f"{row.month:%B}: {row.queries} questions, {said(row.no_match_pct)} no good match, "
        f"{said(row.helpful_pct)} helpful"
        for row in figures.trend if row.queries or row.feedback
    )
    alt = f"Line chart by month of the share of questions with no good match and the share of feedback saying helpful. {words}."
    return _Chart(_save(figure, out / f"chart-knowledge-{tag}.png"), title, alt, "Knowledge")


_CHARTS: tuple[Callable[[MonthFigures, Path, str], _Chart | None], ...] = (
    _kinds_chart, _status_chart, _academy_chart, _assessment_chart, _knowledge_chart,
)


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


def _html(figures: MonthFigures, charts: list[_Chart]) -> str:
    """The report as one HTML page, with the charts inside it as data URIs."""
    title = f"Prevention First board report: {figures.title}"
    made = figures.generated_at.astimezone(_LONDON)
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
            width, height = int(_SIZE[0] * _DPI), int(_SIZE[1] * _DPI)
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
