"""Benchmark readers and the linker's training driver (Decorte et al. HOUSE/TECH, SkillSkape).

Labels in these files are ESCO preferred-label text, mapped to URIs through the taxonomy.
The fitted estimator itself (:class:`~matching.nlp.extraction.linker.SkillLinker`) lives in
the domain so serving can load it without this module.
"""

from __future__ import annotations

import ast
import csv
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.nlp.extraction.linker import Example, SkillLinker
from matching.nlp.taxonomy import SkillTaxonomy

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
    sentences: Sequence[str], dev_fraction: float = 0.5, seed: int = 13
) -> tuple[set[str], set[str]]:
    """Deterministic split of distinct sentences into (train, dev) sets.

    Sentences equal up to case and punctuation (TECH repeats some, e.g. 'javascript
    reactjs java') go to the same side, so no dev sentence has a copy in train.
    """
    groups: dict[str, list[str]] = {}
    for sentence in sorted(set(sentences)):
        groups.setdefault(re.sub(r"\W+", " ", sentence.lower()).strip(), []).append(sentence)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    n_dev = int(round(len(keys) * dev_fraction))
    dev = {s for k in keys[:n_dev] for s in groups[k]}
    train = {s for k in keys[n_dev:] for s in groups[k]}
    return train, dev


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
) -> tuple[SkillLinker, dict[str, float]]:
    """Train the production linker the way ``experiments/bench_linking.py`` reports it.

    Training: SkillSkape train (synthetic; the first ``max_synthetic`` sentences when set,
    for quick demo runs) plus the train halves of the Decorte HOUSE and TECH validation
    sets (sentences and spans), split by sentence with ``seed``; calibration on SkillSkape
    dev. Returns the fitted linker (saved to ``out_dir`` when given) and its metrics on the
    HOUSE and TECH dev halves (``house_dev_RP@5``, ...) plus fit information.
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
    metrics["fit_seconds"] = float(linker.fit_info_["fit_seconds"])
    linker.fit_info_.update(
        {
            "trained_on": f"SkillSkape train ({len(skape)} sentences) + HOUSE/TECH validation "
            f"train halves ({len(real)} examples; seed {seed}, dev fraction "
            f"{dev_fraction})",
            "priors": "esco_priors.json (Decorte et al.)" if use_priors else "none",
            "dev_metrics": metrics,
        }
    )
    if out_dir is not None:
        linker.save(out_dir)
    return linker, metrics
