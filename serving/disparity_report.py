"""The disparity summary for people: a rich table for the terminal and a PNG bar plot.

The numbers come from ``matching.referral.disparity``; this module only draws them. The plot shows
each group's headline share (top-1 referral to an above-median-wage occupation) per PIRL
field and per sex x race, every group drawn (a 0% group as a marker), each bar labelled with
share, count and impact ratio, the four-fifths line of the field's reference group (the
highest share), groups below four-fifths in a warm colour, unknowns in grey and groups below
the minimum size hatched, with the legend below the panels where it hides no bar, so a
reader sees at once which gaps are large and which rest on too few people to judge.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from rich.table import Table

from matching.referral.disparity import FOUR_FIFTHS, HEADLINE, MIN_GROUP_SIZE

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from rich.table import JustifyMethod

FLAG_COLOUR = "#d95f02"
OK_COLOUR = "#1b9e77"
UNKNOWN_COLOUR = "#999999"
NO_RATIO_COLOUR = "#c7c7c7"


def disparity_rich_table(table: pl.DataFrame) -> Table:
    """Group, n, top-1 and any-of-top-k shares with impact ratios; flags marked."""
    out = Table(
        title=f"referrals to above-median-wage occupations by group (headline: top-1; "
        f"ratio: share / the highest share; flag: ratio < {FOUR_FIFTHS} with "
        f"n >= {MIN_GROUP_SIZE})"
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
        if row["unknown"]:
            flag = "unknown (not in ratios)"
        elif row["reference_small"] and row["group"] == row["top1_reference"]:
            flag = (flag + " reference (indicative)").strip()
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
    """``disparity_figure`` written to ``path`` (PNG, whatever its suffix: batch writes a
    temporary name first); returns ``path``."""
    import matplotlib.pyplot as plt

    fig = disparity_figure(table, thresholds)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
    return path


def disparity_figure(
    table: pl.DataFrame, thresholds: dict[str, float | None] | None = None
) -> Figure:
    """One horizontal bar panel per field, one bar per group (a 0% group gets a marker and a
    label, so no group is missing). The legend sits below the panels, outside every axes,
    so it hides no bar. An empty table draws one empty panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fields = table["field"].unique(maintain_order=True).to_list() or ["(no groups)"]
    heights = [max(1, table.filter(pl.col("field") == f).height) + 1 for f in fields]
    fig, axes = plt.subplots(
        len(fields),
        1,
        figsize=(9, 2.2 + 0.3 * sum(heights)),
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
        + "\nimpact ratio = group's share / the highest share (four-fifths rule, "
        "29 CFR 1607.4(D))",
        fontsize=10,
    )
    fig.legend(
        handles=_legend_handles(),
        loc="lower center",
        ncol=4,
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    fig.tight_layout(rect=(0, min(0.3, 0.6 / fig.get_figheight()), 1, 1))
    return fig


def _legend_handles() -> list[Artist]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Patch(color=OK_COLOUR, label=f"ratio >= {FOUR_FIFTHS:g}"),
        Patch(
            color=FLAG_COLOUR,
            label=f"ratio < {FOUR_FIFTHS:g} (flagged when n >= {MIN_GROUP_SIZE})",
        ),
        Patch(color=NO_RATIO_COLOUR, label="no ratio (small group left out)"),
        Patch(color=UNKNOWN_COLOUR, label="unknown (counted, not in a ratio)"),
        Patch(
            facecolor="white",
            edgecolor="black",
            hatch="//",
            label=f"n < {MIN_GROUP_SIZE}: never flagged",
        ),
        Line2D([], [], color="grey", linestyle="--", label="4/5 of the reference group"),
        Line2D([], [], color="black", marker="D", markersize=4, linestyle="", label="0%"),
    ]


def _panel(ax: Axes, rows: pl.DataFrame, name: str) -> None:
    """The field's bars; each labelled with share, count and ratio; the 4/5 line."""
    share = f"{HEADLINE}_share"
    labels = [f"{g} (n={n})" for g, n in zip(rows["group"], rows["n"], strict=True)]
    values = rows[share].fill_null(0.0).to_list()
    colours = [_colour(row) for row in rows.iter_rows(named=True)]
    bars = ax.barh(labels, values, color=colours)
    for bar, row in zip(bars, rows.iter_rows(named=True), strict=True):
        if row["small_group"]:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
        y = bar.get_y() + bar.get_height() / 2
        if not row[share]:
            ax.plot([0], [y], marker="D", markersize=4, color="black", clip_on=False)
        ax.text(bar.get_width() + 0.01, y, _bar_label(row), va="center", fontsize=6.5)
    ax.set_title(_panel_title(rows, name), fontsize=8.5, loc="left")
    reference = rows[f"{HEADLINE}_reference"][0] if rows.height else None
    best = rows.filter(pl.col("group") == reference)[share] if reference else pl.Series([])
    if best.len() and best[0]:
        ax.axvline(FOUR_FIFTHS * best[0], color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.invert_yaxis()
    ax.tick_params(labelsize=7)


def _colour(row: dict) -> str:
    """Grey without a ratio (unknown, or small and left out); orange below four-fifths
    (a flag only at n >= 30: small groups are hatched); green otherwise."""
    ratio = row[f"{HEADLINE}_ratio"]
    if row["unknown"]:
        return UNKNOWN_COLOUR
    if ratio is None:
        return NO_RATIO_COLOUR
    return FLAG_COLOUR if ratio < FOUR_FIFTHS else OK_COLOUR


def _bar_label(row: dict) -> str:
    share, ratio = row[f"{HEADLINE}_share"], row[f"{HEADLINE}_ratio"]
    text = f"{_pct(share)} ({row[f'{HEADLINE}_high']}/{row['n']})"
    if row["unknown"]:
        return text + ", unknown"
    if ratio is None:
        return text + (", small: not in ratio" if row["small_group"] else ", no ratio")
    return text + f", ratio {ratio:.2f}" + (" FLAG" if row[f"{HEADLINE}_flag"] else "")


def _panel_title(rows: pl.DataFrame, name: str) -> str:
    if not rows.height:
        return name
    head = rows.row(0, named=True)
    reference = head[f"{HEADLINE}_reference"]
    unknown = int(rows.filter(pl.col("unknown"))["n"].sum())
    parts = [name, f"unknown: {unknown}"]
    if reference is not None:
        note = f" (n < {MIN_GROUP_SIZE} everywhere: indicative)" if head["reference_small"] else ""
        parts.append(f"reference: {reference}{note}")
    return "  |  ".join(parts)
