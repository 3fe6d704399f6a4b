"""Benchmark readers and the linker's training driver (Decorte et al. HOUSE/TECH, SkillSkape).

Labels in these files are ESCO preferred-label text, mapped to URIs through the taxonomy.
The fitted estimator itself (:class:`~matching.nlp.extraction.linker.SkillLinker`) lives in
the domain so serving can load it without this module.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matching.nlp.extraction.linker import Example, SkillLinker
from matching.nlp.taxonomy import SkillTaxonomy, _punct_key, normalize_label

NO_GOLD = frozenset({"LABEL NOT PRESENT", "UNDERSPECIFIED", "UNK"})


# ---------------------------------------------------------------------------- evaluation


def ranking_metrics(
    ranked: Sequence[Sequence[str]], gold: Sequence[Iterable[str]], ks: Sequence[int] = (5, 10)
) -> dict[str, float]:
    """RP@K (Decorte et al.: gold in top K / min(K, #gold)) and MRR of the first gold hit,
    averaged over texts with at least one gold id."""
    sums = {f"RP@{k}": 0.0 for k in ks}
    mrr = 0.0
    n = 0
    for ranks, g in zip(ranked, gold, strict=True):
        g = set(g)
        if not g:
            continue
        n += 1
        for k in ks:
            sums[f"RP@{k}"] += len(g.intersection(ranks[:k])) / min(k, len(g))
        mrr += next((1.0 / (i + 1) for i, s in enumerate(ranks) if s in g), 0.0)
    out = {key: value / n if n else 0.0 for key, value in sums.items()}
    out["MRR"] = mrr / n if n else 0.0
    out["n"] = float(n)
    return out


# ---------------------------------------------------------------------------- training data


@dataclass
class LabelledData:
    """Examples read from a benchmark file, and the gold label texts that matched no URI."""

    sentences: list[Example]
    spans: list[Example]
    unmatched: dict[str, int]
    n_labels: int

    @property
    def match_rate(self) -> float:
        missed = sum(self.unmatched.values())
        return 1.0 - missed / self.n_labels if self.n_labels else 1.0


def read_decorte(path: Path | str, taxonomy: SkillTaxonomy) -> LabelledData:
    """Decorte et al. ``*_validation_annotations.csv`` (sentence, span, sub_span, label).

    'LABEL NOT PRESENT' / 'UNDERSPECIFIED' rows are skill spans without gold; several rows
    for one span are several gold labels; repeated identical rows (TECH has them) count
    once. Sentence examples carry the union of their spans' gold; sentences come in file
    order.
    """
    sentences: dict[str, list[str]] = {}
    spans: dict[tuple[str, str], list[str]] = {}
    unmatched: dict[str, int] = {}
    n_labels = 0
    seen: set[tuple[str, str, str]] = set()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            sentence, span, label = row["sentence"], row["span"], row["label"].strip()
            sentences.setdefault(sentence, [])
            spans.setdefault((sentence, span), [])
            if label in NO_GOLD or (sentence, span, label) in seen:
                continue
            seen.add((sentence, span, label))
            n_labels += 1
            uri = taxonomy.uri_for_label(label)
            if uri is None:
                unmatched[label] = unmatched.get(label, 0) + 1
                continue
            for bucket in (sentences[sentence], spans[(sentence, span)]):
                if uri not in bucket:
                    bucket.append(uri)
    return LabelledData(
        [Example(s, None, tuple(g)) for s, g in sentences.items()],
        [Example(s, sp_, tuple(g)) for (s, sp_), g in spans.items()],
        unmatched,
        n_labels,
    )


def read_skillskape(path: Path | str, taxonomy: SkillTaxonomy) -> LabelledData:
    """SkillSkape ``train.csv``/``dev.csv`` (``,sentence,skills``; skills a Python list
    literal of ESCO preferred labels, 'UNK' = none). Synthetic (LLM-written) sentences."""
    out: list[Example] = []
    unmatched: dict[str, int] = {}
    n_labels = 0
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                labels = ast.literal_eval(row["skills"])
            except (ValueError, SyntaxError):
                labels = []
            gold: list[str] = []
            for label in labels:
                if not isinstance(label, str) or label.strip() in NO_GOLD:
                    continue
                n_labels += 1
                uri = taxonomy.uri_for_label(label)
                if uri is None:
                    unmatched[label] = unmatched.get(label, 0) + 1
                elif uri not in gold:
                    gold.append(uri)
            out.append(Example(row["sentence"], None, tuple(gold)))
    return LabelledData(out, [], unmatched, n_labels)


def read_priors(path: Path | str) -> dict[str, float]:
    """``esco_priors.json`` (Decorte et al.'s repository): ESCO label -> prior probability."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k).strip(): float(v) for k, v in data.items()}


def split_sentences(
    sentences: Sequence[str],
    dev_fraction: float = 0.5,
    seed: int = 13,
    *,
    by_hash: bool = False,
) -> tuple[set[str], set[str]]:
    """Deterministic split of distinct sentences into (train, dev) sets.

    Sentences equal up to case and punctuation (TECH repeats some, e.g. 'javascript
    reactjs java') go to the same side, so no dev sentence has a copy in train.
    ``by_hash``: each sentence's side is fixed by a hash of its key alone, so adding a
    sentence never moves another (the hand-written demo examples grow one at a time; a
    shuffled order moved about half of them on each addition); about ``dev_fraction`` go
    to dev. Without it (the benchmark splits) exactly ``round(n * dev_fraction)`` do.
    """
    groups: dict[str, list[str]] = {}
    for sentence in sorted(set(sentences)):
        groups.setdefault(re.sub(r"\W+", " ", sentence.lower()).strip(), []).append(sentence)
    keys = sorted(groups)
    if by_hash:
        dev_keys = {k for k in keys if _unit_hash(f"{seed}:{k}") < dev_fraction}
    else:
        random.Random(seed).shuffle(keys)
        dev_keys = set(keys[: int(round(len(keys) * dev_fraction))])
    dev = {s for k in keys if k in dev_keys for s in groups[k]}
    train = {s for k in keys if k not in dev_keys for s in groups[k]}
    return train, dev


def _unit_hash(text: str) -> float:
    """A number in [0, 1) fixed by ``text`` (SHA-256: the same on every machine and run)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2.0**64


# ---------------------------------------------------------------------------- with context


@dataclass
class ContextData:
    """Course examples with a document context, split by course into train and dev."""

    train: list[Example]
    dev: list[Example]
    n_courses: int
    n_tags: int
    n_mapped: int


def course_contexts(
    titles: Sequence[str], subjects: Sequence[str], title_model: Any
) -> list[tuple[str, ...]]:
    """The O*NET-SOC context of a course: the title normalizer's best occupation for its
    title and for its subject ('Business / Entrepreneurship' -> 'Entrepreneurship').

    This is how a course's context is found at run time too when it has no programme (the
    title normalizer over what the course says it is); no label is looked at.
    """
    leaves = [(s or "").split("/")[-1].strip() for s in subjects]
    by_title = title_model.predict(list(titles), top_k=1)
    by_subject = title_model.predict(leaves, top_k=1)
    out = []
    for a, b in zip(by_title, by_subject, strict=True):
        codes = tuple(dict.fromkeys(c.code for c in [*a, *b]))
        out.append(codes)
    return out


def read_coursera(
    courses: Any,
    taxonomy: SkillTaxonomy,
    title_model: Any,
    *,
    dev_fraction: float = 0.3,
    seed: int = 13,
    max_chars: int = 1500,
) -> ContextData:
    """Coursera courses (bundle ``courses`` table, source ``coursera``, English, tagged) as
    linker examples WITH a context: text = title + description (first ``max_chars``), gold
    = the "skills you will gain" tags equal to an ESCO preferred, alternative or hidden
    label (case, spaces and punctuation ignored; other tags are dropped), context =
    :func:`course_contexts`. Split by course id with ``seed`` (``dev_fraction`` to dev), so
    no dev course is seen in training. Courses without a mapped tag are left out.
    """
    import polars as pl

    rows = courses.filter(
        (pl.col("source") == "coursera")
        & (pl.col("language") == "English")
        & (pl.col("tagged_skills").list.len() > 0)
    ).sort("course_id")
    labels = taxonomy.labels.filter(pl.col("taxonomy") == "ESCO")
    by_label: dict[str, str] = {}
    for sid, label in labels.select("skill_id", "label").iter_rows():
        by_label.setdefault(normalize_label(label), sid)
        by_label.setdefault(_punct_key(label), sid)
    records = rows.select("course_id", "title", "description", "program", "tagged_skills").rows()
    kept: list[tuple[str, str, str, str, tuple[str, ...]]] = []
    n_tags = n_mapped = 0
    for cid, title, desc, program, tags in records:
        gold: list[str] = []
        for tag in tags:
            n_tags += 1
            uri = (
                taxonomy.uri_for_label(tag)
                or by_label.get(normalize_label(tag))
                or by_label.get(_punct_key(tag))
            )
            if uri is not None and uri not in gold:
                n_mapped += 1
                gold.append(uri)
        if gold:
            text = f"{(title or '').strip()}. {(desc or '').strip()[:max_chars]}"
            kept.append((cid, title or "", program or "", text, tuple(gold)))
    contexts = course_contexts([k[1] for k in kept], [k[2] for k in kept], title_model)
    _, dev_ids = split_sentences([k[0] for k in kept], dev_fraction, seed)
    train: list[Example] = []
    dev: list[Example] = []
    for (cid, _, _, text, codes), ctx in zip(kept, contexts, strict=True):
        (dev if cid in dev_ids else train).append(Example(text, None, codes, ctx))
    return ContextData(train, dev, len(kept), n_tags, n_mapped)


def context_metrics(linker: SkillLinker, examples: Sequence[Example]) -> dict[str, float]:
    """RP@5/RP@10/MRR on ``examples`` ranked with their contexts and without them."""
    texts = [e.text for e in examples]
    gold = [e.gold for e in examples]
    out: dict[str, float] = {}
    for name, contexts in (("ctx", [e.context for e in examples]), ("noctx", None)):
        ranked = linker.rank(texts, 10, contexts=contexts)
        result = ranking_metrics([[s for s, _ in r] for r in ranked], gold)
        out.update({f"{name}_{k}": v for k, v in result.items()})
    return out


def read_linker_examples(
    path: Path | str, taxonomy: SkillTaxonomy, *, spans: bool = False
) -> list[Example]:
    """A JSONL of hand-labelled sentences: ``{text, context: [O*NET-SOC], skills: [ESCO
    URI]}`` (``labels`` is for the reader). An id the taxonomy lacks is a ValueError naming
    the line: a silently dropped label would make a 'no skill' example of a skill sentence.

    A line may also carry ``spans: [{text, skills}]``, words of the sentence and the skills
    they name: the pipeline links a detected span on its own words, which whole sentences
    never teach (a span "hand truck" shares one word with "manoeuvre heavy trucks").
    ``spans=True`` returns those span examples (``Example.span`` set, the sentence's
    context) instead of the sentences.
    """
    out: list[Example] = []
    known = set(taxonomy.esco_ids)
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        context = tuple(row.get("context", []))
        parts = [(None, row)] + [(s["text"], s) for s in row.get("spans", [])]
        for span, part in parts:
            missing = [s for s in part.get("skills", []) if s not in known]
            if missing:
                raise ValueError(f"{path} line {n}: skills not in the taxonomy: {missing}")
            if span is not None and span not in row["text"]:
                raise ValueError(f"{path} line {n}: span {span!r} is not in the sentence")
            if (span is not None) == spans:
                out.append(Example(row["text"], span, tuple(part.get("skills", [])), context))
    return out


def train_demo_linker(
    taxonomy: SkillTaxonomy,
    examples_path: Path | str,
    out_dir: Path | str | None = None,
    *,
    params: dict[str, Any] | None = None,
    dev_fraction: float = 0.3,
    seed: int = 13,
    acceptor: bool = True,
    by_hash: bool = True,
) -> tuple[SkillLinker, dict[str, float]]:
    """The demo linker: a learned reranker (with context features) trained on the
    hand-written demo sentences of ``examples_path`` (``demo/data/nlp/linker_examples.jsonl``:
    written for the demo bundle's programmes, postings and intake notes, each with the
    O*NET-SOC context of its document, including no-skill sentences and wrong-field
    temptations), split by sentence; the metrics are on the dev part, ranked with and
    without the contexts (``demo_dev_ctx_RP@5``, ``demo_dev_noctx_RP@5``, ...). The split
    is by hash (``split_sentences(by_hash=True)``: a new example moves no other one;
    ``by_hash=False`` is the shuffled split the linker speed reference was made with).

    Each training sentence is seen twice, with its context and without any (a sentence
    whose document has no known occupation must still link), so the model learns both
    regimes. The score sigmoid is fitted on the dev part: it is monotone, so the ranking
    figures stay held-out ones, and a sigmoid fitted on the training candidates of so small
    a set would call every link certain. The demo linker also has an acceptor
    (``SkillLinker.fit_acceptor``), fitted on out-of-fold scores of the training sentences
    (3 folds, the no-skill ones included; ``acceptor=False`` leaves it out), which then
    gives the scores; the dev part stays unseen by both, for the metrics and the floors.
    On the demo dev part (floors re-chosen each time) it moved kept-link precision 0.787 ->
    0.761, recall 0.522 -> 0.554, false links per 100 no-skill sentences 8.0 -> 8.0, ctx
    RP@5 0.788 -> 0.779; in the demo's answers the wrong-field pairs of
    tests/test_demo_clean.py went from 3 to 1.
    """
    examples = read_linker_examples(examples_path, taxonomy)
    train, dev = split_sentences(
        [e.sentence for e in examples], dev_fraction, seed, by_hash=by_hash
    )
    spans = read_linker_examples(examples_path, taxonomy, spans=True)
    train_ex = [e for e in [*examples, *spans] if e.sentence in train]
    dev_ex = [e for e in examples if e.sentence in dev and e.gold]
    both = [*train_ex, *(e._replace(context=()) for e in train_ex if e.context)]
    small = {"min_child_samples": 5, "n_estimators": 150, "real_repeat": 1, "acceptor": acceptor}
    linker = SkillLinker(**{**(params or {}), **small}).fit(
        taxonomy,
        both,
        calibration_examples=[*dev_ex, *(e._replace(context=()) for e in dev_ex)],
    )
    if linker.acceptor:
        _cross_fit_acceptor(linker, taxonomy, both, [*examples, *spans], sorted(train))
    metrics = {f"demo_dev_{k}": v for k, v in context_metrics(linker, dev_ex).items()}
    linker.fit_info_.update(
        {
            "trained_on": f"{Path(examples_path).name}: {len(train_ex)} hand-written demo "
            f"sentences and spans with contexts (dev {len(dev_ex)} sentences with gold; seed "
            f"{seed}, dev "
            f"fraction {dev_fraction})",
            "dev_metrics": metrics,
        }
    )
    if out_dir is not None:
        linker.save(out_dir)
    return linker, metrics


def _cross_fit_acceptor(
    linker: SkillLinker,
    taxonomy: SkillTaxonomy,
    fitted_on: list[Any],
    examples: list[Any],
    train_sentences: list[str],
    folds: int = 3,
) -> None:
    """Fit ``linker``'s acceptor on out-of-fold ranker scores of its training sentences:
    each fold's sentences (no-skill ones included, with and without context) are ranked by
    a ranker fitted on the other folds, so the acceptor learns how a ranker scores texts it
    has not seen, and the dev part stays for the floors."""
    xs, raws, ys = [], [], []
    for fold in range(folds):
        held = {s for i, s in enumerate(train_sentences) if i % folds == fold}
        part = SkillLinker(**{**linker.get_params(), "acceptor": False}).fit(
            taxonomy, [e for e in fitted_on if e.sentence not in held], index=linker.index_
        )
        out = [e for e in examples if e.sentence in held]
        out += [e._replace(context=()) for e in out if e.context]
        for block in part.example_blocks(out, keep_empty=True):
            if block is not None:
                xs.append(block.features)
                raws.append(part.raw_scores(block.features))
                ys.append(block.labels)
    linker.fit_acceptor(np.vstack(xs), np.concatenate(raws), np.concatenate(ys))


DECORTE_DIR = "decorte_esco_skill_extraction"


def train_linker(
    taxonomy: SkillTaxonomy,
    benchmarks_dir: Path | str,
    out_dir: Path | str | None = None,
    *,
    params: dict[str, Any] | None = None,
    dev_fraction: float = 0.5,
    seed: int = 13,
    use_priors: bool = True,
    max_synthetic: int | None = None,
    context_data: ContextData | None = None,
) -> tuple[SkillLinker, dict[str, float]]:
    """Train the production linker the way ``experiments/bench_linking.py`` reports it.

    Training: SkillSkape train (synthetic; the first ``max_synthetic`` sentences when set,
    for quick demo runs) plus the train halves of the Decorte HOUSE and TECH validation
    sets (sentences and spans), split by sentence with ``seed``; calibration on SkillSkape
    dev. Returns the fitted linker (saved to ``out_dir`` when given) and its metrics on the
    HOUSE and TECH dev halves (``house_dev_RP@5``, ...) plus fit information.

    ``context_data`` (:func:`read_coursera`) adds course examples that carry a context: its
    train part trains (as real examples), and its dev part is reported with and without the
    contexts (``course_dev_ctx_RP@5``, ``course_dev_noctx_RP@5``, ...). Each course trains
    twice, with its context and without (a document may come with none). The benchmark
    sentences have no document context, so they train with the context features missing.
    """
    bench = Path(benchmarks_dir)
    decorte = bench / DECORTE_DIR
    priors = read_priors(decorte / "esco_priors.json") if use_priors else None
    skape = read_skillskape(bench / "skillskape" / "train.csv", taxonomy).sentences
    skape = [e for e in skape if e.gold][:max_synthetic]
    calibration = [
        e for e in read_skillskape(bench / "skillskape" / "dev.csv", taxonomy).sentences if e.gold
    ]
    if max_synthetic is not None:
        calibration = calibration[: max(50, max_synthetic // 5)]
    real: list[Example] = []
    dev_sets: dict[str, list[Example]] = {}
    for name in ("house", "tech"):
        data = read_decorte(decorte / f"{name}_validation_annotations.csv", taxonomy)
        train, dev = split_sentences([e.sentence for e in data.sentences], dev_fraction, seed)
        real += [e for e in data.sentences + data.spans if e.sentence in train and e.gold]
        dev_sets[name] = [e for e in data.sentences if e.sentence in dev and e.gold]
    if context_data is not None:
        # each course twice, with and without its context: a context-trained model ranked
        # without one fell from MRR 0.618 to 0.474 on the course dev part (bench_linking)
        real += context_data.train
        real += [e._replace(context=()) for e in context_data.train if e.context]
    linker = SkillLinker(**(params or {})).fit(
        taxonomy,
        skape + real,
        priors=priors,
        calibration_examples=calibration,
        synthetic=[True] * len(skape) + [False] * len(real),
    )
    metrics: dict[str, float] = {}
    for name, examples in dev_sets.items():
        ranked = linker.rank([e.sentence for e in examples], 10)
        result = ranking_metrics([[s for s, _ in r] for r in ranked], [e.gold for e in examples])
        metrics.update({f"{name}_dev_{k}": v for k, v in result.items()})
    if context_data is not None and context_data.dev:
        course = context_metrics(linker, context_data.dev)
        metrics.update({f"course_dev_{k}": v for k, v in course.items()})
    metrics["fit_seconds"] = float(linker.fit_info_["fit_seconds"])
    linker.fit_info_.update(
        {
            "trained_on": f"SkillSkape train ({len(skape)} sentences) + HOUSE/TECH validation "
            f"train halves ({len(real)} examples; seed {seed}, dev fraction "
            f"{dev_fraction})"
            + (
                f" + Coursera courses with title/subject contexts ({len(context_data.train)} "
                f"train, {len(context_data.dev)} dev, split by course)"
                if context_data is not None
                else ""
            ),
            "priors": "esco_priors.json (Decorte et al.)" if use_priors else "none",
            "dev_metrics": metrics,
        }
    )
    if out_dir is not None:
        linker.save(out_dir)
    return linker, metrics
