"""The career-pathway map report: one self-contained HTML file (the map drawn as a picture,
embedded as a base64 PNG, no scripts or external assets, like the gap report), the JSON of
the same map and the PNG, written into one folder.

The map itself is :func:`matching.sectors.ladder.build_pathway_map`; this module wires it to
the engine (:func:`ladder_inputs`: observed moves from the bundle's CPS table through
``features.transition_features.cps_labels``, else from the registered transition ranker)
and draws it with matplotlib (Agg): one layer per job zone, entry at the bottom, rungs left
to right by wage within a layer; moves solid, stackable steps dashed, a move with no
stackable route and a rung with openings but no program in red; programs under each rung.
"""

from __future__ import annotations

import base64
import html
import json
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from matching.referral.disparity import FOUR_FIFTHS, HEADLINE, MIN_GROUP_SIZE
from matching.sectors.ladder import LadderInputs, PathwayMap, Rung
from matching.sectors.profile import sector_inputs_from
from matching.sectors.served import ServedSummary

DPI = 120
STACK_COLOR = "#2e8b57"
MISSING_COLOR = "#c0392b"
NODE_COLOR = "#eef3fa"
PROGRAMS_SHOWN = 4
MAX_UNTRAINED = 8
_MOVES: dict[str, tuple[pl.DataFrame, str]] = {}
_MOVES_LOCK = threading.Lock()


@dataclass
class MapPaths:
    html: Path
    json: Path
    png: Path


# ----------------------------------------------------------------------------- inputs


def observed_moves(
    bundle: Any, ranker: Callable[[], Any] | None = None
) -> tuple[pl.DataFrame, str]:
    """(``source_code, target_code, weight`` [+ ``rank``], basis): the CPS moves of the
    bundle (kept per bundle path: the same for every request), else the targets of the
    transition ranker ``ranker()`` returns (asked only then: no model store otherwise)."""
    key = str(bundle.path)
    with _MOVES_LOCK:
        if key in _MOVES:
            return _MOVES[key]
    if bundle.has("mobility_transitions") and bundle.has("xwalk_onet2010_soc2018"):
        from features.transition_features import cps_labels

        pairs = cps_labels(bundle).pairs.rename({"p_leave": "weight"})
        found = (pairs, "CPS ASEC observed moves (share of leavers)")
        with _MOVES_LOCK:
            _MOVES[key] = found
        return found
    transitions = ranker() if ranker is not None else None
    if transitions is not None:
        top = transitions.top_.select(
            "source_code", "target_code", pl.col("score").alias("weight"), "rank"
        )
        return top, "transition ranker (trained on CPS labels), top targets"
    empty = pl.DataFrame(
        schema={"source_code": pl.String, "target_code": pl.String, "weight": pl.Float64}
    )
    return empty, "none (no CPS table and no transition model)"


def ladder_inputs(
    bundle: Any, catalog: Any, ranker: Callable[[], Any] | None = None
) -> LadderInputs:
    """The map's inputs from a bundle and a ``CatalogResult`` (the CLI builds the catalog
    without skills, the API passes the engine's; the ladder reads no skills)."""

    sector = sector_inputs_from(
        bundle, catalog.programs, catalog.program_occupations, supply_tables=False
    )
    zones = bundle.table("onet_job_zones") if bundle.has("onet_job_zones") else None
    if zones is None:
        zones = pl.DataFrame(schema={"onet_soc_code": pl.String, "job_zone": pl.Int64})
    moves, basis = observed_moves(bundle, ranker)
    return LadderInputs(sector, catalog.stackability, zones, moves, basis)


# ----------------------------------------------------------------------------- drawing


def _layout(result: PathwayMap) -> dict[str, tuple[float, float]]:
    """(x, y) per rung: one row per job zone (entry at the bottom), spaced by wage."""
    layers: dict[int, list[Rung]] = {}
    for r in result.rungs:
        layers.setdefault(r.job_zone if r.job_zone is not None else 6, []).append(r)
    width = max((len(v) for v in layers.values()), default=1)
    where = {}
    for level, (_, rungs) in enumerate(sorted(layers.items())):
        offset = (width - len(rungs)) / 2
        for i, r in enumerate(rungs):
            where[r.soc2018_code] = (offset + i + 0.5, level * LAYER_GAP)
    return where


def _money(value: Any) -> str:
    return "cost ?" if value is None else f"${value:,.0f}"


def program_line(p: dict[str, Any]) -> str:
    """A program as one short line: name, cost, weeks, employed in q2 (n)."""
    weeks = p.get("weeks_used")
    rate, n = p.get("employment_q2"), p.get("employment_q2_n")
    outcome = (
        f"emp {rate:.0%} (n={n})"
        if rate is not None
        else (f"emp suppressed (n={n})" if n is not None else "no outcomes")
    )
    name = str(p.get("name") or p["program_id"])
    name = name if len(name) <= 30 else name[:29] + "…"
    weeks_text = f"{weeks:.0f} wk" if weeks is not None else "? wk"
    return f"{name}: {_money(p.get('cost_total'))}, {weeks_text}, {outcome}"


