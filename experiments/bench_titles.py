"""Benchmark: job-title normalization on JobBERT titles (ESCO) and MELO (O*NET title -> ESCO).

Data (all development parts; the test parts are held out elsewhere):

- JobBERT ``titles.csv`` (15,463 vacancy titles from a Malaysian job board, each with one
  ESCO occupation URI; the official validation half). It is split by a fixed seed
  (``SPLIT_SEED``) into a *tune* half, the only part hyper-parameters were chosen on, and a
  *report* half. MRR and Acc@1 are over all ESCO occupations and are printed for the report
  half and for the full file. No reported model is trained on JobBERT titles, except the row
  labelled ``+tune titles``, which adds the tune half as training titles (report half only).
- MELO ``usa_q_en_c_en`` (the released half: 317 O*NET occupation titles as queries, 33,809
  ESCO/ISCO surface forms as corpus). Scored like the official evaluator: every corpus
  element gets a score, the top 100 go to a trec_eval-style MAP over the element-level qrels.
  ``MELO cMAP`` is the same over concepts (an element's concept = its URI). The models
  evaluated on MELO are fit WITHOUT the ESCO-O*NET crosswalk, which generated MELO's gold.

Also (issue 14): accuracy@1 on the military dev list (``tests/fixtures/military_titles_dev.csv``,
MOS titles with civilian O*NET codes written from O*NET's alternate titles), and the
confidence figures: ``min_score`` calibrated (:func:`calibrate_min_score`) on the JobBERT
tune half pooled with the O*NET held-out alternate titles, and on the JobBERT report half the
share of titles called confident with the top-1 accuracy on each side of the cut.

Methods: ``exact`` (case-insensitive exact title = label match), ``char tf-idf`` (the MELO
paper's baseline: char 1-3 TF-IDF, nearest label), and :class:`TitleNormalizer` variants.
Run: ``make bench`` or ``.venv/bin/python experiments/bench_titles.py``; the bundle comes from
``$PATHMATCH_BUNDLE`` (default ``/tmp/pm_real_bundle``), or, if absent, straight from
``../shared/data`` through the loaders.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.titles import (  # noqa: E402
    TitleNormalizer,
    calibrate_min_score,
    clean_title,
    feature_text_of,
)

DATA = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH = DATA / "benchmarks"
JOBBERT = BENCH / "jobbert_title_normalization" / "titles.csv"
MELO = BENCH / "melo_usa_onet_to_esco"
SPLIT_SEED = 20240917
MILITARY = REPO / "tests" / "fixtures" / "military_titles_dev.csv"
CONFIG = REPO / "training" / "configs" / "nlp.toml"
NOISY = ["RN - Nights $5k Bonus", "CDL-A Driver OTR", "Sr. Acct / AP", "5 yrs cashier"]
console = Console()


# --------------------------------------------------------------------------- data


def load_frames() -> dict[str, pl.DataFrame | None]:
    """Title tables from the bundle, or from the real files through the loaders."""
    from matching.nlp.titles import frames_from_bundle

    bundle_dir = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
    if (bundle_dir / "manifest.json").is_file():
        from matching.ingest.bundle import Bundle

        console.print(f"bundle: {bundle_dir}")
        return frames_from_bundle(Bundle(bundle_dir))
    console.print(f"bundle {bundle_dir} absent: loading {DATA} through the loaders")
    return frames_from_loaders(DATA)


def frames_from_loaders(data_dir: Path) -> dict[str, pl.DataFrame | None]:
    from matching.ingest.loaders import esco, onet

    wanted = {
        "onet_occupations",
        "onet_alternate_titles",
        "onet_reported_titles",
        "esco_occupations",
    }
    frames: dict[str, pl.DataFrame | None] = {"xwalk_esco_onet": None}
    for source in [*onet.SOURCES, *esco.SOURCES]:
        if source.table in wanted:
            frames[source.table] = source.load(source.discover(data_dir)).table
    try:
        from matching.ingest.loaders import crosswalks  # type: ignore[attr-defined]

        for source in crosswalks.SOURCES:
            if source.table == "xwalk_esco_onet":
                frames["xwalk_esco_onet"] = source.load(source.discover(data_dir)).table
    except ImportError:
        pass
    return frames


def jobbert_split(path: Path = JOBBERT, seed: int = SPLIT_SEED) -> pl.DataFrame:
    """JobBERT rows with a ``part`` column: 'tune' or 'report', 50/50 by a fixed seed."""
    table = pl.read_csv(path).select(
        pl.col("vacancyTitle").alias("title"), pl.col("conceptUri").alias("uri")
    )
    order = np.random.default_rng(seed).permutation(table.height)
    part = np.where(np.argsort(order) < table.height // 2, "tune", "report")
    return table.with_columns(pl.Series("part", part))


@dataclass
class Melo:
    queries: list[str]
    query_ids: list[str]
    elements: list[str]
    element_ids: list[str]
    element_uris: list[str]
    relevant: dict[str, set[str]]  # query id -> relevant element ids


def load_melo(folder: Path = MELO) -> Melo:
    def tsv(name: str) -> list[list[str]]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [line.split("\t") for line in lines if line.strip()]

    queries = tsv("queries.tsv")
    elements = tsv("corpus_elements.tsv")
    mapping = dict(tuple(r) for r in tsv("concept_mapping.tsv"))
    relevant: dict[str, set[str]] = {}
    for qid, _, cid, rel in (
        line.split() for line in (folder / "annotations.tsv").read_text().splitlines()
    ):
        if int(rel) > 0:
            relevant.setdefault(qid, set()).add(cid)
    return Melo(
        [q[1] for q in queries],
        [q[0] for q in queries],
        [e[1] for e in elements],
        [e[0] for e in elements],
        [mapping[e[0]] for e in elements],
        relevant,
    )


# --------------------------------------------------------------------------- metrics


def ranks_of_gold(scores: np.ndarray, gold_cols: np.ndarray) -> np.ndarray:
    """1-based rank of each row's gold column; ties count half (expected random order).

    A gold outside the label space (col -1) gets rank infinity.
    """
    ranks = np.full(len(gold_cols), np.inf)
    ok = gold_cols >= 0
    rows = np.flatnonzero(ok)
    gold = scores[rows, gold_cols[ok]][:, None]
    greater = (scores[rows] > gold).sum(axis=1)
    equal = (scores[rows] == gold).sum(axis=1) - 1
    ranks[rows] = 1 + greater + equal / 2
    return ranks


def mrr_acc(ranks: np.ndarray) -> tuple[float, float]:
    return float(np.mean(1.0 / ranks)), float(np.mean(ranks == 1))


def average_precision(ranked: Sequence[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for position, item in enumerate(ranked, start=1):
        if item in relevant:
            hits += 1
            total += hits / position
    return total / len(relevant) if relevant else 0.0


def melo_map(melo: Melo, element_scores: np.ndarray, depth: int = 100) -> tuple[float, float]:
    """(element MAP as trec_eval computes it on the top ``depth``, concept-level MAP)."""
    ids = np.asarray(melo.element_ids)
    uris = np.asarray(melo.element_uris)
    id_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    element_aps, concept_aps = [], []
    for row, qid in enumerate(melo.query_ids):
        relevant = melo.relevant.get(qid)
        if not relevant:
            continue
        scores = element_scores[row]
        # trec_eval order: score descending, ties by document id descending
        order = np.lexsort((-id_rank, -scores))
        element_aps.append(average_precision(ids[order[:depth]].tolist(), relevant))
        relevant_uris = set(uris[np.isin(ids, list(relevant))].tolist())
        concepts = list(dict.fromkeys(uris[order].tolist()))[:depth]
        concept_aps.append(average_precision(concepts, relevant_uris))
    return float(np.mean(element_aps)), float(np.mean(concept_aps))


# --------------------------------------------------------------------------- methods


class ExactMatch:
    """Lexical baseline: 1 for a label equal to the title (case-insensitive), else 0."""

    def fit(self, labels: Sequence[str], label_cols: Sequence[int], n_cols: int) -> ExactMatch:
        self.lookup: dict[str, list[int]] = {}
        for text, col in zip(labels, label_cols, strict=True):
            self.lookup.setdefault(text.strip().lower(), []).append(col)
        self.n_cols = n_cols
        return self

    def scores(self, titles: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(titles), self.n_cols), dtype=np.float32)
        for row, title in enumerate(titles):
            out[row, self.lookup.get(title.strip().lower(), [])] = 1.0
        return out


class CharTfidf:
    """Lexical baseline as in the MELO paper: char 1-3 TF-IDF, max over an occupation's labels."""

    def fit(self, labels: Sequence[str], label_cols: Sequence[int], n_cols: int) -> CharTfidf:
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), dtype=np.float32)
        self.matrix_t = self.vectorizer.fit_transform([s.lower() for s in labels]).T.tocsr()
        cols = np.asarray(label_cols)
        self.order = np.argsort(cols, kind="stable")
        self.matrix_t = self.matrix_t[:, self.order]
        sorted_cols = cols[self.order]
        self.starts = np.flatnonzero(np.r_[True, sorted_cols[1:] != sorted_cols[:-1]])
        self.present = sorted_cols[self.starts]
        self.n_cols = n_cols
        return self

    def element_scores(self, titles: Sequence[str]) -> np.ndarray:
        queries = self.vectorizer.transform([t.lower() for t in titles])
        sims = (queries @ self.matrix_t).toarray()
        out = np.empty_like(sims)
        out[:, self.order] = sims
        return out

    def scores(self, titles: Sequence[str], batch: int = 512) -> np.ndarray:
        out = np.zeros((len(titles), self.n_cols), dtype=np.float32)
        for start in range(0, len(titles), batch):
            queries = self.vectorizer.transform([t.lower() for t in titles[start : start + batch]])
            sims = (queries @ self.matrix_t).toarray()
            out[start : start + batch][:, self.present] = np.maximum.reduceat(
                sims, self.starts, axis=1
            )
        return out


