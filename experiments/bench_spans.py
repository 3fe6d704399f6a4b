"""Benchmark: skill span detection on the SkillSpan DEV part (house, tech, all), and speed.

Rows: (a) the trained detector (directory from ``PATHMATCH_DETECTOR_DIR``, default
``/tmp/pm_detector``; a small one is trained there first if absent) and (b) a lexical
baseline: exact, lower-case match of ESCO skill labels (preferred + alternative) on the
spaCy-tokenized sentence, longest non-overlapping matches kept.

Metric (``training.nlp.span_detector.span_scores``), labels collapsed: gold = the distinct
(start, end) token spans of the Skill and Knowledge layers. strict = exact boundaries; loose
= any token overlap (P: predicted spans touching a gold span, R: gold spans touched by a
prediction). Predictions are mapped back to the official SkillSpan tokens by character
offsets. Data: benchmarks/skillspan/conll/skillspan_{house,tech}_dev.conll (the detector
may have used dev for checkpoint selection: these are dev figures, not test figures).

Speed: one process, CPU; sentences/s and words/s (official tokens) on dev, and docs/s and
words/s (whitespace words) for the detector and for the bare tokenizer on the real postings
(``postings/*.csv``, column ``description``). Run: ``.venv/bin/python experiments/bench_spans.py``.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import spacy  # noqa: E402
from spacy.language import Language  # noqa: E402
from spacy.matcher import PhraseMatcher  # noqa: E402
from spacy.util import filter_spans  # noqa: E402

from training.nlp.span_detector import (  # noqa: E402
    LAYERS,
    SkillSpanSentence,
    load_detector_info,
    predict_spans,
    read_skillspan,
    score_by_source,
    span_scores,
    train_span_detector,
)

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
SKILLSPAN = SHARED / "benchmarks" / "skillspan"
DETECTOR_DIR = Path(os.environ.get("PATHMATCH_DETECTOR_DIR", "/tmp/pm_detector"))
BUNDLE_DIR = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
GROUPS = ("all", "house", "tech")


def esco_labels() -> tuple[list[str], str]:
    """ESCO preferred + alternative skill labels, lower case, and where they came from."""
    from matching.ingest.bundle import Bundle

    if (BUNDLE_DIR / "manifest.json").is_file() and Bundle(BUNDLE_DIR).has("esco_skills"):
        table, origin = Bundle(BUNDLE_DIR).table("esco_skills"), f"bundle {BUNDLE_DIR}"
    else:
        from matching.ingest.loaders.esco import load_skills

        path = SHARED / "esco" / "skills_en.csv"
        table, origin = load_skills([path]).table, str(path)
    labels = set(table["preferred_label"].drop_nulls().to_list())
    labels.update(x for alts in table["alt_labels"].drop_nulls().to_list() for x in alts)
    return sorted({x.strip().lower() for x in labels if x and x.strip()}), origin


def lexical_pipeline(labels: Sequence[str]) -> Language:
    """Exact lower-case phrase match of the labels; longest non-overlapping matches as ents."""
    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("SKILL", list(nlp.tokenizer.pipe(labels)))

    @Language.component("pm_bench_esco_exact")
    def esco_exact(doc):
        doc.ents = filter_spans(matcher(doc, as_spans=True))
        return doc

    nlp.add_pipe("pm_bench_esco_exact")
    return nlp


def posting_texts() -> tuple[list[str], str]:
    """Descriptions of the real postings: the bundle's ``postings`` table, else the raw
    LinkedIn CSVs (one of them is not valid UTF-8: bad bytes replaced)."""
    from matching.ingest.bundle import Bundle

    if (BUNDLE_DIR / "manifest.json").is_file() and Bundle(BUNDLE_DIR).has("postings"):
        table = Bundle(BUNDLE_DIR).table("postings")
        return table["description"].drop_nulls().to_list(), f"bundle {BUNDLE_DIR} postings"
    csv.field_size_limit(1 << 30)
    texts: list[str] = []
    for path in sorted((SHARED / "postings").glob("*.csv")):
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            texts.extend(r["description"] for r in csv.DictReader(handle) if r.get("description"))
    return texts, f"{SHARED / 'postings'}/*.csv description"


def pipe_speed(nlp: Language, texts: Sequence[str]) -> tuple[float, float, float]:
    """(docs/s wall, whitespace words/s wall, docs per CPU second) for nlp.pipe on one
    process after a short warm-up. CPU time is what one dedicated core would give; the wall
    figures drop when the machine is shared."""
    list(nlp.pipe(texts[:10]))
    started, cpu = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    words = sum(len(t.split()) for t in texts)
    return len(texts) / seconds, words / seconds, len(texts) / cpu_seconds


def score_row(
    name: str, nlp: Language, dev: Sequence[SkillSpanSentence], tokenization: str
) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    pred = predict_spans(nlp, dev, tokenization=tokenization)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    scores = score_by_source(dev, pred)
    for group in GROUPS:
        s = scores[group]
        print(
            f"{name:<22} {group:<6} {int(s['n_gold']):>5} {int(s['n_pred']):>5}  "
            f"{s['strict_p']:.3f} {s['strict_r']:.3f} {s['strict_f1']:.3f}   "
            f"{s['loose_p']:.3f} {s['loose_r']:.3f} {s['loose_f1']:.3f}"
        )
    for layer in LAYERS:  # recall per gold layer (precision has no layer: labels collapsed)
        gold = [[g for g in s.gold_spans() if g[2] == layer] for s in dev]
        r = span_scores(gold, pred)
        print(
            f"{name:<22} {layer:<9} recall: strict {r['strict_r']:.3f}, "
            f"loose {r['loose_r']:.3f} ({int(r['n_gold'])} gold spans)"
        )
    words = sum(len(s.tokens) for s in dev)
    print(
        f"{name:<22} speed on dev: {len(dev) / seconds:,.0f} sentences/s, "
        f"{words / seconds:,.0f} words/s wall; {len(dev) / cpu_seconds:,.0f} sentences "
        f"and {words / cpu_seconds:,.0f} words per CPU second"
    )


def main() -> None:
    if not SKILLSPAN.is_dir():
        print(f"skipped: {SKILLSPAN} not found")
        return
    if not (DETECTOR_DIR / "config.cfg").is_file():
        print(f"no detector at {DETECTOR_DIR}: training a small one (3 epochs) ...")
        train_span_detector(SKILLSPAN, DETECTOR_DIR, max_epochs=3)
    info = load_detector_info(DETECTOR_DIR)
    detector = spacy.load(DETECTOR_DIR)
    labels, origin = esco_labels()
    lexical = lexical_pipeline(labels)
    dev = read_skillspan(SKILLSPAN, "dev")

    print(f"SkillSpan DEV span detection ({len(dev)} sentences; house + tech conll dev files)")
    print(
        f"detector: {DETECTOR_DIR} (scheme {info['scheme']}, tokenization "
        f"{info['tokenization']}); baseline: {len(labels):,} ESCO labels from {origin}"
    )
    print(
        "metric: span P/R/F1 over the official SkillSpan tokens, labels collapsed: gold = "
        "distinct (start, end) spans of the Skill and Knowledge layers (2,163 on dev)"
    )
    print("  strict = predicted span has exactly the boundaries of a gold span")
    print(
        "  loose  = P: predicted spans overlapping >= 1 token of a gold span; "
        "R: gold spans overlapped by a prediction"
    )
    print("  dev figures (the detector's checkpoint was picked on dev entity F1), not test\n")
    print(
        f"{'system':<22} {'dev':<6} {'gold':>5} {'pred':>5}  "
        f"{'strict P/R/F1':<17}   {'loose P/R/F1'}"
    )
    score_row("trained detector", detector, dev, info["tokenization"])
    score_row("ESCO exact (lexical)", lexical, dev, "spacy")

    texts, origin_texts = posting_texts()
    if not texts:
        return
    print(
        f"\nspeed on {len(texts)} real postings ({origin_texts}), nlp.pipe, one process; "
        f"mean {sum(len(t.split()) for t in texts) / len(texts):.0f} words/posting"
    )
    print(f"{'':<22} {'docs/s':>8} {'words/s':>10} {'docs/CPU-s':>11}  docs/CPU-s vs tokenizer")
    tokenizer = pipe_speed(spacy.blank("en"), texts)
    for name, nlp in (
        ("tokenizer only", None),
        ("trained detector", detector),
        ("ESCO exact (lexical)", lexical),
    ):
        docs, words, cpu_docs = tokenizer if nlp is None else pipe_speed(nlp, texts)
        print(
            f"{name:<22} {docs:>8,.1f} {words:>10,.0f} {cpu_docs:>11,.1f}  "
            f"{cpu_docs / tokenizer[2]:.1%}"
        )


if __name__ == "__main__":
    main()
