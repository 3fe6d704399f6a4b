"""``POST /v1/extract``: skills in postings, course descriptions or intake notes.

Each text goes through the engine's extraction pipeline for its kind (the registered
detector and learned linker when both are registered, else the taxonomy matcher); each
kept ESCO link comes with its label, score, the words that support it and their sentence
(character offsets into the text as sent), so a case manager can see why it is there. The
links are the engine's (``Engine.extract``: the same pipeline, lock, score floors and
rendering as ``pathmatch extract``'s ``skills`` and every skill count in pathmatch).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.nlp.extraction import Kind
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, check_texts, meta_of

router = APIRouter(
    tags=["extract"],
    dependencies=[Depends(valid_unicode_body)],
    responses=error_responses(400, 401, 422, 503),
)


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="your id; echoed back")
    text: str = Field(description="posting, course description or intake note")


class ExtractRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "intake",
                    "top_k": 5,
                    "texts": [
                        {"id": "n1", "text": "Worked two years as a CNA; can drive a forklift."}
                    ],
                }
            ]
        },
    )

    kind: Kind
    texts: list[TextIn] = Field(min_length=1, description="capped by PATHMATCH_MAX_TEXTS")
    top_k: JsonInt = Field(default=10, ge=1, le=100, description="skills per text")


class Evidence(BaseModel):
    """The words that support a link: character offsets into the text as sent."""

    start: int = Field(description="offset of the first character (Python string index)")
    end: int = Field(description="offset after the last character: text[start:end]")
    text: str = Field(description="the words; the whole sentence for a sentence-only link")


class SentenceBounds(BaseModel):
    start: int
    end: int


class LinkedSkill(BaseModel):
    """``matching.nlp.extraction.io.SkillLink.as_dict``: one of the kept links, as
    ``pathmatch extract`` prints them in ``skills``."""

    id: str = Field(description="ESCO skill URI")
    label: str
    taxonomy: str = Field(examples=["ESCO"])
    score: float
    evidence: Evidence
    sentence: SentenceBounds = Field(description="offsets of the evidence's sentence")


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
    found = engine.extract(body.kind, [t.text for t in body.texts], top_k=body.top_k)
    results = [
        ExtractedText(
            id=item.id, warnings=warnings, skills=[LinkedSkill(**link.as_dict()) for link in links]
        )
        for item, (links, warnings) in zip(body.texts, found, strict=True)
    ]
    return ExtractResponse(kind=body.kind, results=results, meta=meta_of(engine, request))
