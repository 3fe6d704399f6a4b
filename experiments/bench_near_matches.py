"""Near-match rule of the gap report on hand-labelled ESCO skill pairs: precision/recall.

Data: ``tests/fixtures/near_skill_pairs.csv`` (sought, taught, near 0/1; real ESCO v1.1.1
preferred labels, mostly encoder neighbours, so the negatives are hard) and the bundle's
ESCO skills and broader relations (``$PATHMATCH_BUNDLE``, default ``$PATHMATCH_HOME/bundle``).
Rules: the label word rule (ESCO hierarchy + one label's content words contain the other's,
the rule without an encoder) and ``CoverageIndex`` with the encoder's skill vectors at
several floors on the mean of the label and label + description cosines. Prints figures.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import polars as pl

from matching.curriculum.gaps import NEAR_MIN, CoverageIndex, near_vectors
from matching.ingest.bundle import Bundle
from matching.nlp.taxonomy import SkillTaxonomy
from matching.settings import get_settings

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "near_skill_pairs.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=None)
    args = parser.parse_args(argv)
    bundle = Bundle(args.bundle or get_settings().bundle_dir)
    taxonomy = SkillTaxonomy.from_bundle(bundle)
    esco = taxonomy.skills.filter(pl.col("taxonomy") == "ESCO")
    ids = dict(esco.select("preferred_label", "skill_id").iter_rows())
    with PAIRS.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["sought"] in ids and r["taught"] in ids]
    gold = [r["near"] == "1" for r in rows]
    broader = bundle.table("esco_skill_broader")
    words = CoverageIndex(taxonomy, broader)
    vectors = near_vectors(taxonomy)
    encoded = CoverageIndex(taxonomy, broader, vectors)
    print(f"data: {PAIRS.name}: {len(rows)} pairs, {sum(gold)} near; bundle {bundle.path}")

    def report(name: str, said: list[bool]) -> None:
        tp = sum(s and g for s, g in zip(said, gold, strict=True))
        p, r = tp / max(1, sum(said)), tp / max(1, sum(gold))
        print(f"{name:44s} P {p:.2f} R {r:.2f} (said near {sum(said)})")

    pairs = [(ids[r["sought"]], ids[r["taught"]]) for r in rows]
    report("label word rule + hierarchy", [words.covering(a, [b]) is not None for a, b in pairs])
    if vectors is None:
        print("no encoder (PATHMATCH_ENCODER=none): encoder rows skipped")
        return 0
    sims = [float(encoded.similarity(a, [b])[0]) for a, b in pairs]
    tree = [a == b or a in encoded.ancestors(b) for a, b in pairs]
    for floor in (0.55, 0.6, 0.62, 0.65, 0.7):
        mark = " (NEAR_MIN)" if floor == NEAR_MIN else ""
        said = [t or s >= floor for t, s in zip(tree, sims, strict=True)]
        report(f"hierarchy or mean cosine >= {floor}{mark}", said)
    return 0


if __name__ == "__main__":
    sys.exit(main())
