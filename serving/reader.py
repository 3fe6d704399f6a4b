"""The engine's models seen through ``matching.referral.referrals.ParticipantReader``.

Referral logic lives in ``matching`` and never imports serving or training code; this
adapter hands it the registered title normalizer, the intake pipeline and the transition
ranker. Nothing here logs: the texts are participants' own words.

Caching and personal data. Title lookups are cached, since caseloads and repeat requests
share titles, but only for a title that is public vocabulary: an O*NET occupation title,
alternate title, short title or reported title (compared case- and space-insensitively).
A title anything else ("cna at sunrise home 3 yrs") is looked up and forgotten, so the
server holds no participant's words after its answer. This was chosen over a time-bounded
cache of every title because a TTL still stores what participants typed for its lifetime,
where this stores nothing personal at all; it keeps the hits that matter (common titles)
and its size is bounded twice, by the vocabulary and by ``TITLE_CACHE_SIZE``. Transition
targets are cached by O*NET code, which is not personal either.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import Any

from matching.referral.referrals import SkillEvidence, SourceOccupation

TRANSITION_TOP_K = 50
RANK_DECAY = 0.9  # role fit of the ranker's k-th target: 1.0, 0.66 at 5th, 0.39 at 10th
TITLE_CACHE_SIZE = 4096
VOCABULARY = {
    "onet_occupations": ["title"],
    "onet_alternate_titles": ["alternate_title", "short_title"],
    "onet_reported_titles": ["reported_title"],
}
Hit = tuple[str, str, float]  # occupation code, its title, score


def vocabulary_key(title: str) -> str:
    """A title as the vocabulary is compared: case-folded, spaces collapsed."""
    return " ".join(title.casefold().split())


class EngineReader:
    """``ParticipantReader`` over a ``serving.engine.Engine``."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._targets = lru_cache(maxsize=4096)(self._transition_targets)
        self._known_title = lru_cache(maxsize=TITLE_CACHE_SIZE)(self._title_hits)

    def intake_skills(self, text: str, context: Sequence[str] = ()) -> list[SkillEvidence]:
        if not text.strip():
            return []
        # the engine's links: its intake pipeline under that pipeline's lock, its floors
        ((links, _),) = self.engine.extract("intake", [text], contexts=[tuple(context)])
        return [SkillEvidence.from_link(link) for link in links]

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if not wanted:
            return []
        return [
            SourceOccupation(title=title, code=code, occupation_title=name, score=score)
            for title in wanted
            for code, name, score in self._title_lookup(title)
        ]

    def _title_lookup(self, title: str) -> tuple[Hit, ...]:
        """Best occupation for one title; cached only for a public-vocabulary title."""
        if vocabulary_key(title) in self.title_vocabulary:
            return self._known_title(title)
        return self._title_hits(title)

    def _title_hits(self, title: str) -> tuple[Hit, ...]:
        # a title under the model's calibrated min_score is no known occupation (issue 14)
        model = self.engine.titles
        (candidates,) = model.predict([title], taxonomy="onet", top_k=1)
        if not model.is_confident(candidates):
            return ()
        return tuple((c.code, c.title, round(float(c.score), 4)) for c in candidates)

    @cached_property
    def title_vocabulary(self) -> frozenset[str]:
        """The bundle's O*NET titles (see the module docstring), as ``vocabulary_key``s."""
        bundle = self.engine.bundle
        words: set[str] = set()
        for table, columns in VOCABULARY.items():
            if not bundle.has(table):
                continue
            frame = bundle.table(table)
            for column in columns:
                if column in frame.columns:
                    words.update(vocabulary_key(t) for t in frame[column].drop_nulls())
        return frozenset(words)

    def transition_targets(self, code: str) -> dict[str, tuple[float, list[str]]] | None:
        if self.engine.transitions is None:
            return None
        return self._targets(code)

    def _transition_targets(self, code: str) -> dict[str, tuple[float, list[str]]]:
        ranker = self.engine.transitions
        if not ranker.known(code):
            return {}
        ranked = ranker.rank(code, top_k=TRANSITION_TOP_K)
        out = {}
        for target, rank, reasons in ranked.select("target_code", "rank", "reasons").iter_rows():
            out[target] = (RANK_DECAY ** (rank - 1), list(reasons or []))
        return out