def esco_labels(esco: pl.DataFrame) -> tuple[list[str], list[int], list[str]]:
    """(label, column, codes) for every ESCO preferred and alternative label."""
    codes = esco.get_column("occupation_uri").to_list()
    labels, cols = [], []
    for col, (label, alts) in enumerate(esco.select("preferred_label", "alt_labels").iter_rows()):
        for text in [label, *(alts or [])]:
            labels.append(text)
            cols.append(col)
    return labels, cols, codes


def model_element_scores(
    model: TitleNormalizer, melo: Melo, *, element_weight: float = 0.1
) -> np.ndarray:
    """MELO element scores: the model's ESCO occupation score of the element's URI, plus a
    little of the element's own similarity to the query (orders the surface forms of one
    concept, and scores ISCO-group elements, which the model does not rank)."""
    codes = model.codes("esco")
    column = {c: i for i, c in enumerate(codes)}
    cols = np.asarray([column.get(u, -1) for u in melo.element_uris])
    concept = model.score_matrix(melo.queries, "esco")
    known = cols >= 0
    out = np.zeros((len(melo.queries), len(cols)), dtype=np.float32)
    out[:, known] = concept[:, cols[known]]
    queries = model.embed(melo.queries)
    elements = model.embed(melo.elements)
    out += element_weight * (queries @ elements.T).toarray()
    return out


