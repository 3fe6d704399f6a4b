"""Write ``tests/fixtures/linker_speed_reference.json``: the demo linker's rankings of ~100
varied texts, the reference ``tests/test_linker_speed_equivalence.py`` holds the linker to.

Why: issue 14 item 7 rewrote the hot path of ``generate_candidates`` for speed; the
rewrite must not change what the linker returns. The fixture was produced with the linker
code as it was before that rewrite (commit 608eb51-era ``matching/nlp/extraction/linker.py``),
so the test compares the new code against the old outputs.

What: the demo linker (``training.nlp.linker_data.train_demo_linker`` on the demo bundle and
``tests/fixtures/linker_speed_examples.jsonl``, the demo examples as they were then, with the
shuffled split and no acceptor, as tests/test_linker_speed_equivalence.py trains it;
LightGBM is deterministic there: one thread, ``deterministic=True``) ranks
:func:`reference_jobs` (sentences, spans cut from them, edge cases; with their own context,
an unknown context or none; some with forced ids). Per text it stores the top 10 (id, score)
and the sorted set of all candidate skill ids scored above 0 (``top_k=None``).

Regenerate only when the linker's behaviour is meant to change (features, FORMAT, the
fixture's examples), never to make a speed change pass:
``.venv/bin/python experiments/make_linker_speed_fixture.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction.linker import SkillLinker, tokenize  # noqa: E402
from matching.nlp.taxonomy import SkillTaxonomy  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "linker_speed_reference.json"
EXAMPLES = REPO / "tests" / "fixtures" / "linker_speed_examples.jsonl"
EDGE_TEXTS = (
    "",
    "the and of",
    "R",
    "IT",
    "C++ and C#",
    "Python, SQL, AWS, Azure",
    "node.js / ASP.NET developer",
    "forklift",
    "Forklift operation; pallet jack; OSHA-10 certification preferred.",
    "We strive to build trusted long-term partnerships with our customers.",
    "Monitor patient's vital signs and report changes to the charge nurse.",
    "organising organizing organised",
)
UNKNOWN_CONTEXT = ("99-9999.99",)
PREFIX = "http://data.europa.eu/esco/skill/"


def short(skill_id: str) -> str:
    """ESCO URIs without their common prefix (a smaller fixture)."""
    return skill_id.removeprefix(PREFIX)


def reference_jobs(examples: list[Any]) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(text, context, forced ids) jobs: deterministic, no randomness."""
    jobs: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    sentences = list(dict.fromkeys(e.sentence for e in examples))
    by_sentence = {e.sentence: e for e in examples}
    for i, sentence in enumerate(sentences[::4][:56]):
        ex = by_sentence[sentence]
        context = (tuple(ex.context), (), UNKNOWN_CONTEXT)[i % 3]
        forced = tuple(ex.gold[:1]) if i % 5 == 0 else ()
        jobs.append((sentence, context, forced))
        words = tokenize(sentence)
        if i % 2 == 0 and len(words) >= 4:  # a span cut from it, as the detector proposes
            lo = i % max(1, len(words) - 3)
            jobs.append((" ".join(words[lo : lo + 2 + i % 3]), tuple(ex.context), ()))
    for i, text in enumerate(EDGE_TEXTS):
        jobs.append((text, (("31-9097.00",), (), ("53-3032.00", "31-1131.00"))[i % 3], ()))
    return jobs


def rank_jobs(linker: SkillLinker, jobs: list[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> Any:
    texts = [j[0] for j in jobs]
    contexts = [list(j[1]) for j in jobs]
    forced = [list(j[2]) for j in jobs]
    top = linker.rank(texts, 10, forced=forced, contexts=contexts)
    every = linker.rank(texts, None, forced=forced, contexts=contexts)
    return top, [sorted(s for s, _ in r) for r in every]


def demo_linker(folder: Path) -> tuple[SkillLinker, list[Any]]:
    from matching.ingest.bundle import Bundle
    from matching.ingest.importer import import_bundle
    from training.nlp.linker_data import read_linker_examples, train_demo_linker

    import_bundle(REPO / "demo" / "data", folder / "bundle")
    taxonomy = SkillTaxonomy.from_bundle(Bundle(folder / "bundle"))
    linker = train_demo_linker(taxonomy, EXAMPLES, acceptor=False, by_hash=False)[0]
    return linker, read_linker_examples(EXAMPLES, taxonomy)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        linker, examples = demo_linker(Path(tmp))
        jobs = reference_jobs(examples)
        top, every = rank_jobs(linker, jobs)
    records = [
        {
            "text": t,
            "context": list(c),
            "forced": list(f),
            "top10": [[short(s), score] for s, score in r],
            "candidates": [short(s) for s in e],
        }
        for (t, c, f), r, e in zip(jobs, top, every, strict=True)
    ]
    lines = ",\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    FIXTURE.write_text(f'{{"n_texts": {len(records)}, "records": [\n{lines}\n]}}\n')
    print(f"{len(records)} texts -> {FIXTURE} ({FIXTURE.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
