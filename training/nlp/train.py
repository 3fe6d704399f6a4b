"""``pathmatch train nlp``: the title normalizer, skill linker and span detector, together.

The three models are independent, so each trains as its own Ray task (local Ray sized to the
machine, or ``RAY_ADDRESS``). The driver then logs each as a nested MLflow run under one
parent (params, dev metrics, the bundle hash, a model card) and registers it with the alias
``champion``, which the CLI and the API load.

Labels come from the public benchmarks' train/dev parts (``benchmarks/`` beside the data):
SkillSpan train for the detector, Decorte HOUSE/TECH validation (split by sentence: a train
part and a dev part) plus SkillSkape train for the linker, and O*NET/ESCO titles for the
title model. Every metric logged is a dev figure on data the model did not train on. Without
benchmark data (the demo) small versions train on the demo bundle alone: the linker is
lexical and the detector learns the taxonomy matcher's spans (distant supervision), and the
model cards say so.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matching.ingest.bundle import Bundle

Progress = Callable[[str, int, int], None]
DECORTE = "decorte_esco_skill_extraction"


def load_config(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


# --------------------------------------------------------------------------- the three tasks


def fit_titles(
    bundle_dir: str, out: str, params: dict[str, Any], benchmarks: str | None
) -> dict[str, Any]:
    """Fit the title normalizer; dev metrics on the JobBERT titles when available."""
    from matching.nlp.titles import fit_from_bundle

    model = fit_from_bundle(Bundle(Path(bundle_dir)), **params)
    model.save(out)
    metrics: dict[str, float] = {}
    jobbert = (
        Path(benchmarks) / "jobbert_title_normalization" / "titles.csv" if benchmarks else None
    )
    if jobbert and jobbert.is_file():
        metrics = _title_metrics(model, jobbert)
    return {
        "path": out,
        "metrics": metrics,
        "params": model.get_params(),
        "data": "O*NET alternate and reported titles, ESCO occupation labels",
    }


def _title_metrics(model: Any, path: Path) -> dict[str, float]:
    import polars as pl

    rows = pl.read_csv(path).select("vacancyTitle", "conceptUri").drop_nulls()
    titles, gold = rows["vacancyTitle"].to_list(), rows["conceptUri"].to_list()
    ranked = model.predict(titles, taxonomy="esco", top_k=100)
    reciprocal = [
        next((1.0 / (i + 1) for i, c in enumerate(cands) if c.code == g), 0.0)
        for cands, g in zip(ranked, gold, strict=True)
    ]
    top1 = [bool(cands) and cands[0].code == g for cands, g in zip(ranked, gold, strict=True)]
    return {
        "jobbert_mrr": sum(reciprocal) / len(reciprocal),
        "jobbert_acc1": sum(top1) / len(top1),
        "jobbert_n": float(len(titles)),
    }


DEMO_LINKER_EXAMPLES = (
    Path(__file__).resolve().parents[2] / "demo" / "data" / "nlp" / "linker_examples.jsonl"
)


def fit_linker(
    bundle_dir: str,
    out: str,
    params: dict[str, Any],
    benchmarks: str | None,
    dev_fraction: float,
    seed: int,
) -> dict[str, Any]:
    """Fit the linker on SkillSkape train + the Decorte train halves (+ Coursera courses
    with their title/subject contexts when the bundle has them); score the dev parts.

    Without benchmarks (the demo) it learns from the hand-written demo sentences
    (``demo/data/nlp/linker_examples.jsonl``); lexical only when that file is absent.
    """
    from matching.nlp.extraction.linker import SkillLinker
    from matching.nlp.taxonomy import SkillTaxonomy
    from training.nlp.linker_data import train_demo_linker, train_linker

    bundle = Bundle(Path(bundle_dir))
    taxonomy = SkillTaxonomy.from_bundle(bundle)
    decorte = Path(benchmarks) / DECORTE if benchmarks else None
    if decorte is None or not decorte.is_dir():
        if DEMO_LINKER_EXAMPLES.is_file():
            linker, metrics = train_demo_linker(
                taxonomy, DEMO_LINKER_EXAMPLES, out, params=params, seed=seed
            )
            return {
                "path": out,
                "metrics": _clean_metrics(metrics),
                "params": linker.get_params(),
                "data": "demo: hand-written demo sentences with contexts "
                f"({DEMO_LINKER_EXAMPLES.name}), split by sentence; metrics on the dev part "
                "ranked with and without contexts",
            }
        linker = SkillLinker(**{**params, "objective": "lexical"}).fit(taxonomy, [])
        linker.save(out)
        return {
            "path": out,
            "metrics": {},
            "params": linker.get_params(),
            "data": "no labelled data: lexical candidate scoring only",
        }
    context = _course_context(bundle, taxonomy, seed)
    linker, metrics = train_linker(
        taxonomy,
        decorte.parent,
        out,
        params=params,
        dev_fraction=dev_fraction,
        seed=seed,
        context_data=context,
    )
    courses = (
        f" + Coursera courses with title/subject contexts ({len(context.train)} train / "
        f"{len(context.dev)} dev, split by course)"
        if context is not None
        else ""
    )
    return {
        "path": out,
        "metrics": _clean_metrics(metrics),
        "params": linker.get_params(),
        "data": f"SkillSkape train + Decorte HOUSE/TECH validation split by sentence "
        f"(dev fraction {dev_fraction}, seed {seed}){courses}; metrics on the dev parts",
    }


def _clean_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        k.replace("@", "_at_"): float(v) for k, v in metrics.items() if isinstance(v, int | float)
    }


def _course_context(bundle: Bundle, taxonomy: Any, seed: int) -> Any:
    """Coursera course examples with contexts from a title normalizer fitted here on the
    same bundle (the registered one trains in parallel); None without Coursera courses."""
    import polars as pl

    from matching.nlp.titles import fit_from_bundle
    from training.nlp.linker_data import read_coursera

    if not bundle.has("courses"):
        return None
    courses = bundle.table("courses")
    if courses.filter(pl.col("source") == "coursera").is_empty():
        return None
    return read_coursera(courses, taxonomy, fit_from_bundle(bundle), seed=seed)


def fit_detector(
    bundle_dir: str, out: str, params: dict[str, Any], benchmarks: str | None, small_epochs: int
) -> dict[str, Any]:
    """Train the span detector on SkillSpan; without it, on the matcher's demo spans."""
    from training.nlp.span_detector import train_span_detector

    skillspan = Path(benchmarks) / "skillspan" if benchmarks else None
    if skillspan is not None and (skillspan / "conll").is_dir():
        metrics = train_span_detector(skillspan, Path(out), max_epochs=params["max_epochs"])
        data = "SkillSpan train (house + tech); metrics on SkillSpan dev"
    else:
        sentences = silver_sentences(Bundle(Path(bundle_dir)))
        cut = max(1, len(sentences) // 5)
        metrics = train_span_detector(
            Path(out),
            Path(out),
            max_epochs=small_epochs,
            train_sentences=sentences[cut:],
            dev_sentences=sentences[:cut],
        )
        data = (
            "demo: distant supervision from the taxonomy matcher's spans on the demo "
            "postings and courses; metrics against those silver spans"
        )
    return {
        "path": out,
        "metrics": {k: float(v) for k, v in metrics.items()},
        "params": params,
        "data": data,
    }


def silver_sentences(bundle: Bundle) -> list[Any]:
    """Sentences of the bundle's postings and courses tagged by the taxonomy matcher."""
    from matching.nlp.extraction.pipeline import build_pipeline
    from training.nlp.span_detector import SkillSpanSentence

    nlp = build_pipeline(bundle_dir=bundle.path, kind="posting")
    texts = bundle.table("postings")["description"].to_list()
    if bundle.has("courses"):
        texts += bundle.table("courses")["description"].to_list()
    out: list[SkillSpanSentence] = []
    for doc in nlp.pipe(texts, batch_size=32):
        spans = list(doc.spans.get("skill_candidates", []))
        for sent in doc.sents:
            tokens = tuple(t.text for t in sent if not t.is_space)
            if not tokens:
                continue
            tags = ["O"] * len(sent)
            for span in spans:
                if span.start >= sent.start and span.end <= sent.end:
                    tags[span.start - sent.start] = "B"
                    for i in range(span.start - sent.start + 1, span.end - sent.start):
                        tags[i] = "I"
            kept = tuple(tag for tag, tok in zip(tags, sent, strict=True) if not tok.is_space)
            out.append(SkillSpanSentence(tokens, kept, ("O",) * len(kept), "silver"))
    return out


# --------------------------------------------------------------------------- orchestration


def train_nlp(
    bundle: Bundle, config_path: Path, *, benchmarks: Path | None, progress: Progress | None = None
) -> dict[str, Any]:
    """Train the three models in parallel Ray tasks, log and register each; return results."""
    import ray

    from training import registry
    from training.ray_runtime import ray_session

    config = load_config(config_path)
    settings = registry.configure()
    bench = str(benchmarks) if benchmarks and Path(benchmarks).is_dir() else None
    runs_dir = settings.home / "runs" / "nlp"
    runs_dir.mkdir(parents=True, exist_ok=True)
    titles_params = {k: v for k, v in config["titles"].items() if k != "model_name"}
    linker_params = {
        k: v for k, v in config["linker"].items() if k not in ("model_name", "dev_fraction", "seed")
    }
    jobs: dict[str, tuple[Callable[..., dict[str, Any]], tuple[Any, ...]]] = {
        "titles": (fit_titles, (titles_params, bench)),
        "linker": (
            fit_linker,
            (linker_params, bench, config["linker"]["dev_fraction"], config["linker"]["seed"]),
        ),
        "detector": (
            fit_detector,
            (
                {"max_epochs": config["detector"]["max_epochs"]},
                bench,
                config["small"]["detector_epochs"],
            ),
        ),
    }
    results: dict[str, Any] = {}
    with ray_session():
        pending = {}
        for name, (function, args) in jobs.items():
            out = runs_dir / f"{name}-{bundle.hash}"
            task = ray.remote(num_cpus=1)(function)
            pending[task.remote(str(bundle.path), str(out), *args)] = name
        while pending:
            if progress:
                progress(f"training {', '.join(sorted(pending.values()))}", len(results), len(jobs))
            done, _ = ray.wait(list(pending))
            name = pending.pop(done[0])
            results[name] = ray.get(done[0])
    if progress:
        progress("choosing the linker's kept-link floors", len(jobs), len(jobs))
    choose_linker_floors(results, bundle, bench, config["linker"])
    if progress:
        progress("registering", len(jobs), len(jobs))
    return _log_and_register(results, config, bundle, bench is not None)


DEMO_DEV_FRACTION = 0.3
"""``train_demo_linker``'s dev share of the demo sentences (the floors' dev data too)."""


def choose_linker_floors(
    results: dict[str, Any], bundle: Bundle, benchmarks: str | None, config: dict[str, Any]
) -> dict[str, Any] | None:
    """Choose the trained linker's kept-link floors on its own dev data, through the
    pipeline it will serve in (the detector trained beside it, the bundle's matcher), and
    save them with it (``SkillLinker.floors_``; ``fit_info['abstention']`` with the dev
    figures). Real models: SkillSpan dev no-skill sentences + the Decorte dev halves; the
    demo: the held-out part of the hand-written demo sentences. None for a lexical linker
    (``config.cfg``'s lexical floors apply)."""
    from matching.nlp.extraction.linker import SkillLinker
    from matching.nlp.extraction.pipeline import build_pipeline
    from matching.nlp.taxonomy import SkillTaxonomy
    from training.nlp import abstention

    linker_dir = Path(results["linker"]["path"])
    if SkillLinker.load(linker_dir).model_ is None:
        return None
    taxonomy = SkillTaxonomy.from_bundle(bundle)
    if benchmarks is not None:
        dev = abstention.real_dev_set(
            Path(benchmarks), taxonomy, config["dev_fraction"], config["seed"]
        )
    else:
        dev = abstention.demo_dev_set(
            DEMO_LINKER_EXAMPLES, taxonomy, DEMO_DEV_FRACTION, config["seed"]
        )
    detector = results.get("detector", {}).get("path")
    nlp = build_pipeline(
        taxonomy, detector_dir=detector, linker_dir=linker_dir, bundle_dir=bundle.path
    )
    choice = abstention.choose_floors(nlp, dev)
    record = choice.record()
    linker = SkillLinker.load(linker_dir)
    linker.floors_ = choice.point.floors()
    linker.fit_info_["abstention"] = record
    linker.save(linker_dir)
    results["linker"]["abstention"] = record
    results["linker"]["metrics"].update(
        {f"abstention_{k}": float(v) for k, v in record["dev"].items()}
    )
    return record


def _log_and_register(
    results: dict[str, Any], config: dict[str, Any], bundle: Bundle, benchmarked: bool
) -> dict[str, Any]:
    import mlflow

    from training import registry

    registry.experiment(config["experiment"])
    registered: dict[str, Any] = {}
    with mlflow.start_run(run_name="nlp"):
        mlflow.set_tags({"bundle_hash": bundle.hash, "benchmarks": str(benchmarked)})
        for name, result in results.items():
            model_name = config[name]["model_name"]
            with mlflow.start_run(run_name=name, nested=True):
                mlflow.set_tags({"bundle_hash": bundle.hash, "model": model_name})
                mlflow.log_params({k: str(v) for k, v in result["params"].items()})
                mlflow.log_param("bundle_hash", bundle.hash)
                mlflow.log_metrics(result["metrics"])
                card = model_card(model_name, result, bundle)
                ref = registry.log_model_directory(
                    model_name, Path(result["path"]), card=card, metrics=result["metrics"]
                )
            registered[name] = {
                "model": model_name,
                "version": ref.version,
                "metrics": result["metrics"],
                "data": result["data"],
            }
    return registered


def model_card(model_name: str, result: dict[str, Any], bundle: Bundle) -> str:
    metrics = (
        "\n".join(f"- {k}: {v:.4f}" for k, v in sorted(result["metrics"].items()))
        or "- none (no labelled data available)"
    )
    abstention = abstention_card(result) if "linker" in model_name else ""
    return (
        f"# {model_name}\n\n"
        f"**Data**: {result['data']}. Bundle {bundle.hash}.\n\n"
        f"**Dev metrics** (on data the model did not train on):\n{metrics}\n\n"
        f"{abstention}"
        "**Limits**: CPU-only models built from spaCy's blank English pipeline and "
        "scikit-learn/LightGBM; no pretrained language model. Figures are dev figures "
        "from the public benchmarks' released parts; the test parts are held out.\n"
    )


def abstention_card(result: dict[str, Any]) -> str:
    """The linker card's abstention section: the kept-link floors chosen on this linker's
    dev data and saved with it (:func:`choose_linker_floors`), with the dev figures; for a
    linker without chosen floors, the ``config.cfg`` floors the pipeline falls back to."""
    from matching.nlp.extraction.pipeline import REFUSE, pipeline_config

    def show(value: float) -> str:
        return "refused" if value >= REFUSE else f">= {value:.2f}"

    chosen = result.get("abstention")
    if chosen is not None:
        floors = chosen["floors"]
        head = (
            "**Abstention** (kept links; floors chosen on this model's dev data after "
            "fitting and saved with it, so every door keeps the same set):"
        )
    else:
        policy = "learned" if result["metrics"] else "lexical"
        floors = pipeline_config()["components"]["linker"]["floors"][policy]
        head = (
            f"**Abstention** (kept links; no floors chosen for this model: the `{policy}` "
            "floors of the extraction pipeline's config.cfg):"
        )
    lines = [
        head,
        f"- a span's link: score {show(floors['span'])}",
        f"- a whole-sentence link no span names, in a sentence with a candidate span: "
        f"{show(floors['sentence'])}",
        f"- the same in a sentence where no candidate span was found: "
        f"{show(floors['bare_sentence'])}",
    ]
    if chosen is not None:
        lines.append(f"- chosen for: {chosen['target']} ({chosen['why']}), on {chosen['data']}")
        lines += [f"- dev {k}: {v}" for k, v in sorted(chosen["dev"].items())]
    else:
        lines.append("- no dev data chose these: documented defaults (see config.cfg)")
    return "\n".join(lines) + "\n\n"
