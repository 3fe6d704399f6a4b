"""Trained skill span detector: SkillSpan BIO data to a spaCy ``ner`` pipeline, and its scoring.

SkillSpan (Zhang et al., NAACL 2022) tags job-posting sentences with two independent BIO
layers, ``Skill`` and ``Knowledge``, which occasionally overlap. A transition-based ``ner``
cannot predict overlapping spans, so the layers are projected onto one entity layer
(``scheme``): ``"collapsed"`` gives every span the label ``SKILL``; ``"layers"`` keeps
``SKILL`` and ``KNOWLEDGE``. Where two gold spans overlap the longer one is kept (ties:
Skill). The full, overlapping gold is still used for scoring.

Tokenization: the corpus is pre-tokenized (roughly on whitespace: ``posted:`` is one token),
while the product runs spaCy's English tokenizer on raw text. With ``tokenization="spacy"``
(the default) each sentence is rebuilt as its tokens joined by single spaces, re-tokenized
by the English tokenizer, and the gold spans are carried over by character offsets, so the
model is trained on what it sees at inference. Predictions are mapped back to the original
token indices by character offsets (a predicted span covers every original token it
touches), so scores are always on the official tokens.

Scores (:func:`span_scores`), labels collapsed unless said otherwise; gold is the set of
distinct ``(start, end)`` token spans of both layers in a sentence:

* strict: a predicted span is correct iff it has exactly the boundaries of a gold span;
* loose: precision = share of predicted spans overlapping (>= 1 token) some gold span,
  recall = share of gold spans overlapped by some predicted span;
* labelled strict (scheme ``"layers"`` only): boundaries and label (Skill/Knowledge) match.

Token cleaning (quirks of the house files, not in SOURCE.md): C1 control characters that are
cp1252 punctuation read as latin-1 (U+0092 for a right quote, U+0095 for a bullet), U+001A
substitution characters, soft hyphens and zero-width characters, and tokens with leading
spaces. :func:`clean_token` repairs them; the token count never changes.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

DEFAULT_CONFIG = Path(__file__).with_name("span_detector.cfg")
LAYERS = ("Skill", "Knowledge")
SOURCES = ("house", "tech")
SCHEMES = ("collapsed", "layers")
TOKENIZATIONS = ("spacy", "given")
COLLAPSED_LABEL = "SKILL"
METRICS_FILE = "metrics.json"
DETECTOR_META = "pathmatch_detector.json"

Span3 = tuple[int, int, str]
"""A token span: start (inclusive), end (exclusive), label."""

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u001a]")
_C1 = re.compile("[\u0080-\u009f]")


@dataclass(frozen=True)
class SkillSpanSentence:
    """One annotated sentence: tokens, one BIO tag per token and layer, and its origin."""

    tokens: tuple[str, ...]
    skill_tags: tuple[str, ...]
    knowledge_tags: tuple[str, ...]
    source: str
    line: int = 0

    def gold_spans(self) -> list[Span3]:
        """Spans of both layers, labelled ``Skill`` / ``Knowledge``; they may overlap."""
        return bio_to_spans(self.skill_tags, "Skill") + bio_to_spans(
            self.knowledge_tags, "Knowledge"
        )

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def clean_token(token: str) -> str:
    """Repair a corpus token without changing the token count (see the module docstring)."""
    token = _C1.sub(lambda m: bytes([ord(m.group())]).decode("cp1252", "replace"), token)
    token = _ZERO_WIDTH.sub("", token).strip()
    return token or "_"


def bio_to_spans(tags: Sequence[str], default_label: str | None = None) -> list[Span3]:
    """Turn BIO tags into ``(start, end, label)`` spans.

    Lenient like conlleval: an ``I-`` after ``O`` or after a span of another label opens a
    new span; bare ``B``/``I`` (the JSON files) take ``default_label``. A label in the tag
    wins over ``default_label``.
    """
    spans: list[Span3] = []
    start: int | None = None
    label = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, tag_label = tag.partition("-")
        prefix = prefix.upper()
        tag_label = tag_label or default_label or "SPAN"
        continues = prefix == "I" and start is not None and tag_label == label
        if start is not None and not continues:
            spans.append((start, i, label))
            start = None
        if prefix in ("B", "I") and not continues:
            start, label = i, tag_label
    return spans


def read_conll(path: Path, source: str) -> list[SkillSpanSentence]:
    """Read ``token<TAB>skill_tag[<TAB>knowledge_tag]`` sentences separated by blank lines.

    Two-column files (Sayfullina) fill the Skill layer only. A line with another number of
    fields raises ``ValueError`` naming the file and line.
    """
    sentences: list[SkillSpanSentence] = []
    rows: list[list[str]] = []
    first = 0

    def flush() -> None:
        if rows:
            tokens = tuple(clean_token(r[0]) for r in rows)
            skill = tuple(r[1] for r in rows)
            knowledge = tuple(r[2] if len(r) > 2 else "O" for r in rows)
            sentences.append(SkillSpanSentence(tokens, skill, knowledge, source, first))
            rows.clear()

    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                flush()
                continue
            fields = line.split("\t")
            if len(fields) not in (2, 3):
                raise ValueError(f"{path}:{number}: expected 2 or 3 tab-separated fields")
            if not rows:
                first = number
            rows.append(fields)
    flush()
    return sentences


def read_skillspan(
    skillspan_dir: Path, split: str, sources: Sequence[str] = SOURCES
) -> list[SkillSpanSentence]:
    """The SkillSpan ``split`` ("train" or "dev") of the given sources, from the CoNLL files."""
    out: list[SkillSpanSentence] = []
    for source in sources:
        out.extend(
            read_conll(Path(skillspan_dir) / "conll" / f"skillspan_{source}_{split}.conll", source)
        )
    return out


def resolve_overlaps(spans: Iterable[Span3]) -> list[Span3]:
    """Non-overlapping subset for ``ner``: longest first, ties to Skill, then leftmost."""
    ranked = sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[2] != "Skill", s[0]))
    taken: list[Span3] = []
    for span in ranked:
        if all(span[1] <= t[0] or span[0] >= t[1] for t in taken):
            taken.append(span)
    return sorted(taken)


def entity_label(layer: str, scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    return COLLAPSED_LABEL if scheme == "collapsed" else layer.upper()


def _token_offsets(tokens: Sequence[str]) -> list[tuple[int, int]]:
    offsets, pos = [], 0
    for token in tokens:
        offsets.append((pos, pos + len(token)))
        pos += len(token) + 1
    return offsets


def make_doc(nlp: Language, sentence: SkillSpanSentence, tokenization: str = "spacy") -> Doc:
    """The unannotated Doc the model sees for a sentence (see the module docstring)."""
    if tokenization == "spacy":
        return nlp.make_doc(sentence.text)
    if tokenization == "given":
        spaces = [True] * (len(sentence.tokens) - 1) + [False]
        return Doc(nlp.vocab, words=list(sentence.tokens), spaces=spaces)
    raise ValueError(f"unknown tokenization {tokenization!r}; expected one of {TOKENIZATIONS}")


def _trim_punct(span: Span) -> Span:
    """Drop edge punctuation glued to a word of the span ("Python," -> "Python").

    Only punctuation split off an official token by the English tokenizer is dropped (no
    whitespace between it and the rest), so the span still maps back to the same official
    tokens and scoring is unchanged, while the model learns clean spans for production.
    """
    doc, start, end = span.doc, span.start, span.end
    while end - start > 1 and doc[end - 1].is_punct and not doc[end - 2].whitespace_:
        end -= 1
    while end - start > 1 and doc[start].is_punct and not doc[start].whitespace_:
        start += 1
    return Span(doc, start, end, label=span.label)


def sentence_to_doc(
    nlp: Language,
    sentence: SkillSpanSentence,
    *,
    scheme: str = "collapsed",
    tokenization: str = "spacy",
) -> Doc:
    """A Doc with the projected gold as ``doc.ents`` and all gold in ``doc.spans["skillspan"]``.

    Every token outside an entity is a known ``O``, so all-O sentences are negatives.
    """
    doc = make_doc(nlp, sentence, tokenization)
    offsets = _token_offsets(sentence.tokens)

    def char_span(span: Span3, label: str):
        start, end = offsets[span[0]][0], offsets[span[1] - 1][1]
        return doc.char_span(start, end, label=label, alignment_mode="expand")

    gold = sentence.gold_spans()
    ents = [char_span(s, entity_label(s[2], scheme)) for s in resolve_overlaps(gold)]
    doc.set_ents([_trim_punct(e) for e in ents if e is not None], default="outside")
    doc.spans["skillspan"] = [s for s in (char_span(g, g[2]) for g in gold) if s is not None]
    return doc


def skillspan_to_docbin(
    sentences: Sequence[SkillSpanSentence],
    output_path: Path,
    *,
    nlp: Language | None = None,
    scheme: str = "collapsed",
    tokenization: str = "spacy",
) -> int:
    """Write the sentences as a ``.spacy`` DocBin for ``spacy train``; returns the doc count."""
    nlp = nlp or spacy.blank("en")
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for sentence in sentences:
        docbin.add(sentence_to_doc(nlp, sentence, scheme=scheme, tokenization=tokenization))
    output_path = Path(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(output_path)
    return len(docbin)


def doc_spans(doc: Doc, spans_key: str | None = None) -> list[tuple[int, int, str]]:
    """Predicted character spans of a processed Doc: ``doc.spans[spans_key]`` or the ents."""
    spans = doc.spans[spans_key] if spans_key else doc.ents
    return [(s.start_char, s.end_char, s.label_) for s in spans]


def _to_token_span(tokens: Sequence[str], start_char: int, end_char: int) -> tuple[int, int]:
    hits = [i for i, (s, e) in enumerate(_token_offsets(tokens)) if s < end_char and e > start_char]
    return (hits[0], hits[-1] + 1) if hits else (0, 0)


def predict_spans(
    nlp: Language,
    sentences: Sequence[SkillSpanSentence],
    *,
    tokenization: str = "spacy",
    spans_key: str | None = None,
    batch_size: int = 256,
) -> list[list[Span3]]:
    """Run the pipeline and return its spans on the official token indices of each sentence."""
    docs = nlp.pipe((make_doc(nlp, s, tokenization) for s in sentences), batch_size=batch_size)
    out: list[list[Span3]] = []
    for sentence, doc in zip(sentences, docs, strict=True):
        spans = []
        for start_char, end_char, label in doc_spans(doc, spans_key):
            start, end = _to_token_span(sentence.tokens, start_char, end_char)
            if end > start:
                spans.append((start, end, label))
        out.append(sorted(set(spans)))
    return out


def _prf(correct_p: int, n_pred: int, correct_r: int, n_gold: int) -> dict[str, float]:
    p = correct_p / n_pred if n_pred else 0.0
    r = correct_r / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def span_scores(
    gold: Sequence[Sequence[Span3]], pred: Sequence[Sequence[Span3]], *, labelled: bool = False
) -> dict[str, float]:
    """Strict and loose span P/R/F1 over sentences (definitions in the module docstring).

    Keys: ``strict_p/r/f1``, ``loose_p/r/f1``, ``n_gold``, ``n_pred``. With ``labelled`` the
    strict match also needs the same (case-insensitive) label.
    """
    n_gold = n_pred = strict = loose_p = loose_r = 0
    for gold_spans, pred_spans in zip(gold, pred, strict=True):

        def key(s: Span3) -> tuple:
            return (s[0], s[1], s[2].lower()) if labelled else (s[0], s[1])

        g = {key(s) for s in gold_spans}
        p = {key(s) for s in pred_spans}
        n_gold, n_pred = n_gold + len(g), n_pred + len(p)
        strict += len(g & p)
        loose_p += sum(any(a[0] < b[1] and b[0] < a[1] for b in g) for a in p)
        loose_r += sum(any(a[0] < b[1] and b[0] < a[1] for b in p) for a in g)
    scores = {f"strict_{k}": v for k, v in _prf(strict, n_pred, strict, n_gold).items()}
    scores |= {f"loose_{k}": v for k, v in _prf(loose_p, n_pred, loose_r, n_gold).items()}
    return scores | {"n_gold": float(n_gold), "n_pred": float(n_pred)}


def score_by_source(
    sentences: Sequence[SkillSpanSentence],
    pred: Sequence[Sequence[Span3]],
    *,
    labelled: bool = False,
) -> dict[str, dict[str, float]]:
    """:func:`span_scores` on all sentences and on each source ("house", "tech") apart."""
    groups = {"all": list(range(len(sentences)))}
    for i, sentence in enumerate(sentences):
        groups.setdefault(sentence.source, []).append(i)
    return {
        name: span_scores(
            [sentences[i].gold_spans() for i in idx], [pred[i] for i in idx], labelled=labelled
        )
        for name, idx in groups.items()
    }


def evaluate_detector(
    nlp: Language,
    sentences: Sequence[SkillSpanSentence],
    *,
    tokenization: str = "spacy",
    spans_key: str | None = None,
    labelled: bool = False,
) -> dict[str, float]:
    """Flat metrics ``<group>_<strict|loose>_<p|r|f1>``, plus ``<group>_labelled_strict_f1``
    when ``labelled`` (the model predicts SKILL / KNOWLEDGE, scheme ``"layers"``)."""
    started = time.perf_counter()
    pred = predict_spans(nlp, sentences, tokenization=tokenization, spans_key=spans_key)
    seconds = time.perf_counter() - started
    metrics: dict[str, float] = {}
    for group, scores in score_by_source(sentences, pred).items():
        metrics |= {f"{group}_{k}": v for k, v in scores.items()}
    if labelled:
        for group, scores in score_by_source(sentences, pred, labelled=True).items():
            metrics[f"{group}_labelled_strict_f1"] = scores["strict_f1"]
    n_words = sum(len(s.tokens) for s in sentences)
    metrics["sentences_per_second"] = len(sentences) / seconds
    metrics["words_per_second"] = n_words / seconds
    return metrics


def _size_overrides(width: int | None, depth: int | None) -> dict[str, int]:
    """Config overrides for the tok2vec width (embed, encoder and listener agree) and depth."""
    out: dict[str, int] = {}
    if width is not None:
        out |= {
            "components.tok2vec.model.embed.width": width,
            "components.tok2vec.model.encode.width": width,
            "components.ner.model.tok2vec.width": width,
        }
    if depth is not None:
        out["components.tok2vec.model.encode.depth"] = depth
    return out


def paragraphs(text: str, max_words: int = 200) -> list[str]:
    """Split a posting into line-based chunks of at most ``max_words`` words for pretraining
    (spaCy's pretraining corpus skips documents longer than its ``max_length``)."""
    chunks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if current and len(current) + len(words) > max_words:
            chunks.append(" ".join(current))
            current = []
        current.extend(words)
        while len(current) > max_words:
            chunks.append(" ".join(current[:max_words]))
            current = current[max_words:]
    if current:
        chunks.append(" ".join(current))
    return chunks


def pretrain_tok2vec(
    texts: Iterable[str],
    output_dir: Path,
    *,
    max_epochs: int = 1,
    seed: int = 0,
    width: int | None = None,
    depth: int | None = None,
    config_path: Path = DEFAULT_CONFIG,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """``spacy pretrain`` (characters objective) of the detector's tok2vec on raw text.

    Returns the weights file to pass as ``init_tok2vec`` to :func:`train_span_detector`
    (same ``width``/``depth``, else the weights do not fit). Texts are split with
    :func:`paragraphs`; give unlabeled job text only (never the dev or test sentences).
    Cost: about 5 minutes per epoch on one shared CPU core for 1.2 M words at width 64.
    """
    from spacy.training.pretrain import pretrain
    from spacy.util import load_config

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    raw = output_dir / "raw_text.jsonl"
    with open(raw, "w", encoding="utf-8") as handle:
        for text in texts:
            for chunk in paragraphs(text):
                handle.write(json.dumps({"text": chunk}) + "\n")
    all_overrides = {
        "paths.raw_text": str(raw),
        "pretraining.max_epochs": max_epochs,
        "system.seed": seed,
        "training.seed": seed,
    } | _size_overrides(width, depth)
    config = load_config(
        Path(config_path), overrides=all_overrides | dict(overrides or {}), interpolate=True
    )
    pretrain(config, output_dir, silent=True)
    raw.unlink()
    return output_dir / "model-last.bin"


def _config_overrides(
    train_path: Path,
    dev_path: Path,
    *,
    max_epochs: int,
    max_steps: int,
    seed: int,
    width: int | None,
    depth: int | None,
    init_tok2vec: Path | None,
) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "paths.train": str(train_path),
        "paths.dev": str(dev_path),
        "training.max_epochs": max_epochs,
        "training.max_steps": max_steps,
        "system.seed": seed,
        "training.seed": seed,
    }
    overrides |= _size_overrides(width, depth)
    if init_tok2vec is not None:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    return overrides


def _run_spacy_training(
    config_path: Path, output_path: Path, overrides: dict[str, Any], quiet: bool
) -> Path:
    """``spacy train`` through its Python API; returns the ``model-best`` directory."""
    from spacy.cli.train import train as spacy_train

    if quiet:
        with redirect_stdout(io.StringIO()):
            spacy_train(config_path, output_path, overrides=overrides)
    else:
        spacy_train(config_path, output_path, overrides=overrides)
    return output_path / "model-best"


def finalize_detector(trained_dir: Path, output_dir: Path) -> Language:
    """Make the trained pipeline self-contained: copy the shared tok2vec into the ``ner``
    (``replace_listeners``), drop the ``tok2vec`` pipe, and save to ``output_dir``."""
    nlp = spacy.load(trained_dir)
    if "tok2vec" in nlp.pipe_names:
        nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
        nlp.remove_pipe("tok2vec")
    output_dir = Path(output_dir)
    if output_dir.exists():
        shutil.rmtree(output_dir)
    nlp.to_disk(output_dir)
    return nlp


def train_span_detector(
    skillspan_dir: Path,
    output_dir: Path,
    *,
    max_epochs: int = 6,
    max_steps: int = 0,
    seed: int = 0,
    scheme: str = "collapsed",
    tokenization: str = "spacy",
    width: int | None = None,
    depth: int | None = None,
    init_tok2vec: Path | None = None,
    train_sentences: Sequence[SkillSpanSentence] | None = None,
    dev_sentences: Sequence[SkillSpanSentence] | None = None,
    extra_train: Sequence[SkillSpanSentence] = (),
    config_path: Path = DEFAULT_CONFIG,
    overrides: dict[str, Any] | None = None,
    quiet: bool = True,
) -> dict[str, float]:
    """Train the detector on SkillSpan train and score it on SkillSpan dev (house + tech).

    ``output_dir`` becomes the best checkpoint (by dev entity F1, which spaCy computes on
    the projected, non-overlapping dev entities), loadable with ``spacy.load``, plus
    ``metrics.json`` (our span scores, see :func:`evaluate_detector`) and
    ``pathmatch_detector.json`` (scheme, tokenization, data sizes, seed). Returns the metrics.
    ``train_sentences`` / ``dev_sentences`` replace the SkillSpan files (tests, ablations);
    ``extra_train`` is appended to the training data (e.g. Sayfullina).
    """
    started = time.perf_counter()
    train = list(
        train_sentences if train_sentences is not None else read_skillspan(skillspan_dir, "train")
    )
    dev = list(dev_sentences if dev_sentences is not None else read_skillspan(skillspan_dir, "dev"))
    train += list(extra_train)
    random.Random(seed).shuffle(train)
    output_dir = Path(output_dir)
    with tempfile.TemporaryDirectory(prefix="pm_detector_") as tmp:
        work = Path(tmp)
        skillspan_to_docbin(train, work / "train.spacy", scheme=scheme, tokenization=tokenization)
        skillspan_to_docbin(dev, work / "dev.spacy", scheme=scheme, tokenization=tokenization)
        all_overrides = _config_overrides(
            work / "train.spacy",
            work / "dev.spacy",
            max_epochs=max_epochs,
            max_steps=max_steps,
            seed=seed,
            width=width,
            depth=depth,
            init_tok2vec=init_tok2vec,
        ) | dict(overrides or {})
        best = _run_spacy_training(Path(config_path), work / "out", all_overrides, quiet)
        finalize_detector(best, output_dir)
    nlp = spacy.load(output_dir)
    metrics = evaluate_detector(nlp, dev, tokenization=tokenization, labelled=scheme == "layers")
    metrics["train_seconds"] = time.perf_counter() - started
    info = {
        "scheme": scheme,
        "tokenization": tokenization,
        "seed": seed,
        "max_epochs": max_epochs,
        "max_steps": max_steps,
        "n_train_sentences": len(train),
        "n_dev_sentences": len(dev),
        "overrides": {k: str(v) for k, v in all_overrides.items() if not k.startswith("paths.")},
        "spacy_version": spacy.__version__,
    }
    (output_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2, sort_keys=True))
    (output_dir / DETECTOR_META).write_text(json.dumps(info, indent=2, sort_keys=True))
    return metrics


def load_detector_info(model_dir: Path) -> dict[str, Any]:
    """The training settings a detector was saved with (defaults when the file is absent)."""
    path = Path(model_dir) / DETECTOR_META
    info = {"scheme": "collapsed", "tokenization": "spacy"}
    if path.is_file():
        info |= json.loads(path.read_text())
    return info


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m training.nlp.span_detector SKILLSPAN_DIR OUT_DIR [max_epochs (6)]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        raise SystemExit(main.__doc__)
    epochs = int(args[2]) if len(args) > 2 else 6
    metrics = train_span_detector(Path(args[0]), Path(args[1]), max_epochs=epochs, quiet=False)
    print(json.dumps(metrics, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
