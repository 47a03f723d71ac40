"""Trends -> chart data: a long-format table for Gradio's native line plot, and a PNG for the chat and the CLI.

In: `Trend`s (agent/trends.py), up to four topics. Out: `trend_table(trends)` (a pandas DataFrame with week,
papers and topic columns), `trend_png(trends)` (PNG bytes; matplotlib, headless Agg backend) and
`write_trend_png(trends, path)` (the file written whole or not at all).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from agent.trends import Trend

COLUMNS = ["week", "papers", "topic"]


def trend_table(trends: list[Trend]) -> pd.DataFrame:
    rows = [(pd.Timestamp(w.start), w.count, t.topic) for t in trends for w in t.weeks]
    return pd.DataFrame(rows, columns=COLUMNS)


def trend_png(trends: list[Trend]) -> bytes:
    """The weekly counts as a PNG (what the chat shows inline, and `papers trends --png` writes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 3.6), dpi=110)
    try:
        for trend in trends:
            axes.plot([w.start for w in trend.weeks], [w.count for w in trend.weeks], label=trend.topic, linewidth=1.6)
        axes.set_ylabel("papers per week")
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
