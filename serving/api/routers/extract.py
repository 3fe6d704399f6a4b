"""``POST /v1/extract``: skills in postings, course descriptions or intake notes.

Each text goes through the engine's extraction pipeline for its kind (the registered
detector and learned linker when both are registered, else the taxonomy matcher); each
linked skill comes with its label, taxonomy (ESCO or O*NET), score and the sentence it was
found in, so a case manager can see why it is there. Skills scored below the engine's
``skill_min_score`` are left out, as everywhere else in pathmatch.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.nlp.extraction import CANDIDATES_KEY
from matching.nlp.extraction.io import clean_text, skill_info_from
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, check_texts, meta_of

router = APIRouter(tags=["extract"], dependencies=[Depends(valid_unicode_body)],
                   responses=error_responses(400, 401, 422, 503))
_pipe_lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe
EVIDENCE_CHARS = 400


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="your id; echoed back")
    text: str = Field(description="posting, course description or intake note")


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "intake", "top_k": 5,
        "texts": [{"id": "n1", "text": "Worked two years as a CNA; can drive a forklift."}]}]})

    kind: Literal["posting", "course", "intake"]
    texts: list[TextIn] = Field(min_length=1, description="capped by PATHMATCH_MAX_TEXTS")
    top_k: JsonInt = Field(default=10, ge=1, le=100, description="skills per text")


class LinkedSkill(BaseModel):
    id: str = Field(description="ESCO skill URI or O*NET technology/tool id")
    label: str
    taxonomy: str = Field(examples=["ESCO", "O*NET"])
    score: float
    evidence: str | None = Field(description="the sentence the skill was found in")
    start: int | None = Field(description="character offset of the matched span")
    end: int | None


class ExtractedText(BaseModel):
    id: str
    skills: list[LinkedSkill]
    warnings: list[str] = Field(default_factory=list)


class ExtractResponse(Envelope):
    kind: str
    results: list[ExtractedText]


@router.post("/extract", response_model=ExtractResponse, summary="Skills in texts")
def extract(body: ExtractRequest, request: Request, engine: EngineDep) -> ExtractResponse:
    check_texts(request, [t.text for t in body.texts], ["body", "texts"], "text")
    nlp = engine.pipeline(body.kind)
    info = skill_info_from(engine.taxonomy, nlp)
    cleaned = [clean_text(t.text) for t in body.texts]
    with _pipe_lock:
        docs = list(nlp.pipe([text for text, _, _ in cleaned]))
    results = [ExtractedText(id=item.id, warnings=warnings,
                             skills=_skills(doc, body.top_k, engine.skill_min_score, info))
               for item, doc, (_, warnings, _) in zip(body.texts, docs, cleaned, strict=True)]
    return ExtractResponse(kind=body.kind, results=results, meta=meta_of(engine, request))


def _skills(doc: Any, top_k: int, min_score: float, info: Any) -> list[LinkedSkill]:
    """The doc's ranked skills above ``min_score``, each with its first evidence span."""
    first_span = _first_spans(doc)
    out = []
    for skill_id, score in doc._.ranked_skills or []:
        if score < min_score:
            continue
        label, taxonomy = info(skill_id)
        span = first_span.get(skill_id)
        out.append(LinkedSkill(
            id=skill_id, label=label, taxonomy=taxonomy, score=round(float(score), 4),
            evidence=_sentence(span), start=span.start_char if span is not None else None,
            end=span.end_char if span is not None else None))
        if len(out) >= top_k:
            break
    return out


def _first_spans(doc: Any) -> dict[str, Any]:
    """skill id -> the earliest candidate span linked to it."""
    spans = doc.spans[CANDIDATES_KEY] if CANDIDATES_KEY in doc.spans else []
    found: dict[str, Any] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        linked = span._.skills or [(i, 1.0) for i in (span._.candidate_ids or [])]
        for skill_id, _ in linked:
            found.setdefault(skill_id, span)
    return found


def _sentence(span: Any) -> str | None:
    if span is None:
        return None
    try:
        text = span.sent.text.strip()
    except ValueError:  # no sentence boundaries on this doc
        text = span.text
    return text[:EVIDENCE_CHARS]
