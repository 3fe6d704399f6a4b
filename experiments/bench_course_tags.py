"""Course skill extraction against Coursera's own skill tags: precision and recall.

Data: ``courses/coursera_courses_2019_skills.csv`` of the shared data (1,774 Coursera
courses scraped in 2019; Coursera's "Skills you will gain" tags are the gold labels), read
from the bundle's ``courses`` table (``$PATHMATCH_BUNDLE``, default
``$PATHMATCH_HOME/bundle``; ``make bench`` imports ../shared/data into .bench first), and the
bundle's ESCO v1.1.1 skills. Only English courses with at least one tag are used.

Tag -> ESCO mapping, in order (the route of every tag is counted and printed):

1. ``preferred``: the tag equals an ESCO preferred label (case, spaces, punctuation
   ignored; ``SkillTaxonomy.uri_for_label``);
2. ``alt_label``: it equals an alternative or hidden ESCO label (same normalization);
3. ``lexical``: the best of the linker's lexical candidates (``generate_candidates`` +
   ``lexical_score``, no training) whose score is at least ``--lexical-min`` (0.3) and
   whose preferred label holds every content word of the tag (``matching.curriculum.gaps.
   content_words``: "Cost Accounting" -> "perform cost accounting activities"; a one-word
   tag must be the label's only content word). The guard
   is needed: the untrained score alone maps "Cost Accounting" to "accounting" and
   "Process Improvement" to a ground-handling skill.

Tags mapping nowhere are dropped from the gold; courses left without a mapped tag are not
evaluated. Systems, all scored on the same courses against the mapped tags (exact ESCO URI):

* ``pipeline``: the course pipeline (fast matcher path, as the gap report uses) over
  title + description, the document's ranked ESCO skills (top 20, ``skills_frame``);
* ``title only``: the same pipeline over the title alone; ``description only`` likewise;
* ``kept links``: the links every door keeps (``linked_skills``, score floors) over title +
  description; ``gap report``: the gap report's course rule
  (``matching.curriculum.gaps.course_links``: the description, administrative sentences
  dropped, is the source; a title link counts only when the description also ranks it);
* ``most frequent``: the K most frequent mapped tags (K = the pipeline's median number of
  predictions per course, at least 1), counted on the other half of a seeded two-fold
  split so no course sees its own tags.

Micro P/R = summed true positives over summed predictions / gold; macro = mean per course
(precision over courses with at least one prediction). Prints figures only.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

from matching.curriculum.gaps import content_words
from matching.ingest.bundle import Bundle
from matching.nlp.taxonomy import SkillTaxonomy, _punct_key, normalize_label
from matching.settings import get_settings

SEED = 13


def coursera_courses(bundle: Bundle) -> pl.DataFrame:
    """English Coursera courses with at least one tag (title, description, tags)."""
    courses = bundle.table("courses").filter(
        (pl.col("source") == "coursera")
        & (pl.col("language") == "English")
        & (pl.col("tagged_skills").list.len() > 0)
    )
    return courses.select("course_id", "title", "description", "tagged_skills").sort("course_id")


def map_tags(
    tags: list[str], taxonomy: SkillTaxonomy, lexical_min: float
) -> dict[str, tuple[str | None, str]]:
    """tag -> (ESCO URI or None, route)."""
    labels = taxonomy.labels.filter(pl.col("taxonomy") == "ESCO")
    alt: dict[str, str] = {}
    for sid, label in labels.select("skill_id", "label").iter_rows():
        alt.setdefault(normalize_label(label), sid)
        alt.setdefault(_punct_key(label), sid)
    out: dict[str, tuple[str | None, str]] = {}
    rest = []
    for tag in tags:
        uri = taxonomy.uri_for_label(tag)
        if uri:
            out[tag] = (uri, "preferred")
            continue
        uri = alt.get(normalize_label(tag)) or alt.get(_punct_key(tag))
        if uri:
            out[tag] = (uri, "alt_label")
        else:
            rest.append(tag)
    out.update(_lexical(rest, taxonomy, lexical_min))
    return out


def _lexical(
    tags: list[str], taxonomy: SkillTaxonomy, lexical_min: float
) -> dict[str, tuple[str | None, str]]:
    import numpy as np

    from matching.nlp.extraction.linker import LinkIndex, generate_candidates, lexical_score

    if not tags:
        return {}
    index = LinkIndex.build(taxonomy)
    out: dict[str, tuple[str | None, str]] = {}
    for start in range(0, len(tags), 256):
        chunk = tags[start : start + 256]
        cands = generate_candidates(chunk, index, n_candidates=10, max_window=4)
        scores = lexical_score(cands.features) if len(cands.text) else np.zeros(0)
        ranked = sorted(
            zip(cands.text.tolist(), scores.tolist(), cands.skill.tolist(), strict=True),
            key=lambda r: (r[0], -r[1]),
        )
        for i, tag in enumerate(chunk):
            want = content_words(tag)
            hit = next(
                (
                    k
                    for t, score, k in ranked
                    if t == i
                    and score >= lexical_min
                    and _contains(want, taxonomy.preferred_label(index.skill_ids[k]))
                ),
                None,
            )
            out[tag] = (index.skill_ids[hit], "lexical") if hit is not None else (None, "unmapped")
    return out


def _contains(want: frozenset[str], label: str) -> bool:
    """The label holds every content word of the tag; a one-word tag needs the label to be
    that word alone ("Cooking" is not "cook fish", "Websites" is "manage website")."""
    have = content_words(label)
    return bool(want) and want <= have and (len(want) >= 2 or have == want)


def predict(nlp: object, ids: list[str], texts: list[str]) -> dict[str, set[str]]:
    from matching.nlp.extraction.io import skills_frame

    frame = skills_frame(nlp, ids, texts, id_column="course_id")
    out: dict[str, set[str]] = {i: set() for i in ids}
    for cid, sid in frame.select("course_id", "skill_id").iter_rows():
        out[cid].add(sid)
    return out


def predict_kept(
    nlp: object, taxonomy: SkillTaxonomy, ids: list[str], titles: list[str], texts: list[str]
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """The kept links (``linked_skills``) of title + description, and the gap report's
    course rule (``matching.curriculum.gaps.course_links``: description first, the title
    only confirming)."""
    from matching.curriculum.gaps import TOP_SKILLS_PER_DOC, course_links
    from matching.nlp.extraction.io import linked_skills, skill_info_from

    info = skill_info_from(taxonomy)
    joined = [f"{t}. {d}" for t, d in zip(titles, texts, strict=True)]
    kept = {
        cid: {k.id for k in linked_skills(doc, info, top_k=TOP_SKILLS_PER_DOC)}
        for cid, doc in zip(ids, nlp.pipe(joined), strict=True)  # type: ignore[attr-defined]
    }
    rule = {
        cid: {link.skill_id for link in links}
        for cid, links in zip(ids, course_links(nlp, taxonomy, titles, texts), strict=True)
    }
    free = course_links(nlp, taxonomy, titles, texts, title_needs_support=False)
    title_free = {
        cid: {link.skill_id for link in links} for cid, links in zip(ids, free, strict=True)
    }
    return kept, rule, title_free


def most_frequent(gold: dict[str, set[str]], k: int) -> dict[str, set[str]]:
    """Two-fold: each half gets the K most frequent tags of the other half."""
    ids = sorted(gold)
    random.Random(SEED).shuffle(ids)
    halves = [ids[: len(ids) // 2], ids[len(ids) // 2 :]]
    out = {}
    for i, half in enumerate(halves):
        counts = Counter(s for cid in halves[1 - i] for s in gold[cid])
        top = {s for s, _ in counts.most_common(k)}
        out.update({cid: set(top) for cid in half})
    return out


def scores(pred: dict[str, set[str]], gold: dict[str, set[str]]) -> dict[str, float]:
    tp = sum(len(pred[c] & gold[c]) for c in gold)
    n_pred = sum(len(pred[c]) for c in gold)
    n_gold = sum(len(gold[c]) for c in gold)
    with_pred = [c for c in gold if pred[c]]
    return {
        "micro_p": tp / n_pred if n_pred else 0.0,
        "micro_r": tp / n_gold if n_gold else 0.0,
        "macro_p": (sum(len(pred[c] & gold[c]) / len(pred[c]) for c in with_pred) / len(with_pred))
        if with_pred
        else 0.0,
        "macro_r": sum(len(pred[c] & gold[c]) / len(gold[c]) for c in gold) / len(gold),
        "per_course": n_pred / len(gold),
        "no_prediction": len(gold) - len(with_pred),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", type=Path, default=None)
    parser.add_argument("--lexical-min", type=float, default=0.3)
    args = parser.parse_args(argv)
    bundle = Bundle(args.bundle or get_settings().bundle_dir)
    started = time.perf_counter()
    courses = coursera_courses(bundle)
    if courses.height == 0:
        print(f"no English Coursera courses with tags in {bundle.path}; import ../shared/data")
        return 1
    taxonomy = SkillTaxonomy.from_bundle(bundle)
    tags = sorted({t for ts in courses.get_column("tagged_skills").to_list() for t in ts})
    mapping = map_tags(tags, taxonomy, args.lexical_min)
    routes = Counter(route for _, route in mapping.values())
    mentions = Counter(
        mapping[t][1] for ts in courses.get_column("tagged_skills").to_list() for t in ts
    )
    gold = {
        cid: {mapping[t][0] for t in ts if mapping[t][0]}
        for cid, ts in courses.select("course_id", "tagged_skills").iter_rows()
    }
    gold = {c: g for c, g in gold.items() if g}
    rows = courses.filter(pl.col("course_id").is_in(list(gold)))
    ids = rows.get_column("course_id").to_list()
    print(
        f"data: {bundle.path} courses table, source coursera (coursera_courses_2019_skills"
        f".csv), English with tags: {courses.height} courses, {len(tags)} distinct tags"
    )
    print(
        "tag -> ESCO, distinct tags: "
        + ", ".join(
            f"{r} {routes.get(r, 0)}" for r in ("preferred", "alt_label", "lexical", "unmapped")
        )
        + f" (mapped {1 - routes.get('unmapped', 0) / len(tags):.1%}); tag mentions: "
        + ", ".join(
            f"{r} {mentions.get(r, 0)}" for r in ("preferred", "alt_label", "lexical", "unmapped")
        )
    )
    print(
        f"evaluated: {len(gold)} courses with at least one mapped tag, "
        f"{sum(len(g) for g in gold.values())} gold (course, ESCO skill) pairs"
    )
    from matching.nlp.extraction.pipeline import build_pipeline

    nlp = build_pipeline(taxonomy, kind="course")
    full = predict(
        nlp, ids, [f"{t}. {d}" for t, d in rows.select("title", "description").iter_rows()]
    )
    title = predict(nlp, ids, rows.get_column("title").fill_null("").to_list())
    description = predict(nlp, ids, rows.get_column("description").fill_null("").to_list())
    kept, rule, title_free = predict_kept(
        nlp,
        taxonomy,
        ids,
        rows.get_column("title").fill_null("").to_list(),
        rows.get_column("description").fill_null("").to_list(),
    )
    sizes = sorted(len(full[c]) for c in gold)
    k = max(1, sizes[len(sizes) // 2])
    systems = {
        "pipeline (title + description)": full,
        "title only": title,
        "description only": description,
        "kept links (title + description)": kept,
        "gap report (description, title confirms)": rule,
        "description + any title span link": title_free,
        f"most frequent {k} tags (2-fold)": most_frequent(gold, k),
    }
    print(
        f"{'system':42s} {'micro P':>8s} {'micro R':>8s} {'macro P':>8s} {'macro R':>8s} "
        f"{'pred/course':>11s} {'none':>5s}"
    )
    for name, pred in systems.items():
        s = scores(pred, gold)
        print(
            f"{name:42s} {s['micro_p']:8.3f} {s['micro_r']:8.3f} {s['macro_p']:8.3f} "
            f"{s['macro_r']:8.3f} {s['per_course']:11.1f} {s['no_prediction']:5d}"
        )
    print(
        f"exact ESCO URI match against mapped Coursera tags; {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
