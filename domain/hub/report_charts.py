"""The charts of the monthly board report, drawn as PNG files with words to go with them.

Charts are drawn with matplotlib's Agg renderer on a figure of their own (no pyplot
state, so the bot can draw them in any thread), in the Okabe-Ito colours, which readers
with colour-blindness tell apart; bars carry hatching and lines markers as well. Each
chart comes with a text alternative that says what it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Drawing
from matplotlib.ticker import MaxNLocator

from domain.hub.figures import ITEM_LABELS, MonthFigures, Number, format_value
from domain.portal import Kind, Status

__all__ = ["CHART_PIXELS", "Chart", "draw_charts"]

# Okabe-Ito: blue, orange, bluish green, reddish purple, vermillion, sky blue.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
_HATCHES = ("", "//", "..", "xx")
_SIZE = (8, 4.5)
_DPI = 110
# Width and height of every chart in pixels, as the HTML page gives them.
CHART_PIXELS = (int(_SIZE[0] * _DPI), int(_SIZE[1] * _DPI))


@dataclass(frozen=True)
class Chart:
    """A chart as written: its file, its title, what it shows in words, and its section."""

    path: Path
    title: str
    alt: str
    section: str


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


def _kinds_chart(figures: MonthFigures, out: Path, tag: str) -> Chart | None:
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
    return Chart(_save(figure, out / f"chart-submissions-by-kind-{tag}.png"), title, alt, "Submissions by kind")


def _status_chart(figures: MonthFigures, out: Path, tag: str) -> Chart | None:
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
    return Chart(_save(figure, out / f"chart-status-{tag}.png"), title, alt, "Submissions by status at the end of the month")


def _grouped(axes: Axes, names: list[str], series: list[tuple[str, list[float]]], horizontal: bool = False) -> None:
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        places = [n + (i - (len(series) - 1) / 2) * width for n in range(len(names))]
        draw = axes.barh if horizontal else axes.bar
        bars = draw(places, values, width, label=label, color=_COLOURS[i], hatch=_HATCHES[i], edgecolor="white")
        axes.bar_label(bars, padding=2, fmt="%g", fontsize="small")
    (axes.set_yticks if horizontal else axes.set_xticks)(range(len(names)), names)


def _academy_chart(figures: MonthFigures, out: Path, tag: str) -> Chart | None:
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
    return Chart(_save(figure, out / f"chart-academy-{tag}.png"), title, alt, "Academy")


def _assessment_chart(figures: MonthFigures, out: Path, tag: str) -> Chart | None:
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
    return Chart(_save(figure, out / f"chart-self-assessment-{tag}.png"), title, alt, "Self-assessment change")


def _knowledge_chart(figures: MonthFigures, out: Path, tag: str) -> Chart | None:
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
    return Chart(_save(figure, out / f"chart-knowledge-{tag}.png"), title, alt, "Knowledge")


_CHARTS: tuple[Callable[[MonthFigures, Path, str], Chart | None], ...] = (
    _kinds_chart, _status_chart, _academy_chart, _assessment_chart, _knowledge_chart,
)


def draw_charts(figures: MonthFigures, out: Path, tag: str) -> list[Chart]:
    """Draw every chart that has something to show into ``out``, in the report's order."""
    return [chart for draw in _CHARTS if (chart := draw(figures, out, tag)) is not None]