def _node_text(r: Rung) -> tuple[str, str]:
    zone = f"zone {r.job_zone}" if r.job_zone is not None else "zone ?"
    if r.job_zone is not None and r.job_zone_basis != "O*NET":
        zone += " (EP educ.)"
    wage = f"${r.median_wage:,.0f}" if r.median_wage is not None else "wage ?"
    openings = f"{r.openings:,.0f}/yr" if r.openings is not None else "openings ?"
    title = textwrap.shorten(f"{r.position}. {r.title}", 46, placeholder="…")
    head = f"{title}\n{zone} · {wage} · {openings}"
    if not r.programs:
        return head, "NO PROGRAM IN REGION" if r.missing_program else "no program"
    lines = [program_line(p) for p in r.programs[:PROGRAMS_SHOWN]]
    if len(r.programs) > PROGRAMS_SHOWN:
        lines.append(f"+{len(r.programs) - PROGRAMS_SHOWN} more")
    return head, "\n".join(lines)


BOX_W, BOX_H = 0.9, 0.56
LAYER_GAP = 1.4


def _arrows(result: PathwayMap) -> list[tuple[str, str, str, str]]:
    """One arrow per rung pair, ``(source, target, color, style)``: a move with a stackable
    route (green), a move without one (red, a missing rung), a stack step nobody is
    observed to take (green dashed)."""
    moves = {(e.source, e.target) for e in result.edges if e.kind == "move"}
    stacks = {(e.source, e.target) for e in result.edges if e.kind == "stack"}
    arrows = []
    for pair in sorted(moves | stacks):
        if pair in moves:
            color = STACK_COLOR if pair in stacks else MISSING_COLOR
            arrows.append((*pair, color, "-"))
        else:
            arrows.append((*pair, STACK_COLOR, "--"))
    return arrows


def _arrow(
    start_xy: tuple[float, float], end_xy: tuple[float, float], color: str, style: str
) -> FancyArrowPatch:
    """Up a layer: top of the lower box to the bottom of the upper one; within a layer: top
    to top, arcing above the boxes but below the next layer."""
    (x1, y1), (x2, y2) = start_xy, end_xy
    top = BOX_H / 2
    if y1 == y2:
        span = abs(x2 - x1)
        peak = min(0.4, 0.12 + 0.06 * span)
        rad = -(2 * peak / span) * (1 if x2 > x1 else -1)
        start, end = (x1 + 0.1, y1 + top), (x2 - 0.1, y2 + top)
    else:
        bend = 0.1 if y2 - y1 <= LAYER_GAP else 0.4  # past a layer: around its boxes
        rad = bend if x2 >= x1 else -bend
        start, end = (x1, y1 + top), (x2, y2 - top)
    return FancyArrowPatch(
        start,
        end,
        connectionstyle=f"arc3,rad={rad}",
        arrowstyle="-|>",
        mutation_scale=14,
        linestyle=style,
        linewidth=1.7,
        color=color,
        alpha=0.85,
        zorder=1,
    )


