"""The engine: everything a request needs, loaded once per process and shared.

The CLI, the API and batch scoring all answer from the same objects: the data bundle, the
skill pipelines, the title normalizer, the regional demand table, the program catalog with
skills taught and predicted outcomes, and the transition ranker. Each is built on first use
and kept, so a server pays the cost at start-up (``warm``) and a CLI call pays only for what
it touches. ``versions`` names the data bundle and every registered model that can shape an
answer, so each response can say what produced it.

Registered models are used when present (``name@champion``); without one the engine falls
back to what the bundle alone supports and ``notes`` says so. A model store that cannot be
read, or a champion whose files are missing, is not "without one": ``models`` raises
``training.registry.ModelStoreError`` (checked once per engine; later calls repeat the same
error at once) and ``model_problem`` says why, so the CLI stops with exit 2 and the API
answers 503 instead of silently answering from fallbacks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl
from spacy.tokens import Doc

from matching.ingest.bundle import Bundle
from matching.nlp.extraction import KINDS
from matching.nlp.extraction.io import (
    SkillInfo,
    SkillLink,
    clean_text,
    linked_skills,
    skill_info_from,
)
from matching.settings import Settings, get_settings

MODEL_NAMES = (
    "pathmatch-titles",
    "pathmatch-linker",
    "pathmatch-detector",
    "pathmatch-outcome",
    "pathmatch-transitions",
    "pathmatch-referral-ranker",
)


@dataclass
class Engine:
    """Lazily built, thread-safe shared state over one bundle and the registered models.

    Extraction uses the registered detector and learned linker when both are registered
    (``learned_extraction``; they find far more skills than exact label matches), else the
    taxonomy matcher with lexical scores. Every door renders links with
    ``matching.nlp.extraction.io.linked_skills`` and this engine's floors
    (``skill_min_score``, ``sentence_min_score``; None, the default, uses the floors saved
    with the pipeline, chosen on dev data), so a text gets the same links from the
    CLI, the API and batch scoring. Every run of a pipeline holds that pipeline's lock
    (``locked``, ``extract``), whichever thread runs it.
    """

    settings: Settings
    bundle: Bundle
    learned_extraction: bool = True
    skill_min_score: float | None = None
    sentence_min_score: float | None = None
    notes: list[str] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _pipelines: dict[tuple[str, bool], Any] = field(default_factory=dict, repr=False)
    _locked: dict[int, LockedPipeline] = field(default_factory=dict, repr=False)
    _regions: dict[str, Any] = field(default_factory=dict, repr=False)
    _models: dict[str, Any] | None = field(default=None, repr=False)
    _model_problem: str | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls, settings: Settings | None = None, bundle: Path | str | None = None, **options: Any
    ) -> Engine:
        """An engine over ``bundle`` (default: the settings' bundle); raises BundleError."""
        settings = settings or get_settings()
        return cls(settings=settings, bundle=Bundle(Path(bundle or settings.bundle_dir)), **options)

    # ------------------------------------------------------------------ models and versions

    @property
    def models(self) -> dict[str, Any]:
        """Registered champions as ``training.registry.ModelRef`` (absent ones left out).

        Raises ``ModelStoreError`` when the store is unreachable or unreadable, or a
        champion's files are missing; the store is asked once per engine, so a dead store
        costs one bounded wait, not one per model or per request.
        """
        from training.registry import ModelStoreError, resolve_champions

        with self._lock:
            if self._models is None and self._model_problem is None:
                try:
                    self._models = resolve_champions(MODEL_NAMES, self.settings)
                except ModelStoreError as exc:
                    self._model_problem = str(exc)
            if self._model_problem is not None:
                raise ModelStoreError(self._model_problem)
            assert self._models is not None
            return self._models

    @property
    def model_problem(self) -> str | None:
        """Why registered models cannot be used (store or files broken), else None."""
        from training.registry import ModelStoreError

        try:
            _ = self.models
        except ModelStoreError:
            pass
        return self._model_problem

    def _load(self, name: str, loader: Any) -> Any:
        """Load the champion ``name`` with ``loader(path)``, or None when not registered.

        Files that do not load make the engine's models unusable as a whole (recorded in
        ``model_problem``), like a missing artifact: no quiet fallback for that one model.
        """
        from training.registry import ModelStoreError, load_model

        ref = self.models.get(name)
        if ref is None:
            return None
        try:
            return load_model(ref, loader)
        except ModelStoreError as exc:
            with self._lock:
                self._model_problem = self._model_problem or str(exc)
            raise

    @property
    def versions(self) -> dict[str, str]:
        """``bundle`` hash and ``name: version`` of every model this engine uses."""
        return {
            "bundle": self.bundle.hash,
            **{name: ref.version for name, ref in sorted(self.models.items())},
        }

    # ------------------------------------------------------------------ text models

    @cached_property
    def taxonomy(self) -> Any:
        """The bundle's skill taxonomy (the same object the pipelines were built from)."""
        from matching.nlp.taxonomy import taxonomy_of

        return taxonomy_of(self.bundle)

    def pipeline(self, kind: str, learned: bool | None = None) -> Any:
        """The spaCy extraction pipeline for ``kind`` (posting, course or intake).

        Loaded from the copy saved under ``PATHMATCH_HOME/pipelines`` for this bundle and
        these detector and linker versions (about a second), or built from the bundle and
        saved there on first use (tens of seconds on the real taxonomy).
        """
        from matching.nlp.extraction.pipeline import build_pipeline, cached_pipeline

        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        learned = self.learned_extraction if learned is None else learned
        learned = learned and {"pathmatch-detector", "pathmatch-linker"} <= set(self.models)
        key = (kind, learned)
        with self._lock:
            if key not in self._pipelines:
                detector = self.models.get("pathmatch-detector") if learned else None
                linker = self.models.get("pathmatch-linker") if learned else None
                built_from = {
                    "bundle": self.bundle.hash,
                    **{
                        name: ref and f"{ref.label} run {ref.run_id}"
                        for name, ref in (("detector", detector), ("linker", linker))
                    },
                }

                def build() -> Any:
                    try:
                        return build_pipeline(
                            bundle_dir=self.bundle.path,
                            detector_dir=detector and detector.path,
                            linker_dir=linker and linker.path,
                        )
                    except Exception as exc:
                        if not learned:
                            raise
                        # Registered files that do not load: the models are unusable as a
                        # whole (model_problem), as in _load, not a silent lexical fallback.
                        from training.registry import ModelStoreError

                        problem = (
                            str(exc).strip().splitlines()[0]
                            if str(exc).strip()
                            else (type(exc).__name__)
                        )
                        self._model_problem = self._model_problem or (
                            f"the registered detector or linker does not load: {problem}"
                        )
                        raise ModelStoreError(self._model_problem) from exc

                self._pipelines[key] = cached_pipeline(
                    self.settings.home / "pipelines", built_from, kind, build
                )
            return self._pipelines[key]

    def locked(self, kind: str, learned: bool | None = None) -> LockedPipeline:
        """``pipeline(kind, learned)`` with its lock and label lookup (one per pipeline)."""
        nlp = self.pipeline(kind, learned)
        with self._lock:
            if id(nlp) not in self._locked:
                self._locked[id(nlp)] = LockedPipeline(nlp, skill_info_from(None, nlp))
            return self._locked[id(nlp)]

    def extract(
        self,
        kind: str,
        texts: Sequence[str],
        *,
        top_k: int = 20,
        contexts: Sequence[Sequence[str]] | None = None,
    ) -> list[tuple[list[SkillLink], list[str]]]:
        """Each text's linked skills and the repairs made to it (``clean_text`` warnings).

        The one way a request's texts become links (``POST /v1/extract``, the intake notes
        of ``/v1/referrals``); ``pathmatch extract`` streams a file through the same
        pipeline, lock and floors. ``contexts``: per text, the O*NET-SOC codes it is about
        (a participant's past jobs and goals), which the learned linker weighs.
        """
        pipe = self.locked(kind)
        cleaned = [clean_text(text) for text in texts]
        docs = pipe.docs([text for text, _, _ in cleaned], contexts=contexts)
        return [
            (self.links(doc, pipe.info, top_k=top_k), warnings)
            for doc, (_, warnings, _) in zip(docs, cleaned, strict=True)
        ]

    def links(self, doc: Doc, info: SkillInfo, *, top_k: int = 20) -> list[SkillLink]:
        """``linked_skills`` of a processed doc with this engine's floors."""
        return linked_skills(
            doc,
            info,
            top_k=top_k,
            min_score=self.skill_min_score,
            min_sentence_score=self.sentence_min_score,
        )

    def skills_of(
        self,
        kind: str,
        ids: list[str],
        texts: list[str],
        id_column: str,
        contexts: Sequence[Sequence[str]] | None = None,
    ) -> pl.DataFrame:
        """Linked ESCO skills per text: ``<id_column>, skill_id, skill_label, score``."""
        from matching.nlp.extraction.io import EVIDENCE_COLUMNS

        frame = self.evidence_of(kind, ids, texts, id_column, contexts)
        return frame.drop(list(EVIDENCE_COLUMNS))

    def evidence_of(
        self,
        kind: str,
        ids: list[str],
        texts: list[str],
        id_column: str,
        contexts: Sequence[Sequence[str]] | None = None,
    ) -> pl.DataFrame:
        """``skills_of`` plus ``EVIDENCE_COLUMNS``: the sentence and words that show each."""
        from matching.nlp.extraction.io import evidence_frame

        pipe = self.locked(kind)
        return evidence_frame(
            pipe.nlp,
            ids,
            texts,
            id_column=id_column,
            info=pipe.info,
            lock=pipe.lock,
            min_score=self.skill_min_score,
            min_sentence_score=self.sentence_min_score,
            contexts=contexts,
        )

    @cached_property
    def titles(self) -> Any:
        """The registered title normalizer, or one fitted from the bundle now (seconds)."""
        from matching.nlp.titles import TitleNormalizer, fit_from_bundle

        model = self._load("pathmatch-titles", TitleNormalizer.load)
        if model is not None:
            return model
        self.notes.append(
            "no registered title model (run `pathmatch train nlp`): fitted one from the bundle"
        )
        return fit_from_bundle(self.bundle)

    # ------------------------------------------------------------------ demand and programs

    @cached_property
    def demand(self) -> Any:
        """``matching.market.demand.DemandResult`` for the bundle's postings."""
        from matching.market.demand import demand_from_bundle, occupations_from_titles

        postings = self.bundle.table("postings")
        occupations = occupations_from_titles(postings, self.titles)
        ids = postings["posting_id"].to_list()
        skills = self.skills_of(
            "posting",
            ids,
            postings["description"].fill_null("").to_list(),
            "posting_id",
            contexts=contexts_by_id(ids, occupations, "posting_id"),
        )
        return demand_from_bundle(self.bundle, occupations, skills)

    @cached_property
    def catalog(self) -> Any:
        """``matching.market.programs.CatalogResult``: programs with skills taught and courses."""
        from matching.market.programs import catalog_from_bundle
        from matching.nlp.extraction.io import EVIDENCE_COLUMNS

        # the same links program_skills quotes: the descriptions pass through the pipeline once
        taught = self.program_skills.drop(list(EVIDENCE_COLUMNS))
        return catalog_from_bundle(self.bundle, taught)

    @cached_property
    def sector_inputs(self) -> Any:
        """``matching.sectors.profile.SectorInputs``: the demand, catalog and bundle tables
        sector profiles and supply read (the same demand and catalog every door uses)."""
        from matching.ingest.bundle import BundleError
        from matching.sectors.profile import sector_inputs_from

        for name in ("career_clusters_soc", "career_clusters_cip"):
            if not self.bundle.has(name):
                raise BundleError(
                    f"bundle {self.bundle.path} has no table {name!r} (imported before the "
                    f"career clusters loader): re-run `pathmatch import`"
                )
        return sector_inputs_from(
            self.bundle,
            self.catalog.programs,
            self.catalog.program_occupations,
            self.demand.table,
            self.demand.skills_table,
        )

    @cached_property
    def predicted_outcomes(self) -> pl.DataFrame | None:
        """Predicted outcomes with intervals per program, or None without an outcome model."""
        from training.predictors.outcomes import predict_programs

        predicted = self._load(
            "pathmatch-outcome", lambda path: predict_programs(self.bundle, path)
        )
        if predicted is None:
            self.notes.append(
                "no outcome model registered (run `pathmatch train outcome`): "
                "reported outcomes only"
            )
        return predicted

    @cached_property
    def transitions(self) -> Any:
        """The registered ``TransitionRanker``, or None (referrals then use skills only)."""
        from training.predictors.transitions import TransitionRanker

        ranker = self._load("pathmatch-transitions", TransitionRanker.load)
        if ranker is None:
            self.notes.append("no transition model registered: targets from skills only")
        return ranker

    # ------------------------------------------------------------------ referrals

    @cached_property
    def program_skills(self) -> pl.DataFrame:
        """Skills each listed program teaches, with the sentence that shows it."""
        listed = self.bundle.table("etpl_programs")
        ids = listed["program_id"].to_list()
        return self.evidence_of(
            "course",
            ids,
            listed["description"].fill_null("").to_list(),
            "program_id",
            contexts=contexts_by_id(ids, self.program_targets, "program_id"),
        )

    @cached_property
    def program_targets(self) -> pl.DataFrame:
        """``program_id, onet_soc_code``: the occupations each listed program leads to
        (its CIP code through the CIP-SOC crosswalk), the context its description is read in."""
        from matching.market.programs import target_occupations

        listed = self.bundle.table("etpl_programs")
        if "cip_code" not in listed.columns or not self.bundle.has("xwalk_cip_soc"):
            return pl.DataFrame(schema={"program_id": pl.String, "onet_soc_code": pl.String})
        targets = target_occupations(
            listed["cip_code"].drop_nulls().unique(),
            self.bundle.table("xwalk_cip_soc"),
            self.bundle.table("onet_occupations"),
        )
        return (
            listed.select("program_id", "cip_code")
            .join(targets.select("cip_code", "onet_soc_code"), on="cip_code")
            .select("program_id", "onet_soc_code")
        )

    def region_context(self, region: str) -> Any:
        """The shared ``RegionContext`` for referrals and pathways in ``region``."""
        from matching.referral.referrals import build_region_context

        key = region.strip().upper()
        with self._lock:
            if key not in self._regions:
                self._regions[key] = build_region_context(key, self._context_tables())
            return self._regions[key]

    def _context_tables(self) -> dict[str, pl.DataFrame | None]:
        names = (
            "onet_occupations",
            "onet_related_occupations",
            "oews",
            "esco_skills",
            "zcta_centroids",
            "career_clusters_soc",
        )
        tables = {n: self.bundle.table(n) if self.bundle.has(n) else None for n in names}
        return {
            **tables,
            "soc_links": self.taxonomy.soc_links,
            "programs": self.catalog.programs,
            "etpl_programs": self.bundle.table("etpl_programs"),  # the listings' length bands
            "program_occupations": self.catalog.program_occupations,
            "stackability": self.catalog.stackability,
            "program_skills": self.program_skills,
            "demand": self.demand.table,
            "demand_skills": self.demand.skills_table,
            "predicted_outcomes": self.predicted_outcomes,
        }

    @cached_property
    def referral_ranker(self) -> Any:
        """The registered PIRL-trained ranker, or None (the documented weights score)."""
        from training.predictors.referrals import ReferralRanker

        return self._load("pathmatch-referral-ranker", ReferralRanker.load)

    def scorer_for(self, participant: Any) -> Any:
        """The learned scorer for one participant, or None for the fixed weights."""
        ranker = self.referral_ranker
        return ranker.scorer(participant) if ranker is not None else None

    @cached_property
    def reader(self) -> Any:
        """The participant-side models (``matching.referral.referrals.ParticipantReader``)."""
        from serving.reader import EngineReader

        return EngineReader(self)

    def warm(self) -> Engine:
        """Build everything a request can touch (server start-up, batch workers)."""
        for kind in KINDS:
            self.locked(kind)
        _ = self.titles, self.demand, self.catalog, self.predicted_outcomes, self.transitions
        _ = self.program_skills, self.referral_ranker
        return self


class LockedPipeline:
    """A spaCy pipeline, the lock every run of it holds, and its skill label lookup.

    spaCy pipelines are not documented as thread-safe, and the API runs routes on a thread
    pool: the lock sits with the pipeline (one per pipeline, in the engine), so every
    caller, in any thread, is covered. It is re-entrant, so a caller that already holds it
    (a generator inside another run) cannot deadlock itself.
    """

    def __init__(self, nlp: Any, info: SkillInfo) -> None:
        self.nlp = nlp
        self.info = info
        self.lock = threading.RLock()

    def make_doc(self, text: str) -> Doc:
        """The pipeline's tokenized doc (no lock needed: the tokenizer keeps no state), so
        ``io.make_docs`` can give a locked pipeline docs that carry their context."""
        return self.nlp.make_doc(text)

    def docs(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        contexts: Sequence[Sequence[str]] | None = None,
    ) -> list[Doc]:
        """``nlp.pipe`` over ``texts`` under the lock (a request's texts: a short list)."""
        return list(self.pipe(texts, batch_size, contexts))

    def pipe(
        self,
        texts: Iterable[str],
        batch_size: int = 64,
        contexts: Iterable[Sequence[str]] | None = None,
    ) -> Iterator[Doc]:
        """``nlp.pipe`` as a stream, holding the lock until it is exhausted or closed."""
        from matching.nlp.extraction.io import make_docs

        with self.lock:
            yield from self.nlp.pipe(make_docs(self.nlp, texts, contexts), batch_size=batch_size)


def contexts_by_id(
    ids: Sequence[Any], occupations: pl.DataFrame, id_column: str
) -> list[tuple[str, ...]]:
    """Per id, in order, the O*NET-SOC codes ``occupations`` (``<id_column>, onet_soc_code``)
    lists for it: the context each document is read in (empty when it has none)."""
    by_id: dict[Any, list[str]] = {}
    for key, code in occupations.select(id_column, "onet_soc_code").iter_rows():
        by_id.setdefault(key, []).append(code)
    return [tuple(sorted(set(by_id.get(key, ())))) for key in ids]


_shared: dict[tuple[str, str], Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(settings: Settings | None = None) -> Engine:
    """One engine per (home, bundle) in this process: the CLI and the API share it."""
    settings = settings or get_settings()
    key = (str(settings.home), str(settings.bundle_dir))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Engine.load(settings)
        return _shared[key]
