"""The disparity summary for people: a rich table for the terminal and a PNG bar plot.

The numbers come from ``matching.referral.disparity``; this module only draws them. The plot shows
each group's headline share (top-1 referral to an above-median-wage occupation) per PIRL
field, with the four-fifths line of the field's reference group, flagged groups in a warm
colour and groups below the minimum size hatched, so a reader sees at once which gaps are
large and which rest on too few people to judge.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from rich.table import Table

from matching.referral.disparity import FOUR_FIFTHS, HEADLINE, MIN_GROUP_SIZE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from rich.table import JustifyMethod

FLAG_COLOUR = "#d95f02"
OK_COLOUR = "#1b9e77"


def disparity_rich_table(table: pl.DataFrame) -> Table:
    """Group, n, top-1 and any-of-top-k shares with impact ratios; flags marked."""
    out = Table(
        title=f"referrals to above-median-wage occupations by group (headline: "
        f"top-1; flag: impact ratio < {FOUR_FIFTHS} with n >= {MIN_GROUP_SIZE})"
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("field", "left"),
        ("group", "left"),
        ("n", "right"),
        ("top-1 share", "right"),
        ("top-1 ratio", "right"),
        ("any top-k share", "right"),
        ("any ratio", "right"),
        ("flag", "left"),
    )
    for name, justify in columns:
        out.add_column(name, justify=justify)
    for row in table.iter_rows(named=True):
        flag = "FLAG" if row["top1_flag"] else ("small n" if row["small_group"] else "")
        if row["anyk_flag"]:
            flag = (flag + " any-k flag").strip()
        out.add_row(
            row["field"],
            row["group"],
            str(row["n"]),
            _pct(row["top1_share"]),
            _ratio(row["top1_ratio"]),
            _pct(row["anyk_share"]),
            _ratio(row["anyk_ratio"]),
            f"[bold red]{flag}[/]" if "FLAG" in flag or "any-k" in flag else flag,
        )
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def plot_disparity(
    table: pl.DataFrame, path: Path, thresholds: dict[str, float | None] | None = None
) -> Path:
    """One horizontal bar panel per field; writes ``path`` (PNG, whatever its suffix: batch
    writes a temporary name first) and returns it. An empty table draws one empty panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fields = table["field"].unique(maintain_order=True).to_list() or ["(no groups)"]
    heights = [max(1, table.filter(pl.col("field") == f).height) for f in fields]
    fig, axes = plt.subplots(
        len(fields),
        1,
        figsize=(8, 1.2 + 0.32 * sum(heights)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, name in zip(axes[:, 0], fields, strict=True):
        _panel(ax, table.filter(pl.col("field") == name), name)
    line = ", ".join(
        f"{r} ${w:.2f}/h"
        for r, w in (thresholds or {}).items()
        if w is not None and not math.isnan(w)
    )
    fig.suptitle(
        "Share whose top referral leads to an above-median-wage occupation"
        + (f"\n(median over the region's program targets: {line})" if line else "")
        + f"\norange: flagged (< {FOUR_FIFTHS:g} x the best-served group); hatched: "
        f"n < {MIN_GROUP_SIZE}, ratio shown but not flagged",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return path


def _panel(ax: Axes, rows: pl.DataFrame, name: str) -> None:
    share = f"{HEADLINE}_share"
    labels = [f"{g} (n={n})" for g, n in zip(rows["group"], rows["n"], strict=True)]
    values = rows[share].fill_null(0.0).to_list()
    colours = [FLAG_COLOUR if f else OK_COLOUR for f in rows[f"{HEADLINE}_flag"]]
    bars = ax.barh(labels, values, color=colours)
    for bar, small in zip(bars, rows["small_group"], strict=True):
        if small:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    reference = rows[f"{HEADLINE}_reference"][0] if rows.height else None
    best = rows.filter(pl.col("group") == reference)[share] if reference else pl.Series([])
    if best.len() and best[0]:
        ax.axvline(
            FOUR_FIFTHS * best[0],
            color="grey",
            linestyle="--",
            linewidth=1,
            label=f"4/5 of {reference}",
        )
        ax.legend(loc="lower right", fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_title(name, fontsize=9, loc="left")
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)