# --------------------------------------------------------------------------- runs


@dataclass
class Row:
    method: str
    report: tuple[float, float] | None = None
    full: tuple[float, float] | None = None
    melo: tuple[float, float] | None = None
    per_second: float | None = None
    fit_seconds: float | None = None


def evaluate_jobbert(
    score: Callable[[list[str]], np.ndarray], codes: list[str], jobbert: pl.DataFrame
) -> tuple[tuple[float, float], tuple[float, float], float]:
    column = {c: i for i, c in enumerate(codes)}
    titles = jobbert.get_column("title").to_list()
    gold = np.asarray([column.get(u, -1) for u in jobbert.get_column("uri").to_list()])
    start = time.perf_counter()
    scores = score(titles)
    per_second = len(titles) / (time.perf_counter() - start)
    ranks = ranks_of_gold(scores, gold)
    report = jobbert.get_column("part").to_numpy() == "report"
    return mrr_acc(ranks[report]), mrr_acc(ranks), per_second


def fit_model(
    frames: dict[str, pl.DataFrame | None], extra: pl.DataFrame | None = None, **params: object
) -> tuple[TitleNormalizer, float]:
    start = time.perf_counter()
    model = TitleNormalizer(**params).fit(  # type: ignore[arg-type]
        frames["onet_occupations"],
        frames["onet_alternate_titles"],
        frames["onet_reported_titles"],
        frames["esco_occupations"],
        xwalk_esco_onet=frames.get("xwalk_esco_onet"),
        extra_titles=extra,
    )
    return model, time.perf_counter() - start


