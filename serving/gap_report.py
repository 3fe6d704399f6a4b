"""The curriculum gap report: one self-contained HTML file, the JSON of the same data and a
PNG per plot, written into one folder.

Why self-contained: the report is mailed to deans and advisory boards who open it offline,
so the plots are embedded as base64 PNG and there are no scripts or external assets. The
analysis itself is :func:`matching.curriculum.gaps.analyze_gaps`; this module only wires it to the
shared engine (:func:`gap_context`) and renders it (matplotlib Agg, no display needed).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from matching.curriculum.gaps import GapContext, GapResult

PlotTarget = Path | IO[bytes]
"""Where a plot is saved: a file (the report folder) or a buffer (the web page)."""
STATUS_COLORS = {"essential": "#c0392b", "optional": "#e67e22", "not listed": "#7f8c8d"}
DPI = 120


@dataclass
class ReportPaths:
    """Where the report landed."""

    html: Path
    json: Path
    plots: dict[str, Path]

    def as_dict(self) -> dict[str, Any]:
        return {
            "html": str(self.html),
            "json": str(self.json),
            "plots": {k: str(v) for k, v in self.plots.items()},
        }


def gap_context(engine: Any) -> GapContext:
    """The analysis inputs from the shared engine: the pipelines demand and the catalog use,
    each run under its lock (``Engine.locked``), so a gap report counts skills as they do."""
    return GapContext.from_bundle(
        engine.bundle,
        taxonomy=engine.taxonomy,
        course_nlp=engine.locked("course"),
        posting_nlp=engine.locked("posting"),
        demand=engine.demand,
    )


# ----------------------------------------------------------------------------- plots


def _short(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_top_gaps(result: GapResult, path: PlotTarget) -> PlotTarget:
    """Horizontal bars: demand weight of the top gaps, colored by ESCO status."""
    gaps = result.gaps[:20]
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.38 * len(gaps) + 1.5)))
    if gaps:
        labels = [_short(g.label) for g in gaps][::-1]
        values = [g.demand_weight for g in gaps][::-1]
        colors = [STATUS_COLORS.get(g.esco_status, "#7f8c8d") for g in gaps][::-1]
        ax.barh(labels, values, color=colors)
        ax.set_xlabel("demand weight: annual openings whose postings ask for the skill")
        handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in STATUS_COLORS.values()]
        ax.legend(handles, [f"ESCO {k}" for k in STATUS_COLORS], loc="lower right", fontsize=8)
    else:
        ax.text(
            0.5,
            0.5,
            "no gaps: every sought skill is taught",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
    ax.set_title(f"Top curriculum gaps in {result.region}")
    return _save(fig, path)


def plot_coverage(result: GapResult, path: PlotTarget) -> PlotTarget:
    """Coverage of target-posting demand before and after adding the cover-plan skills."""
    c = result.cover
    fig, ax = plt.subplots(figsize=(7, 4))
    groups = ["postings covered", "mean progress"]
    before = [c.coverage_before, c.progress_before]
    after = [c.coverage_after, c.progress_after]
    xs = range(len(groups))
    ax.bar([x - 0.2 for x in xs], before, width=0.4, label="current curriculum", color="#95a5a6")
    ax.bar(
        [x + 0.2 for x in xs],
        after,
        width=0.4,
        label=f"+ {len(c.added)} skills (greedy cover)",
        color="#27ae60",
    )
    for x, b, a in zip(xs, before, after, strict=True):
        ax.text(x - 0.2, b + 0.01, f"{b:.0%}", ha="center", fontsize=9)
        ax.text(x + 0.2, a + 0.01, f"{a:.0%}", ha="center", fontsize=9)
    ax.set_xticks(list(xs), groups)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share of demand weight")
    ax.set_title(f"Demand coverage (posting covered at {c.bar:.0%} of its skills)")
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def plot_heatmap(result: GapResult, path: PlotTarget) -> PlotTarget:
    """Courses x top sought skills: taught (1), narrower or near match (0.5), not (0)."""
    h = result.heatmap
    rows, cols = max(1, len(h.courses)), max(1, len(h.skills))
    size = (min(18, max(6.5, 2.5 + 0.42 * cols)), min(14, 2.5 + 0.35 * rows))
    fig, ax = plt.subplots(figsize=size)
    if h.skills and h.courses:
        image = ax.imshow(h.values, cmap="Greens", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(
            range(len(h.skills)),
            [_short(s, 30) for s in h.skills],
            rotation=60,
            ha="right",
            fontsize=8,
        )
        ax.set_yticks(range(len(h.courses)), h.courses, fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.03, label="taught")
    else:
        ax.text(
            0.5,
            0.5,
            "no sought skills for the target occupations",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
    ax.set_title("Taught (courses) vs sought (skills by demand weight)", fontsize=10)
    return _save(fig, path)


def _save(fig: Any, path: PlotTarget) -> PlotTarget:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=DPI)
    plt.close(fig)
    return path


PLOTS = {"top_gaps": plot_top_gaps, "coverage": plot_coverage, "heatmap": plot_heatmap}


def plot_pngs(result: GapResult) -> dict[str, bytes]:
    """Every plot as PNG bytes, drawn in memory (the web page embeds them as data URIs)."""
    pngs: dict[str, bytes] = {}
    for name, draw in PLOTS.items():
        buffer = BytesIO()
        draw(result, buffer)
        pngs[name] = buffer.getvalue()
    return pngs


# ----------------------------------------------------------------------------- html


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_MARKED = re.compile(r"\*\*(.+?)\*\*")


def marked_html(quote: str) -> str:
    """A quote (``matching.nlp.quotes``) as HTML: escaped, its ``**words**`` in ``<mark>``."""
    return _MARKED.sub(r"<mark>\1</mark>", _e(quote))


def _evidence(items: list[Any]) -> str:
    return (
        "<br>".join(
            f"<q>{marked_html(e.sentence)}</q> <small>({_e(e.source)})</small>" for e in items
        )
        or "<small>no sentence</small>"
    )


def _covered_html(covered: Any) -> str:
    """ "covered by: <taught skill>, in <course> description" and the sentence, to check."""
    score = "" if covered.similarity is None else f" <small>(near {covered.similarity:.2f})</small>"
    return f"{_e(covered.describe())}{score}<br>{_evidence(covered.evidence[:1])}"


def _coverage_html(result: GapResult) -> str:
    """The demand share covered, from the same covered set as the gap list."""
    c = result.coverage
    if c is None:
        return ""
    kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in c.by_kind.items()) or "none"
    return (
        f"<p>Demand covered: {c.share_covered:.0%} of the demand weight "
        f"({c.covered_weight:,.0f} of {c.total_weight:,.0f}; {c.n_covered} of {c.n_sought} "
        f"sought skills covered: {_e(kinds)}); the {c.n_gaps} gaps hold the other "
        f"{c.gap_weight:,.0f}.</p>"
    )


def _gaps_html(result: GapResult) -> str:
    rows = []
    for g in result.gaps:
        host = (
            (
                f"{_e(g.host_course.code)} {_e(g.host_course.title)} "
                f"<small>(cos {g.host_course.score:.2f})</small>"
            )
            if g.host_course
            else "<small>no course shares words with it</small>"
        )
        pay = (
            f"${g.wage_premium.premium:+,.0f}/yr"
            if g.wage_premium.measurable
            else f"<small>{_e(g.wage_premium.note)}</small>"
        )
        rows.append(
            [
                g.rank,
                _e(g.label),
                f"{g.demand_weight:,.0f}",
                f"{g.share:.0%}",
                _e(g.esco_status),
                pay,
                host,
                _evidence(g.evidence),
            ]
        )
    return _table(
        [
            "#",
            "skill",
            "demand weight",
            "share of postings",
            "ESCO",
            "wage premium",
            "best host course",
            "posting evidence",
        ],
        rows,
    )


def report_sections(result: GapResult) -> list[str]:
    """The report's tables as HTML sections (each an <h2> and its body); the HTML report and
    the web page's gap report both show these, so they cannot drift apart."""
    targets = _table(
        ["O*NET-SOC", "title", "postings", "weight", "weight source", "similarity"],
        [
            [
                _e(t.onet_soc_code),
                _e(t.title),
                t.postings,
                f"{t.weight:,.0f}",
                _e(t.weight_source),
                "-" if t.similarity is None else f"{t.similarity:.2f}",
            ]
            for t in result.targets
        ],
    )
    cover = result.cover
    plan = _table(
        ["added skill", "gain", "postings covered after"],
        [[_e(s.label), f"{s.gain:.1%}", f"{s.coverage_after:.0%}"] for s in cover.added],
    )
    sought = _table(
        ["skill", "share", "demand weight", "ESCO", "covered by"],
        [
            [
                _e(s.label),
                f"{s.share:.0%}",
                f"{s.demand_weight:,.0f}",
                _e(s.esco_status),
                _covered_html(s.covered) if s.covered else "<b>gap</b>",
            ]
            for s in result.sought
        ],
    )
    taught = _table(
        ["skill", "courses", "course evidence"],
        [[_e(t.label), _e(", ".join(t.courses)), _evidence(t.evidence)] for t in result.taught],
    )
    rejects = (
        _table(
            ["file", "line", "field", "problem"],
            [
                [_e(r["file"]), _e(r["line"]), _e(r["field"]), _e(r["problem"])]
                for r in result.rejects
            ],
        )
        if result.rejects
        else "<p>none</p>"
    )
    return [
        f"<h2>Target occupations ({_e(result.target_method)})</h2><p>{_e(result.inference)}"
        f"</p>{targets}",
        f"<h2>Gaps, by demand weight</h2>{_coverage_html(result)}{_gaps_html(result)}",
        f"<h2>Cover plan</h2><p>{_e(cover.method)}.</p><p>Postings covered: "
        f"{cover.coverage_before:.0%} &rarr; {cover.coverage_after:.0%} (mean progress "
        f"{cover.progress_before:.0%} &rarr; {cover.progress_after:.0%}); {cover.postings} "
        f"target postings with sought skills, {cover.postings_without_skills} without.</p>"
        f"{plan}",
        f"<h2>Skills sought</h2>{sought}",
        f"<h2>Skills taught ({result.courses} courses)</h2>{taught}",
        f"<h2>Rejected course rows</h2>{rejects}",
        "<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in result.notes) + "</ul>",
    ]


CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:"
    "collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;"
    "font-size:13px}th{background:#f4f4f4}img{max-width:100%;display:block;margin:1em 0}"
    "q{font-style:italic}"
)


def render_html(result: GapResult, plots: dict[str, Path]) -> str:
    """The report page with every plot embedded as a base64 PNG."""
    images = "".join(
        f'<img alt="{_e(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(path.read_bytes()).decode("ascii")}">'
        for name, path in plots.items()
    )
    title = f"Curriculum gap report: {result.region}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1>{images}"
        + "".join(report_sections(result))
        + "</body></html>"
    )


def write_report(result: GapResult, out_dir: Path | str) -> ReportPaths:
    """Write ``gap_report.html``, ``gap_report.json`` and one PNG per plot into
    ``out_dir`` (created); returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = {name: out / f"gaps_{name}.png" for name in PLOTS}
    for name, path in plots.items():
        PLOTS[name](result, path)
    json_path = out / "gap_report.json"
    json_path.write_text(result.to_json(), encoding="utf-8")
    html_path = out / "gap_report.html"
    html_path.write_text(render_html(result, plots), encoding="utf-8")
    return ReportPaths(html_path, json_path, plots)
