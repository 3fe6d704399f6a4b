"""The engine's models seen through ``matching.referrals.ParticipantReader``.

Referral logic lives in ``matching`` and never imports serving or training code; this
adapter hands it the registered title normalizer, the intake pipeline and the transition
ranker. Nothing here logs: the texts are participants' own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from matching.extraction.io import evidence_frame
from matching.referrals import SkillEvidence, SourceOccupation

TRANSITION_TOP_K = 50
RANK_DECAY = 0.9  # role fit of the ranker's k-th target: 1.0, 0.66 at 5th, 0.39 at 10th
MIN_TITLE_SCORE = 0.2


class EngineReader:
    """``ParticipantReader`` over a ``serving.engine.Engine``."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._targets = lru_cache(maxsize=4096)(self._transition_targets)
        self._title = lru_cache(maxsize=65536)(self._title_occupation)

    def intake_skills(self, text: str) -> list[SkillEvidence]:
        if not text.strip():
            return []
        frame = evidence_frame(self.engine.pipeline("intake"), ["p"], [text],
                               id_column="id", min_score=self.engine.skill_min_score,
                               min_sentence_score=self.engine.sentence_min_score)
        return [SkillEvidence(skill_id=s, label=label, source="intake", evidence=sentence)
                for s, label, sentence in frame.select("skill_id", "skill_label", "sentence")
                .iter_rows()]

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if not wanted:
            return []
        return [hit for title in wanted for hit in self._title(title)]

    def _title_occupation(self, title: str) -> tuple[SourceOccupation, ...]:
        """Best occupation for one title (cached: caseloads repeat the same titles)."""
        (candidates,) = self.engine.titles.predict([title], taxonomy="onet", top_k=1)
        return tuple(SourceOccupation(title=title, code=c.code, occupation_title=c.title,
                                      score=round(float(c.score), 4))
                     for c in candidates if c.score >= MIN_TITLE_SCORE)

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
