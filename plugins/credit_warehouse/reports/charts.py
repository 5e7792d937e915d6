"""Charts as inline SVG, drawn by matplotlib: a report page is one self-contained file, no script, no CDN.

Text stays text in the SVG (svg.fonttype none): the browser draws Chinese labels with its own fonts, and
the page can be searched and read by a screen reader.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot  # noqa: E402 (the backend is chosen first)

STYLE = {"svg.fonttype": "none", "font.family": ["sans-serif"], "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False}


def _svg(figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():  # a font without CJK glyphs only measures labels; the browser draws them
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    pyplot.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # the XML prolog and doctype do not belong inside HTML


def lines(title: str, x: Sequence, series: dict[str, Sequence[float | None]], y_label: str,
          percent: bool = False) -> str:
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(8, 3.2))
        for name, values in series.items():
            axes.plot(list(x), [float("nan") if v is None else v for v in values], marker="o", markersize=3,
                      label=name)
        axes.set_title(title)
        axes.set_ylabel(y_label)
        if percent:
            axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        axes.legend(fontsize=7, ncols=3, frameon=False)
        figure.autofmt_xdate()
        return _svg(figure)


def bars(title: str, labels: Sequence[str], values: Sequence[float], x_label: str, percent: bool = False) -> str:
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(8, 0.35 * max(len(labels), 3) + 1))
        axes.barh(range(len(labels)), list(values), color="#3b6ea8", tick_label=list(labels))
        axes.set_ylim(len(labels) - 0.5, -0.5)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        if percent:
            axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        return _svg(figure)


def stacked_bars(title: str, labels: Sequence[str], stacks: dict[str, Sequence[float]], x_label: str) -> str:
    with matplotlib.rc_context(STYLE):
        figure, axes = pyplot.subplots(figsize=(8, 0.35 * max(len(labels), 3) + 1))
        left = [0.0] * len(labels)
        for name, values in stacks.items():
            axes.barh(range(len(labels)), list(values), left=left, label=name, tick_label=list(labels))
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_ylim(len(labels) - 0.5, -0.5)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.legend(fontsize=7, frameon=False)
        return _svg(figure)