def concept_max(melo: Melo, element_scores: np.ndarray, own: float = 0.01) -> np.ndarray:
    """Each element scored by the best element of its concept (+ a little of its own)."""
    _, inverse = np.unique(np.asarray(melo.element_uris), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.flatnonzero(np.r_[True, inverse[order][1:] != inverse[order][:-1]])
    best = np.maximum.reduceat(element_scores[:, order], starts, axis=1)
    return best[:, inverse] + own * element_scores


def onet_heldout(
    frames: dict[str, pl.DataFrame | None], share: float = 0.1
) -> tuple[dict[str, pl.DataFrame | None], pl.DataFrame]:
    """Hold out ``share`` of the Alternate Titles (fixed seed) for an O*NET-side figure.

    Every reported title is also an alternate title, so reported titles cannot serve. Held-out
    titles whose cleaned text equals a remaining title (of any occupation) are dropped.
    """
    alternate = frames["onet_alternate_titles"]
    occupations = frames["onet_occupations"]
    assert alternate is not None and occupations is not None
    held = np.random.default_rng(SPLIT_SEED).random(alternate.height) < share
    train = alternate.filter(~pl.Series(held))
    known = {
        feature_text_of(t)
        for t in [
            *train.get_column("alternate_title").to_list(),
            *occupations.get_column("title").to_list(),
        ]
    }
    heldout = (
        alternate.filter(pl.Series(held))
        .select(pl.col("alternate_title").alias("title"), pl.col("onet_soc_code").alias("uri"))
        .filter(
            ~pl.col("title")
            .map_elements(feature_text_of, return_dtype=pl.String)
            .is_in(list(known))
        )
        .with_columns(part=pl.lit("report"))
    )
    return {**frames, "onet_alternate_titles": train, "onet_reported_titles": None}, heldout


def run() -> None:
    frames = load_frames()
    jobbert = jobbert_split()
    melo = load_melo()
    esco = frames["esco_occupations"]
    assert esco is not None
    labels, label_cols, codes = esco_labels(esco)
    rows: list[Row] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("baselines", total=6)
        for name, cls in (("exact match", ExactMatch), ("char tf-idf 1-3", CharTfidf)):
            start = time.perf_counter()
            baseline = cls().fit(labels, label_cols, len(codes))
            fit_seconds = time.perf_counter() - start
            report, full, per_second = evaluate_jobbert(baseline.scores, codes, jobbert)
            melo_baseline = cls().fit(
                melo.elements, list(range(len(melo.elements))), len(melo.elements)
            )
            element_scores = melo_baseline.scores(melo.queries)
            rows.append(
                Row(name, report, full, melo_map(melo, element_scores), per_second, fit_seconds)
            )
            if cls is CharTfidf:
                rows.append(
                    Row(
                        "  char tf-idf 1-3, MELO scored per concept",
                        None,
                        None,
                        melo_map(melo, concept_max(melo, element_scores)),
                    )
                )
            progress.advance(task)

        progress.update(task, description="TitleNormalizer")
        model, fit_seconds = fit_model(frames)
        report, full, per_second = evaluate_jobbert(
            lambda t: model.score_matrix(t, "esco"), model.codes("esco"), jobbert
        )
        melo_result = melo_map(melo, model_element_scores(model, melo))
        rows.append(Row("TitleNormalizer", report, full, melo_result, per_second, fit_seconds))
        progress.advance(task)

        progress.update(task, description="TitleNormalizer, per MELO element")
        queries, elements = model.embed(melo.queries), model.embed(melo.elements)
        rows.append(
            Row(
                "  its features, MELO scored per element",
                None,
                None,
                melo_map(melo, (queries @ elements.T).toarray()),
            )
        )
        progress.advance(task)

        progress.update(task, description="TitleNormalizer + tune titles")
        tune = jobbert.filter(pl.col("part") == "tune").select(
            pl.col("title").alias("text"),
            pl.col("uri").alias("code"),
            pl.lit("esco").alias("taxonomy"),
        )
        tuned, seconds = fit_model(frames, extra=tune)
        report, _, _ = evaluate_jobbert(
            lambda t: tuned.score_matrix(t, "esco"), tuned.codes("esco"), jobbert
        )
        rows.append(
            Row("  + JobBERT tune titles as training titles", report, None, None, None, seconds)
        )
        progress.advance(task)

        progress.update(task, description="O*NET held-out reported titles")
        onet_rows = run_onet(frames)
        progress.advance(task)

    print_table(rows)
    print_onet(onet_rows)
    print_military(frames)
    print_confidence(frames, jobbert)
    print_noisy(model)
    print_throughput(model)


def config_params() -> dict[str, Any]:
    """The ``[titles]`` hyper-parameters ``pathmatch train nlp`` uses (the registered model)."""
    import tomllib

    titles = tomllib.loads(CONFIG.read_text())["titles"]
    return {k: v for k, v in titles.items() if k in TitleNormalizer().get_params()}


def weight_variants() -> list[tuple[str, dict[str, Any]]]:
    return [("class defaults", {}), ("training config", config_params())]


def military_accuracy(model: TitleNormalizer) -> tuple[float, int]:
    """Accuracy@1 on the military dev list (a top-1 in the row's ``codes`` is right)."""
    table = pl.read_csv(MILITARY, comment_prefix="#")
    ranked = model.predict(table.get_column("title").to_list(), "onet", top_k=1)
    hits = [
        bool(r) and r[0].code in codes.split(";")
        for r, codes in zip(ranked, table.get_column("codes"), strict=True)
    ]
    return float(np.mean(hits)), table.height


def print_military(frames: dict[str, pl.DataFrame | None]) -> None:
    for name, params in weight_variants():
        model, _ = fit_model(frames, **params)
        accuracy, n = military_accuracy(model)
        console.print(f"military dev list ({n} titles), {name}: accuracy@1 {accuracy:.3f}")


def top_scores(
    model: TitleNormalizer, titles: list[str], gold: list[str], taxonomy: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each title's top score and whether its top-1 is the gold occupation."""
    ranked = model.predict(titles, taxonomy, top_k=1)
    scores = np.asarray([r[0].score if r else 0.0 for r in ranked])
    correct = np.asarray([bool(r) and r[0].code == g for r, g in zip(ranked, gold, strict=True)])
    return scores, correct


def print_confidence(frames: dict[str, pl.DataFrame | None], jobbert: pl.DataFrame) -> None:
    """min_score calibrated on dev (JobBERT tune + O*NET held-out), checked on JobBERT report."""
    train, heldout = onet_heldout(frames)
    table = Table(title="Confidence: min_score calibrated on dev, checked on JobBERT report")
    for column in (
        "weights",
        "calibrated min_score",
        "model min_score",
        "report confident",
        "Acc@1 confident",
        "Acc@1 not confident",
    ):
        table.add_column(column, justify="left" if column == "weights" else "right")
    for name, params in weight_variants():
        held_model, _ = fit_model(train, **params)
        onet_s, onet_c = top_scores(
            held_model, heldout["title"].to_list(), heldout["uri"].to_list(), "onet"
        )
        model, _ = fit_model(frames, **params)
        tune = jobbert.filter(pl.col("part") == "tune")
        report = jobbert.filter(pl.col("part") == "report")
        tune_s, tune_c = top_scores(model, tune["title"].to_list(), tune["uri"].to_list(), "esco")
        cut = calibrate_min_score(np.r_[onet_s, tune_s], np.r_[onet_c, tune_c])
        rep_s, rep_c = top_scores(model, report["title"].to_list(), report["uri"].to_list(), "esco")
        keep = rep_s >= model.min_score
        table.add_row(
            name,
            f"{cut:.3f}",
            f"{model.min_score:.3f}",
            f"{keep.mean():.3f}",
            f"{rep_c[keep].mean():.3f}",
            f"{rep_c[~keep].mean():.3f}",
        )
    console.print(table)


def run_onet(frames: dict[str, pl.DataFrame | None]) -> list[Row]:
    """O*NET side: 10% of the Alternate Titles held out, everything fit on the rest."""
    train, heldout = onet_heldout(frames)
    occupations, alternate = train["onet_occupations"], train["onet_alternate_titles"]
    assert occupations is not None and alternate is not None
    codes = occupations.get_column("onet_soc_code").to_list()
    column = {c: i for i, c in enumerate(codes)}
    labels = [
        *occupations.get_column("title").to_list(),
        *alternate.get_column("alternate_title").to_list(),
    ]
    label_cols = [column[c] for c in [*codes, *alternate.get_column("onet_soc_code").to_list()]]
    rows = []
    for name, cls in (("exact match", ExactMatch), ("char tf-idf 1-3", CharTfidf)):
        baseline = cls().fit(labels, label_cols, len(codes))
        report, _, per_second = evaluate_jobbert(baseline.scores, codes, heldout)
        rows.append(Row(name, report, per_second=per_second))
    variants: list[tuple[str, dict[str, object]]] = [("TitleNormalizer", {})]
    if frames.get("xwalk_esco_onet") is not None:
        variants.append(("  + ESCO labels via crosswalk", {"use_esco_crosswalk": True}))
    for name, params in variants:
        model, seconds = fit_model(train, **params)
        report, _, per_second = evaluate_jobbert(
            lambda t, m=model: m.score_matrix(t, "onet"), model.codes("onet"), heldout
        )
        rows.append(Row(name, report, per_second=per_second, fit_seconds=seconds))
    console.print(f"O*NET held-out alternate titles: {heldout.height:,}")
    return rows


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(rows: list[Row]) -> None:
    table = Table(
        title="Title normalization (dev data; JobBERT report half = seed "
        f"{SPLIT_SEED} 50% split, full = all 15,463 rows)"
    )
    for column in (
        "method",
        "JobBERT MRR report",
        "Acc@1 report",
        "MRR full",
        "Acc@1 full",
        "MELO MAP",
        "MELO concept MAP",
        "titles/s",
        "fit s",
    ):
        table.add_column(column, justify="left" if column == "method" else "right")
    for row in rows:
        table.add_row(
            row.method,
            _fmt(row.report and row.report[0]),
            _fmt(row.report and row.report[1]),
            _fmt(row.full and row.full[0]),
            _fmt(row.full and row.full[1]),
            _fmt(row.melo and row.melo[0]),
            _fmt(row.melo and row.melo[1]),
            _fmt(row.per_second, 0),
            _fmt(row.fit_seconds, 1),
        )
    console.print(table)
    console.print(
        "MELO published (full query set, test): e5 0.4735, char TF-IDF 0.2380, "
        "BM25 0.1360. Ours: the released half (317 queries), dev."
    )


def print_onet(rows: list[Row]) -> None:
    table = Table(
        title="O*NET-SOC ranking: 10% of Alternate Titles held out (seed "
        f"{SPLIT_SEED}; text unseen in training), fit on the rest"
    )
    for column in ("method", "MRR", "Acc@1", "titles/s", "fit s"):
        table.add_column(column, justify="left" if column == "method" else "right")
    for row in rows:
        table.add_row(
            row.method,
            _fmt(row.report and row.report[0]),
            _fmt(row.report and row.report[1]),
            _fmt(row.per_second, 0),
            _fmt(row.fit_seconds, 1),
        )
    console.print(table)


def print_noisy(model: TitleNormalizer) -> None:
    table = Table(title="Noisy titles, top 3 O*NET-SOC")
    for column in ("title", "cleaned", "top 3"):
        table.add_column(column)
    for title, candidates in zip(NOISY, model.predict(NOISY, "onet", top_k=3), strict=True):
        table.add_row(
            title,
            clean_title(title),
            "\n".join(f"{c.code} {c.title} ({c.score:.3f})" for c in candidates),
        )
    console.print(table)


def print_throughput(model: TitleNormalizer) -> None:
    titles = jobbert_split().get_column("title").to_list()[:2000]
    for taxonomy in ("onet", "esco"):
        start = time.perf_counter()
        model.predict(titles, taxonomy, top_k=10)
        batch = len(titles) / (time.perf_counter() - start)
        start = time.perf_counter()
        for title in titles[:200]:
            model.predict([title], taxonomy, top_k=10)
        single = 200 / (time.perf_counter() - start)
        console.print(
            f"predict {taxonomy}: {batch:,.0f} titles/s batched, "
            f"{single:,.0f} titles/s one per call"
        )


if __name__ == "__main__":
    run()
