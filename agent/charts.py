"""Trends -> chart data: a long-format table for Gradio's native line plot, and a PNG for the chat and the CLI.

In: `Trend`s (agent/trends.py), up to four topics. Out: `trend_table(trends)` (a pandas DataFrame with week,
papers and topic columns), `trend_png(trends)` (PNG bytes; matplotlib, headless Agg backend),
`chart_markdown(trends)` (the PNG inline, for the chat), `write_trend_png(trends, path)` (the file written whole or
not at all) and `rate_label(trends)`: "Papers per week" or "Papers per month", as the trends' bins are, for the
chart's axis and every caption.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pandas as pd

from agent.trends import Trend

COLUMNS = ["week", "papers", "topic"]


def trend_table(trends: list[Trend]) -> pd.DataFrame:
    rows = [(pd.Timestamp(w.start), w.count, t.topic) for t in trends for w in t.weeks]
    return pd.DataFrame(rows, columns=COLUMNS)


def rate_label(trends: list[Trend]) -> str:
    """What the counts are per: the bins' unit ("week" or "month", agent/trends.py), "period" if they differ."""
    units = {t.unit for t in trends} or {"week"}
    return f"Papers per {units.pop() if len(units) == 1 else 'period'}"


def chart_markdown(trends: list[Trend]) -> str:
    """The chart as an inline Markdown image (no server path), its alt text saying what the counts are per."""
    return f"![{rate_label(trends)}](data:image/png;base64,{base64.b64encode(trend_png(trends)).decode('ascii')})"


def trend_png(trends: list[Trend]) -> bytes:
    """The counts per bin as a PNG (what the chat shows inline, and `papers trends --png` writes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 3.6), dpi=110)
    try:
        for trend in trends:
            axes.plot([w.start for w in trend.weeks], [w.count for w in trend.weeks], label=trend.topic, linewidth=1.6)
        axes.set_ylabel(rate_label(trends).lower())
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize=8)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def write_trend_png(trends: list[Trend], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        tmp.write_bytes(trend_png(trends))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