def _draw_rung(ax: Any, r: Rung, x: float, y: float) -> None:
    head, body = _node_text(r)
    missing = r.missing_program
    ax.add_patch(
        FancyBboxPatch(
            (x - BOX_W / 2, y - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0.01",
            facecolor="#fdecea" if missing else NODE_COLOR,
            edgecolor=MISSING_COLOR if missing else "#34495e",
            linewidth=2.4 if missing else 1.0,
            zorder=2,
        )
    )
    ax.text(
        x, y + BOX_H / 2 - 0.04, head, ha="center", va="top", fontsize=8, weight="bold", zorder=3
    )
    ax.text(
        x,
        y + 0.02,
        body,
        ha="center",
        va="top",
        fontsize=6.3,
        zorder=3,
        color=MISSING_COLOR if missing else "#333333",
    )


def drawn(result: PathwayMap) -> PathwayMap:
    """The map as drawn: the rungs with a program in the region and the ``MAX_UNTRAINED``
    rungs without one that have the most openings (a real cluster lists 100+ occupations;
    the HTML table and the JSON keep every rung), and the edges between them."""
    untrained = sorted(
        (r for r in result.rungs if not r.programs), key=lambda r: -(r.openings or 0)
    )[:MAX_UNTRAINED]
    keep = {r.soc2018_code for r in result.rungs if r.programs} | {
        r.soc2018_code for r in untrained
    }
    return replace(
        result,
        rungs=[r for r in result.rungs if r.soc2018_code in keep],
        edges=[e for e in result.edges if e.source in keep and e.target in keep],
    )


def plot_map(full: PathwayMap, path: Path | IO[bytes]) -> None:
    """The layered graph (module docstring) of the drawn rungs, saved as PNG."""
    result = drawn(full)
    where = _layout(result)
    width = max((x for x, _ in where.values()), default=0.5) + 0.5
    height = max((y for _, y in where.values()), default=0) + LAYER_GAP
    fig, ax = plt.subplots(figsize=(max(8.0, 3.7 * width), 2.0 * height + 1.0))
    for source, target, color, style in _arrows(result):
        ax.add_patch(_arrow(where[source], where[target], color, style))
    for r in result.rungs:
        _draw_rung(ax, r, *where[r.soc2018_code])
    zones = sorted({r.job_zone if r.job_zone is not None else 6 for r in result.rungs})
    ticks = [i * LAYER_GAP for i in range(len(zones))]
    ax.set_yticks(ticks, [f"job zone {z}" if z < 6 else "no zone" for z in zones])
    ax.set_xticks([])
    ax.set_xlim(0, width)
    ax.set_ylim(-0.45, height - LAYER_GAP + 1.0)  # room for arcs and the legend
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [
        plt.Line2D([], [], color=STACK_COLOR, lw=1.7, label="observed move, stackable route"),
        plt.Line2D([], [], color=MISSING_COLOR, lw=1.7, label="observed move, no stackable route"),
        plt.Line2D([], [], color=STACK_COLOR, lw=1.7, ls="--", label="stack step, no move seen"),
        plt.Rectangle((0, 0), 1, 1, fc="#fdecea", ec=MISSING_COLOR, label="openings, no program"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=False, ncol=4)
    sub = f" / {result.sub_cluster}" if result.sub_cluster else ""
    shown = (
        ""
        if len(result.rungs) == len(full.rungs)
        else f" ({len(result.rungs)} of {len(full.rungs)} rungs: those with programs and the "
        f"{MAX_UNTRAINED} without with the most openings)"
    )
    ax.set_title(
        f"{result.cluster}{sub} in {result.region}: career-pathway map{shown}", fontsize=11
    )
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI)
    plt.close(fig)


# ----------------------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _zone_note(r: Rung) -> str:
    if r.job_zone is None or r.job_zone_basis == "O*NET":
        return ""
    return f"<br><small>from {_e(r.job_zone_basis)}</small>"


def _rows_html(result: PathwayMap, served: ServedSummary | None = None) -> str:
    referred: dict[str, tuple[int, int]] = {}
    if served is not None:
        referred = {
            code: (top1, anyk)
            for code, top1, anyk in served.rungs.select(
                "soc2018_code", "top1_referred", "anyk_referred"
            ).iter_rows()
        }
    rows = []
    for r in result.rungs:
        programs = "<br>".join(_e(program_line(p)) for p in r.programs) or (
            "<b class=missing>no program in the region</b>" if r.missing_program else "none"
        )
        wage = f"${r.median_wage:,.0f}" if r.median_wage is not None else "?"
        openings = f"{r.openings:,.0f} ({r.openings_basis})" if r.openings is not None else "?"
        rows.append(
            f"<tr><td>{r.position}</td><td>{_e(r.title)}<br><small>{_e(r.soc2018_code)}"
            f"</small></td><td>{_e(r.job_zone)}{_zone_note(r)}</td><td>{wage}</td><td>{openings}</td>"
            f"<td>{programs}</td>"
            + (
                "<td>{} / {}</td>".format(*referred.get(r.soc2018_code, (0, 0)))
                if served is not None
                else ""
            )
            + "</tr>"
        )
    head = "<th>referred (top-1 / any top-k)</th>" if served is not None else ""
    return (
        "<table><tr><th>#</th><th>occupation</th><th>job zone</th><th>median wage</th>"
        f"<th>annual openings</th><th>programs (cost, weeks, employed q2 and n)</th>{head}</tr>"
        + "".join(rows)
        + "</table>"
    )


def _edge_note(e: Any, cps: bool) -> str:
    if e.kind == "stack":
        pairs = ", ".join(f"{a} -> {b}" for a, b in e.program_pairs)
        return f"{', '.join(e.rules)}; programs {pairs}"
    if e.weight is None:
        return "observed"
    return f"{e.weight:.0%} of leavers" if cps else f"ranker score {e.weight:.2f}"


def _edges_html(result: PathwayMap) -> str:
    title = {r.soc2018_code: r.title for r in result.rungs}
    cps = result.moves_basis.startswith("CPS")
    items = [
        f"<li>{_e(e.kind)}: {_e(title[e.source])} -> {_e(title[e.target])} "
        f"({_e(_edge_note(e, cps))})</li>"
        for e in result.edges
    ]
    return "<ul>" + "".join(items) + "</ul>" if items else "<p>no edges</p>"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def served_note(row: dict[str, Any]) -> str:
    """The disparity summary's reading of a group row: unknown, small n, reference
    (indicative), FLAG (top-1 ratio under four-fifths with n >= the minimum)."""
    if row["unknown"]:
        return "unknown (not in ratios)"
    notes = []
    if row[f"{HEADLINE}_flag"]:
        notes.append("FLAG")
    if row["small_group"]:
        notes.append(f"small n (&lt; {MIN_GROUP_SIZE}): never flagged")
    if row["group"] == row[f"{HEADLINE}_reference"]:
        notes.append("reference" + (" (indicative)" if row["reference_small"] else ""))
    if row["anyk_flag"]:
        notes.append("any-k FLAG")
    return "; ".join(notes)


def served_html(served: ServedSummary) -> str:
    """The "who the pathways serve" section: headline counts, the rule, and one row per
    field x group with count, rate and impact ratio (top-1 and any top-k)."""
    rows = []
    for row in served.groups.iter_rows(named=True):
        note = served_note(row)
        css = " class=missing" if "FLAG" in note else ""
        rows.append(
            f"<tr{css}><td>{_e(row['field'])}</td><td>{_e(row['group'])}</td>"
            f"<td>{row['n']}</td><td>{row['top1_referred']}</td><td>{_pct(row['top1_share'])}</td>"
            f"<td>{_ratio(row['top1_ratio'])}</td><td>{row['anyk_referred']}</td>"
            f"<td>{_pct(row['anyk_share'])}</td><td>{_ratio(row['anyk_ratio'])}</td>"
            f"<td>{note}</td></tr>"
        )
    flagged = served.flagged()
    flags = (
        ", ".join(f"{_e(f)}: {_e(g)}" for f, g in flagged.select("field", "group").iter_rows())
        or "none"
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in served.notes)
    return (
        "<h2>Who the pathways serve</h2>"
        f"<p>{served.participants} participants scored in {_e(served.region)}: "
        f"{served.top1_referred} with a top-1 referral into the sector, "
        f"{served.anyk_referred} with any of their top-k referrals into it. "
        f"Groups flagged below {FOUR_FIFTHS:g} (top-1): {flags}.</p>{notes}"
        f"<p><small>{_e(served.rule)}</small></p>"
        "<table><tr><th>field</th><th>group</th><th>n</th><th>top-1 into sector</th>"
        "<th>rate</th><th>impact ratio</th><th>any top-k</th><th>rate</th>"
        "<th>impact ratio</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def render_html(result: PathwayMap, png: bytes, served: ServedSummary | None = None) -> str:
    missing = "".join(f"<li>{_e(m.kind)}: {_e(m.message)}</li>" for m in result.missing)
    rules = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in result.rules.items())
    sub = f" / {result.sub_cluster}" if result.sub_cluster else ""
    title = f"{result.cluster}{sub} in {result.region}: career-pathway map"
    image = base64.b64encode(png).decode()
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{_e(title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;"
        "vertical-align:top;font-size:90%}.missing{color:#c0392b}img{max-width:100%}"
        f"</style></head><body><h1>{_e(title)}</h1>"
        f"<p>moves: {_e(result.moves_basis)}</p>"
        f'<img alt="career-pathway map" src="data:image/png;base64,{image}">'
        f"<h2>Missing rungs ({len(result.missing)})</h2>"
        f"<ul class=missing>{missing or '<li>none</li>'}</ul>"
        f"<h2>Rungs</h2>{_rows_html(result, served)}"
        + (served_html(served) if served is not None else "")
        + f"<h2>Edges</h2>{_edges_html(result)}"
        f"<h2>Rules</h2><ul>{rules}</ul></body></html>"
    )


def write_map(
    result: PathwayMap, out_dir: Path | str, served: ServedSummary | None = None
) -> MapPaths:
    """Write pathway_map.html, pathway_map.json and pathway_map.png into ``out_dir``; with
    ``served`` (a scored caseload) the HTML and the JSON (``who_the_pathways_serve``) add
    who is referred into the sector, by group (counts only)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    plot_map(result, buffer)
    png = buffer.getvalue()
    paths = MapPaths(out / "pathway_map.html", out / "pathway_map.json", out / "pathway_map.png")
    paths.png.write_bytes(png)
    body = result.to_dict()
    if served is not None:
        body["who_the_pathways_serve"] = served.to_dict()
    paths.json.write_text(json.dumps(body, indent=2, default=str))
    paths.html.write_text(render_html(result, png, served))
    return paths
