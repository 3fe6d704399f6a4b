"""What a document's occupations say about a candidate skill: the linker's context features.

A document can carry a context, the O*NET-SOC occupations it is about (a posting's normalized
title, a programme's CIP -> SOC targets, a participant's jobs and goal, a course's
programme). "Control the performance of the vehicle" is a plausible reading of a phrase in a
driving course and an implausible one in a phlebotomy programme; the reranker can only learn
that if it sees, per candidate, how the skill relates to the context occupations.

:class:`ContextIndex` holds, per O*NET-SOC occupation, a sparse row over the linker's ESCO
skills built from ESCO's occupation-skill relations and the ESCO -> O*NET-SOC crosswalk
(``SkillTaxonomy.soc_links``, the same evidence ``matching.market.skill_profiles`` uses):

- ``essential``: 1 when a crosswalked ESCO occupation lists the skill as essential;
- ``listed``: 1 when one lists it at all (essential or optional);
- ``share``: the share of the crosswalked ESCO occupations that list it (the number of ESCO
  occupations mapped to the code is taken as the largest count any skill has there: every
  ESCO occupation lists dozens of skills, so that is a tight lower bound);
- the same ``share`` one level up, over every occupation of the code's SOC minor group
  (``29-20``: health technologists), so a skill of a sister occupation still counts.

Scoring is a sparse product of the batch's context rows (each occupation weighted
1/len(context)) with these matrices: no per-pair Python loop. Without a context the features
are NaN (LightGBM sends missing values down its learned default branch) and ``has_context``
is 0, so one model serves documents with and without context. Posting shares per occupation
are not a feature: they need the extraction they would feed (the demand tables are built
from linked postings), and a linker trained on them would learn its own earlier mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from matching.nlp.taxonomy import SkillTaxonomy

CONTEXT_FEATURES = (
    "has_context",
    "ctx_essential",
    "ctx_listed",
    "ctx_share",
    "ctx_group_share",
    "ctx_known",
)


def minor_group(code: str) -> str:
    """'29-2099.08' -> '29-20' (the SOC minor group: the first digit after the dash)."""
    return code[:4]


@dataclass
class ContextIndex:
    """Per-occupation sparse skill rows (occupations x skills), aligned to a LinkIndex."""

    codes: list[str]
    essential: sp.csr_matrix
    listed: sp.csr_matrix
    share: sp.csr_matrix
    group_share: sp.csr_matrix

    @property
    def n_codes(self) -> int:
        return len(self.codes)

    def rows_of(self) -> dict[str, list[int]]:
        """O*NET-SOC code -> rows, cached. A code the index lacks falls back to its SOC
        detailed occupation ('29-2099.08' -> every '29-2099.xx' row), which is also what a
        six-digit SOC 2018 code ('31-9097', a CIP -> SOC target) finds."""
        found = self.__dict__.get("_rows")
        if found is None:
            found = {}
            for i, code in enumerate(self.codes):
                found.setdefault(code, []).append(i)
                if len(code) > 7:
                    found.setdefault(code[:7], []).append(i)
            self.__dict__["_rows"] = found
        return found

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_rows", None)
        return state

    @classmethod
    def build(cls, taxonomy: SkillTaxonomy, skill_ids: Sequence[str]) -> ContextIndex:
        """From ``taxonomy.soc_links`` (empty rows when the bundle has no crosswalk)."""
        import polars as pl

        pos = {s: i for i, s in enumerate(skill_ids)}
        links = taxonomy.soc_links.filter(pl.col("skill_uri").is_in(list(pos)))
        codes = sorted(set(links.get_column("onet_soc_code").to_list()))
        row = {c: i for i, c in enumerate(codes)}
        shape = (len(codes), len(skill_ids))
        if not codes:
            empty = sp.csr_matrix(shape, dtype=np.float32)
            return cls(codes, empty, empty.copy(), empty.copy(), empty.copy())
        r = np.asarray([row[c] for c in links.get_column("onet_soc_code").to_list()], np.int64)
        c = np.asarray([pos[s] for s in links.get_column("skill_uri").to_list()], np.int64)
        n_occ = links.get_column("n_occupations").to_numpy().astype(np.float32)
        n_ess = links.get_column("n_essential").to_numpy().astype(np.float32)
        per_code = np.zeros(len(codes), dtype=np.float32)
        np.maximum.at(per_code, r, n_occ)
        share = np.minimum(n_occ / np.maximum(per_code[r], 1.0), 1.0)

        def matrix(values: np.ndarray) -> sp.csr_matrix:
            out = sp.csr_matrix((values.astype(np.float32), (r, c)), shape=shape)
            out.eliminate_zeros()
            return out

        groups = sorted({minor_group(code) for code in codes})
        group_pos = {g: i for i, g in enumerate(groups)}
        g_of = np.asarray([group_pos[minor_group(code)] for code in codes], np.int64)
        members = np.bincount(g_of, minlength=len(groups)).astype(np.float32)
        code_rows = np.arange(len(codes))
        # mean over the group's occupations of the skill's share, then back onto each code
        to_group = sp.csr_matrix(
            (1.0 / members[g_of], (g_of, code_rows)), shape=(len(groups), len(codes))
        )
        to_code = sp.csr_matrix(
            (np.ones(len(codes), np.float32), (code_rows, g_of)), shape=(len(codes), len(groups))
        )
        group_share = (to_code @ (to_group @ matrix(share))).tocsr().astype(np.float32)
        return cls(
            codes,
            matrix((n_ess > 0).astype(np.float32)),
            matrix(np.ones_like(n_occ)),
            matrix(share),
            group_share,
        )

    def weights(self, contexts: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, np.ndarray]:
        """(texts x codes) rows averaging each text's known codes, and per text the share of
        its codes the index knows (0 for an empty context)."""
        rows = self.rows_of()
        r: list[int] = []
        c: list[int] = []
        v: list[float] = []
        known = np.zeros(len(contexts), dtype=np.float32)
        for t, codes in enumerate(contexts):
            hits = sorted({r for k in codes for r in rows.get(k) or rows.get(k[:7], [])})
            if codes:
                found = [k for k in set(codes) if rows.get(k) or rows.get(k[:7])]
                known[t] = len(found) / len(set(codes))
            if hits:
                r.extend([t] * len(hits))
                c.extend(hits)
                v.extend([1.0 / len(hits)] * len(hits))
        w = sp.csr_matrix(
            (np.asarray(v, np.float32), (np.asarray(r, np.int64), np.asarray(c, np.int64))),
            shape=(len(contexts), self.n_codes),
        )
        return w, known

    def features(
        self, contexts: Sequence[Sequence[str]], t_idx: np.ndarray, s_idx: np.ndarray
    ) -> np.ndarray:
        """(pairs x len(CONTEXT_FEATURES)) for candidate pairs (text, skill) of one batch.

        A text with an empty context gets has_context 0 and NaN elsewhere; one whose codes
        the index does not know gets has_context 1, ctx_known 0 and zeros (no ESCO evidence
        is evidence too: the occupation lists none of these skills).
        """
        out = np.full((len(t_idx), len(CONTEXT_FEATURES)), np.nan, dtype=np.float32)
        has = np.asarray([bool(c) for c in contexts], dtype=bool)
        out[:, 0] = has[t_idx].astype(np.float32)
        if not has.any() or not len(t_idx):
            return out
        w, known = self.weights(contexts)
        pairs = has[t_idx]
        tt, ss = t_idx[pairs], s_idx[pairs]
        for j, matrix in enumerate((self.essential, self.listed, self.share, self.group_share)):
            per_text = (w @ matrix).tocsr()
            out[pairs, 1 + j] = np.asarray(per_text[tt, ss]).ravel()
        out[pairs, 5] = known[tt]
        return out
