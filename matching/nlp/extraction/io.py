"""Input readers and JSON output for ``pathmatch extract`` (the CLI contract).

Input: JSONL (one ``{"id": ..., "text": ...}`` object a line) or plain text (one document a
line, id = line number from 1). The format is taken from the extension (``.jsonl``,
``.ndjson``, ``.json``: JSONL; ``.txt``: text), else from the first non-blank line (``{``
starts JSONL). Lines are split on ``\\n`` only (``\\r\\n`` is fine; Unicode line
separators inside a document are text, not line breaks).

Output: one JSON line per input line, in input order, so line N of the output always
belongs to line N of the input, whatever went wrong::

    {"id", "spans": [{"start", "end", "text", "section",
                      "skills": [{"id", "label", "taxonomy", "score"}]}],
     "ranked": [{"id", "label", "taxonomy", "score"}],
     "skills": [{"id", "label", "taxonomy", "score",
                 "evidence": {"start", "end", "text"}, "sentence": {"start", "end"}}]}

``start``/``end`` are character offsets into the input text as the caller gave it (Python
string indices, end exclusive: ``text[start:end]``; for JSONL the decoded ``"text"``
string; cleaning keeps offsets, see below). ``skills`` are the document's kept links
(:func:`linked_skills`: ESCO skills above the score floors, best first), exactly what
``POST /v1/extract`` answers, what referrals explain and what demand and the program catalog
count; each carries its supporting words (``evidence``: the span naming the skill, or for a
link from a whole sentence that sentence) and its sentence. ``ranked`` is the document's
top-k ESCO ranking before the floors; a span's ``skills`` are its best few links above the
span floor (the pipeline's ``span_candidates``, 3 by default), and may also hold O*NET
technology/tool ids (``taxonomy`` "O*NET"). The floors are the pipeline's
(``doc._.link_floors``, set by its linker component from ``config.cfg``). A record gets
``"warnings": [...]`` when something was repaired.

Bad input (each named with its line on stderr, and the rest of the file still processed):

* malformed JSON, a JSON line that is not an object, a missing or non-string ``text``,
  a blank JSONL line, or binary content (NUL bytes or mostly control characters): the
  record is ``{"id": <id or line number>, "error": "...", "spans": [], "ranked": []}``;
* bytes that are not UTF-8: decoded as Windows-1252 (the usual culprit), else with
  replacement characters, and a warning;
* empty text: a normal, empty record and a warning;
* control characters (other than tab and line breaks) become spaces, one for one, so
  offsets still point into the original text;
* a text longer than :data:`MAX_CHARS` (200,000 characters, about 70 times the longest
  posting seen): only the first :data:`MAX_CHARS` characters (cut at a space) are
  processed, with a warning; offsets stay valid since the processed text is a prefix.
  Truncating rather than chunking keeps one document one spaCy ``Doc`` with bounded
  memory; 200,000 characters is far beyond any real posting, course or intake text.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl
from spacy.language import Language
from spacy.tokens import Doc

from matching.nlp.extraction import CANDIDATES_KEY, register_extensions, section_at
from matching.nlp.quotes import Quote, label_marks, sentence_bounds

MAX_CHARS = 200_000
SKILL_MIN_SCORE = 0.3
"""The span floor for a doc no linker component processed (no ``doc._.link_floors``); the
floors in use come from the pipeline (``[components.linker.floors]`` of ``config.cfg``)."""
SENTENCE_MIN_SCORE = 0.4
"""The sentence-only floor for a doc no linker component processed (see above)."""
SPAN_CANDIDATES = 3
"""Candidates listed per span when the pipeline does not say (``span_candidates``)."""
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_STORED_WARNINGS = 1000

SkillInfo = Callable[[str], tuple[str, str]]
"""skill id -> (preferred label, taxonomy 'ESCO' | 'O*NET')."""


@dataclass
class InputRecord:
    """One input line: its number, id and text, or the error that replaced them."""

    line: int
    id: Any
    text: str = ""
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    cut: bool = False  # the text was longer than the reader's ``max_chars``; a prefix is kept


@dataclass
class ExtractStats:
    """What :func:`extract_file` did."""

    records: int = 0
    errors: int = 0
    warnings: int = 0
    truncated: int = 0
    chars: int = 0
    words: int = 0
    seconds: float = 0.0
    messages: list[str] = field(default_factory=list)

    @property
    def docs_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "errors": self.errors,
            "warnings": self.warnings,
            "truncated": self.truncated,
            "chars": self.chars,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "docs_per_s": round(self.docs_per_s, 1),
        }


# ---------------------------------------------------------------------------- reading


def detect_format(path: Path) -> str:
    """'jsonl' or 'text' (see the module docstring)."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in TEXT_SUFFIXES:
        return "text"
    with open(path, "rb") as handle:
        for raw in handle:
            stripped = raw.strip().lstrip(b"\xef\xbb\xbf")
            if stripped:
                return "jsonl" if stripped.startswith(b"{") else "text"
    return "text"


def decode_line(raw: bytes) -> tuple[str | None, list[str], str | None]:
    """(text, warnings, error) for one line's bytes."""
    raw = raw.rstrip(b"\n").rstrip(b"\r")
    if b"\x00" in raw or _mostly_control(raw):
        return None, [], "binary content (NUL or control bytes); not processed"
    try:
        return raw.decode("utf-8"), [], None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    try:
        return raw.decode("cp1252"), [f"not valid UTF-8 ({where}); decoded as Windows-1252"], None
    except UnicodeDecodeError:
        return (
            raw.decode("utf-8", errors="replace"),
            [f"not valid UTF-8 ({where}); bad bytes replaced"],
            None,
        )


_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 13))


def _mostly_control(raw: bytes) -> bool:
    if not raw:
        return False
    control = len(raw.translate(None, _NOT_CONTROL))  # in C: a 50 MB line takes milliseconds
    return control > max(3, len(raw) // 10)


def clean_text(text: str, max_chars: int = MAX_CHARS) -> tuple[str, list[str], bool]:
    """Control characters to spaces (offsets kept) and truncation; (text, warnings, cut)."""
    warnings: list[str] = []
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
        warnings.append("control characters replaced by spaces")
    cut = False
    if len(text) > max_chars:
        end = text.rfind(" ", max_chars // 2, max_chars)
        end = end if end > 0 else max_chars
        warnings.append(
            f"text has {len(text):,} characters; only the first {end:,} "
            f"were processed (limit {max_chars:,})"
        )
        text, cut = text[:end], True
    if not text.strip():
        warnings.append("empty text")
    return text, warnings, cut


def read_records(
    path: Path | str, fmt: str = "auto", max_chars: int = MAX_CHARS
) -> Iterator[InputRecord]:
    """One :class:`InputRecord` per input line, in order (see the module docstring)."""
    path = Path(path)
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in ("jsonl", "text"):
        raise ValueError(f"format must be 'auto', 'jsonl' or 'text', not {fmt!r}")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            text, warnings, error = decode_line(raw)
            if error is not None or text is None:
                yield InputRecord(number, number, error=error or "undecodable line")
                continue
            record = (
                _jsonl_record(number, text) if fmt == "jsonl" else InputRecord(number, number, text)
            )
            record.warnings[:0] = warnings
            if record.error is None:
                record.text, more, record.cut = clean_text(record.text, max_chars)
                record.warnings += more
            yield record


def _jsonl_record(number: int, line: str) -> InputRecord:
    if not line.strip():
        return InputRecord(number, number, error="empty line (expected a JSON object)")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputRecord(number, number, error=f"malformed JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(obj, dict):
        return InputRecord(
            number, number, error=f"expected a JSON object, got {type(obj).__name__}"
        )
    doc_id = obj.get("id", number)
    if doc_id is None or isinstance(doc_id, (dict, list)):
        doc_id = number if doc_id is None else json.dumps(doc_id, sort_keys=True)
    text = obj.get("text")
    if text is None:
        return InputRecord(number, doc_id, error='no "text" field')
    if not isinstance(text, str):
        return InputRecord(number, doc_id, error=f'"text" is {type(text).__name__}, not a string')
    return InputRecord(number, doc_id, text)


# ---------------------------------------------------------------------------- output


def skill_info_from(taxonomy: Any = None, nlp: Language | None = None) -> SkillInfo:
    """A (label, taxonomy) lookup from a SkillTaxonomy, else from the pipeline's matcher."""
    matcher_info: dict[str, tuple[str, str]] = {}
    if nlp is not None:
        from matching.nlp.extraction.pipeline import skill_matcher

        try:
            matcher_info = skill_matcher(nlp).skill_info
        except ValueError:
            matcher_info = {}

    def info(skill_id: str) -> tuple[str, str]:
        if taxonomy is not None:
            try:
                return taxonomy.preferred_label(skill_id), taxonomy.taxonomy(skill_id)
            except (KeyError, AttributeError):
                pass
        if skill_id in matcher_info:
            return matcher_info[skill_id]
        return skill_id, ("ESCO" if skill_id.startswith("http") else "O*NET")

    return info


def _skill(skill_id: str, score: float, info: SkillInfo) -> dict[str, Any]:
    label, taxonomy = info(skill_id)
    return {"id": skill_id, "label": label, "taxonomy": taxonomy, "score": round(float(score), 4)}


@dataclass(frozen=True)
class SkillLink:
    """One kept skill link of a document, with what shows it: the one rendering of a link.

    ``start``/``end``/``text`` are the supporting words (the best-scoring span linking to
    the skill; for a link from a whole sentence, that sentence) and ``sentence_start``/
    ``sentence_end`` their sentence, all character offsets into the text the pipeline ran
    on (the caller's text: :func:`clean_text` keeps offsets). ``quote`` is that sentence
    with the supporting words marked, for explanations.
    """

    id: str
    label: str
    taxonomy: str
    score: float
    start: int
    end: int
    text: str
    sentence_start: int
    sentence_end: int
    from_span: bool
    quote: Quote = field(compare=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, the score rounded to 4 places: the ``skills`` of ``pathmatch extract``
        and ``POST /v1/extract``."""
        return {
            "id": self.id,
            "label": self.label,
            "taxonomy": self.taxonomy,
            "score": round(self.score, 4),
            "evidence": {"start": self.start, "end": self.end, "text": self.text},
            "sentence": {"start": self.sentence_start, "end": self.sentence_end},
        }


def linked_skills(
    doc: Doc,
    info: SkillInfo,
    *,
    top_k: int,
    min_score: float | None = None,
    min_sentence_score: float | None = None,
) -> list[SkillLink]:
    """A processed doc's kept skill links: its ranked ESCO skills that clear the score floors.

    Every door renders links with this function (``pathmatch extract``'s ``skills``,
    ``POST /v1/extract``, the skills demand and the program catalog count, intake skills of
    referrals and batch scoring), so the same text gives the same links wherever it enters.
    ESCO only: the counts and the referral logic are over ESCO skills; O*NET tools stay
    visible on the CLI's spans. A skill the ranking has but no span or ranked sentence
    shows is dropped: every kept link has its evidence.

    The floors default to the ones the pipeline's linker set on the doc
    (``doc._.link_floors``: the abstention floors chosen on dev data for the trained linker,
    saved with the pipeline), so every caller keeps the same set; passing them overrides.
    """
    floors = link_floors(doc)
    min_score = floors["span"] if min_score is None else min_score
    min_sentence_score = floors["sentence"] if min_sentence_score is None else min_sentence_score
    spans = _best_spans(doc)
    esco = [(s, score) for s, score in (doc._.ranked_skills or []) if info(s)[1] == "ESCO"]
    kept = kept_skills(
        esco, set(spans), top_k=top_k, min_score=min_score, min_sentence_score=min_sentence_score
    )
    sentences: dict[str, str] = getattr(doc._, "skill_sentences", None) or {}
    finder = _SentenceFinder(doc)
    links = []
    for skill_id, score in kept:
        label, taxonomy = info(skill_id)
        span = spans.get(skill_id)
        if span is not None:
            s_start, s_end = finder.of_span(span)
            start, end, from_span = span.start_char, span.end_char, True
        else:
            found = finder.of_text(sentences.get(skill_id))
            if found is None:
                continue
            s_start, s_end = start, end = found
            from_span = False
        sentence = doc.text[s_start:s_end]
        marks = ((start - s_start, end - s_start),) if from_span else label_marks(sentence, label)
        links.append(
            SkillLink(
                id=skill_id,
                label=label,
                taxonomy=taxonomy,
                score=float(score),
                start=start,
                end=end,
                text=doc.text[start:end],
                sentence_start=s_start,
                sentence_end=s_end,
                from_span=from_span,
                quote=Quote(sentence, marks),
            )
        )
    return links


def link_floors(doc: Doc) -> dict[str, float]:
    """The doc's floors (``span``, ``sentence``, ``span_candidates``) as its pipeline's
    linker set them; :data:`SKILL_MIN_SCORE` etc. when no linker ran."""
    given = getattr(doc._, "link_floors", None) or {}
    return {
        "span": float(given.get("span", SKILL_MIN_SCORE)),
        "sentence": float(given.get("sentence", SENTENCE_MIN_SCORE)),
        "span_candidates": float(given.get("span_candidates", SPAN_CANDIDATES)),
    }


def make_docs(
    nlp: Language, texts: Iterable[str | Doc], contexts: Iterable[Iterable[str]] | None = None
) -> Iterator[Doc]:
    """Tokenized docs carrying their context, for ``nlp.pipe(make_docs(nlp, texts, ...))``.

    ``contexts``: per text, the O*NET-SOC codes the text is about (a posting's normalized
    title, a program's target occupations), set as ``doc._.context_occupations`` so the
    linker can use them; None gives every doc the empty context.
    """
    register_extensions()
    if contexts is None:
        for text in texts:
            yield text if isinstance(text, Doc) else nlp.make_doc(text)
        return
    for text, context in zip(texts, contexts, strict=True):
        doc = text if isinstance(text, Doc) else nlp.make_doc(text)
        doc._.context_occupations = tuple(str(c) for c in context)
        yield doc


def ranking(doc: Doc, info: SkillInfo, *, top_k: int) -> list[dict[str, Any]]:
    """The doc's top-k ESCO ranking, unfiltered: ``pathmatch extract``'s ``ranked``."""
    return [
        _skill(s, score, info) for s, score in (doc._.ranked_skills or []) if info(s)[1] == "ESCO"
    ][:top_k]


class _SentenceFinder:
    """Sentence offsets (whitespace trimmed) of a doc's spans and of its ranked sentences."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._by_text: dict[str, tuple[int, int]] | None = None

    def of_span(self, span: Any) -> tuple[int, int]:
        try:
            sent = span.sent
            return self._trimmed(sent.start_char, sent.end_char)
        except ValueError:  # no sentence boundaries on this doc: cut at punctuation
            return self._trimmed(*sentence_bounds(self.doc.text, span.start_char, span.end_char))

    def of_text(self, sentence: str | None) -> tuple[int, int] | None:
        """Offsets of a sentence the linker ranked (its text, stripped), else None."""
        if not sentence:
            return None
        if self._by_text is None:
            doc = self.doc
            if doc.has_annotation("SENT_START"):
                chunks = list(doc.sents)
            else:  # the linker's own fallback: 40-token windows
                chunks = [doc[i : i + 40] for i in range(0, len(doc), 40)]
            self._by_text = {}
            for chunk in chunks:
                bounds = self._trimmed(chunk.start_char, chunk.end_char)
                self._by_text.setdefault(doc.text[bounds[0] : bounds[1]], bounds)
        if sentence in self._by_text:
            return self._by_text[sentence]
        at = self.doc.text.find(sentence)
        return (at, at + len(sentence)) if at >= 0 else None

    def _trimmed(self, start: int, end: int) -> tuple[int, int]:
        text = self.doc.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end


def _span_links(span: Any) -> list[tuple[str, float]]:
    """A span's linked skills, or its matcher candidates when no linker ran."""
    skills = span._.skills
    if skills is None:
        ids = span._.candidate_ids or []
        skills = list(zip(ids, span._.candidate_scores or [1.0] * len(ids), strict=False))
    return [(str(s), float(score)) for s, score in skills]


def _best_spans(doc: Doc) -> dict[str, Any]:
    """Skill id -> the span linking to it with the highest score (the earliest on ties)."""
    best: dict[str, tuple[float, Any]] = {}
    spans = doc.spans[CANDIDATES_KEY] if CANDIDATES_KEY in doc.spans else []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        for skill_id, score in _span_links(span):
            if skill_id not in best or score > best[skill_id][0]:
                best[skill_id] = (score, span)
    return {skill_id: span for skill_id, (_, span) in best.items()}


def _sentence(span: Any) -> str:
    try:
        return str(span.sent.text).strip()
    except ValueError:  # no sentence boundaries on this doc
        return str(span.text)


def doc_to_record(
    doc: Doc,
    doc_id: Any,
    top_k: int,
    taxonomy: Any = None,
    *,
    info: SkillInfo | None = None,
    min_score: float | None = None,
    min_sentence_score: float | None = None,
) -> dict[str, Any]:
    """The CLI output record of one processed doc (see the module docstring).

    ``taxonomy`` (a SkillTaxonomy) or ``info`` supplies labels; without either, ids are
    their own labels. Spans come from ``doc.spans["skill_candidates"]`` with their
    ``span._.skills`` (falling back to the matcher candidates when no linker ran);
    ``ranked`` is :func:`ranking`, ``skills`` :func:`linked_skills`. A span lists its best
    ``span_candidates`` links (the pipeline's setting) that clear the span floor: what a
    caller can use, not every candidate the linker looked at.
    """
    register_extensions()
    info = info or skill_info_from(taxonomy)
    floors = link_floors(doc)
    span_floor = floors["span"] if min_score is None else min_score
    per_span = min(top_k, int(floors["span_candidates"]))
    spans_out = []
    spans = doc.spans[CANDIDATES_KEY] if CANDIDATES_KEY in doc.spans else []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        spans_out.append(
            {
                "start": span.start_char,
                "end": span.end_char,
                "text": span.text,
                "section": section_at(doc, span.start) or None,
                "skills": [
                    _skill(sid, score, info)
                    for sid, score in _span_links(span)
                    if score >= span_floor
                ][:per_span],
            }
        )
    kept = linked_skills(
        doc, info, top_k=top_k, min_score=min_score, min_sentence_score=min_sentence_score
    )
    return {
        "id": doc_id,
        "spans": spans_out,
        "ranked": ranking(doc, info, top_k=top_k),
        "skills": [link.as_dict() for link in kept],
    }


def error_record(doc_id: Any, error: str) -> dict[str, Any]:
    """The record of an input line that could not be processed (keeps lines aligned)."""
    return {"id": doc_id, "error": error, "spans": [], "ranked": [], "skills": []}


# ---------------------------------------------------------------------------- driver


def extract_file(
    input_path: Path | str,
    output_path: Path | str | None,
    kind: str,
    top_k: int,
    nlp: Language,
    n_process: int = 1,
    batch_size: int = 64,
    *,
    taxonomy: Any = None,
    info: SkillInfo | None = None,
    lock: AbstractContextManager[Any] | None = None,
    min_score: float | None = None,
    min_sentence_score: float | None = None,
    fmt: str = "auto",
    max_chars: int = MAX_CHARS,
    progress: bool = True,
    stderr: IO[str] | None = None,
) -> ExtractStats:
    """Run ``nlp`` over every line of ``input_path``; write JSONL to ``output_path``
    (stdout when None). Warnings and errors go to stderr, each naming its line; a rich
    progress bar too when ``progress``. ``kind`` must match the pipeline's sectioner.
    ``lock`` (the engine's lock of this pipeline) is held while the pipeline runs, since
    spaCy pipelines are not documented as thread-safe.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    input_path = Path(input_path)
    _check_kind(nlp, kind)
    console = Console(file=stderr or sys.stderr)
    info = info or skill_info_from(taxonomy, nlp)
    stats = ExtractStats()
    total = _count_lines(input_path)
    started = time.perf_counter()
    records = read_records(input_path, fmt, max_chars)

    def stream() -> Iterator[tuple[str, InputRecord]]:
        for record in records:
            for message in ([record.error] if record.error else []) + record.warnings:
                _note(
                    stats,
                    console,
                    input_path,
                    record.line,
                    message,
                    "error" if message == record.error else "warning",
                )
            yield ("" if record.error else record.text), record

    out = open(output_path, "w", encoding="utf-8") if output_path else sys.stdout
    columns = (
        TextColumn("extract"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
    )
    floors = {"min_score": min_score, "min_sentence_score": min_sentence_score}
    try:
        with (
            Progress(*columns, console=console, disable=not progress, transient=True) as bar,
            lock or nullcontext(),
        ):
            task = bar.add_task("extract", total=total, rate="")
            docs = nlp.pipe(stream(), as_tuples=True, n_process=n_process, batch_size=batch_size)
            for doc, record in docs:
                out.write(
                    json.dumps(
                        _record_of(doc, record, top_k, info, stats, floors), ensure_ascii=False
                    )
                    + "\n"
                )
                elapsed = time.perf_counter() - started
                bar.update(
                    task, advance=1, rate=f"{stats.records / elapsed:.0f} docs/s" if elapsed else ""
                )
    finally:
        if output_path:
            out.close()
        else:
            out.flush()
    stats.seconds = time.perf_counter() - started
    return stats


def _record_of(
    doc: Doc,
    record: InputRecord,
    top_k: int,
    info: SkillInfo,
    stats: ExtractStats,
    floors: dict[str, float | None],
) -> dict[str, Any]:
    stats.records += 1
    if record.error:
        stats.errors += 1
        return error_record(record.id, f"line {record.line}: {record.error}")
    stats.chars += len(record.text)
    stats.words += len(record.text.split())
    if record.cut:
        stats.truncated += 1
    out = doc_to_record(doc, record.id, top_k, info=info, **floors)
    if record.warnings:
        out["warnings"] = [f"line {record.line}: {w}" for w in record.warnings]
    return out


def _note(
    stats: ExtractStats, console: Any, path: Path, line: int, message: str, level: str
) -> None:
    if level == "warning":
        stats.warnings += 1
    text = f"{level}: {path.name}:{line}: {message}"
    if len(stats.messages) < _MAX_STORED_WARNINGS:
        stats.messages.append(text)
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _count_lines(path: Path) -> int:
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)


def _check_kind(nlp: Language, kind: str) -> None:
    if "sectioner" in nlp.pipe_names:
        built = getattr(nlp.get_pipe("sectioner"), "kind", kind)
        if built != kind:
            raise ValueError(f"pipeline was built for kind {built!r}, not {kind!r}")


def skills_frame(
    nlp: Language,
    ids: list[Any],
    texts: list[str],
    *,
    id_column: str,
    top_k: int = 20,
    min_score: float | None = None,
    min_sentence_score: float | None = None,
    batch_size: int = 64,
    info: SkillInfo | None = None,
    lock: AbstractContextManager[Any] | None = None,
) -> pl.DataFrame:
    """``<id_column>, skill_id, skill_label, score``: each text's linked skills.

    The bridge from extraction to the tables that count skills (demand per occupation,
    skills taught per program): one row per document and linked skill.
    """
    return evidence_frame(
        nlp,
        ids,
        texts,
        id_column=id_column,
        top_k=top_k,
        min_score=min_score,
        min_sentence_score=min_sentence_score,
        batch_size=batch_size,
        info=info,
        lock=lock,
    ).drop(list(EVIDENCE_COLUMNS))


EVIDENCE_COLUMNS = ("sentence", "marks")
"""What :func:`evidence_frame` adds to :func:`skills_frame`: the sentence showing the link
and the supporting words in it (``[start, end]`` pairs, offsets into ``sentence``)."""


def evidence_frame(
    nlp: Language,
    ids: list[Any],
    texts: list[str],
    *,
    id_column: str,
    top_k: int = 20,
    min_score: float | None = None,
    min_sentence_score: float | None = None,
    batch_size: int = 64,
    info: SkillInfo | None = None,
    lock: AbstractContextManager[Any] | None = None,
    contexts: Sequence[Sequence[str]] | None = None,
) -> pl.DataFrame:
    """``skills_frame`` plus :data:`EVIDENCE_COLUMNS`: the words that show each skill.

    Explanations quote them in their sentence (``teaches medication administration:
    "...covers pharmacology and **medication administration** for..."``, see
    :class:`Quote`), so a reader can check the link against the text. Rows are
    :func:`linked_skills` of each text (cleaned like the CLI's input); ``lock`` is held
    while ``nlp`` runs. ``contexts``: per text, the O*NET-SOC codes it is about (see
    :func:`make_docs`).
    """
    info = info or skill_info_from(None, nlp)
    cleaned = [clean_text(t or "")[0] for t in texts]
    with lock or nullcontext():  # docs are rendered as they come, never all held at once
        links = [
            linked_skills(
                doc, info, top_k=top_k, min_score=min_score, min_sentence_score=min_sentence_score
            )
            for doc in nlp.pipe(make_docs(nlp, cleaned, contexts), batch_size=batch_size)
        ]
    return links_frame(ids, links, id_column=id_column)


def links_frame(
    ids: Iterable[Any], links: Iterable[list[SkillLink]], *, id_column: str
) -> pl.DataFrame:
    """``<id_column>, skill_id, skill_label, score, sentence, marks``: one row per link."""
    rows = [
        (
            doc_id,
            link.id,
            link.label,
            link.score,
            link.quote.sentence,
            [list(mark) for mark in link.quote.marks],
        )
        for doc_id, found in zip(ids, links, strict=True)
        for link in found
    ]
    return pl.DataFrame(
        rows,
        schema={
            id_column: pl.String,
            "skill_id": pl.String,
            "skill_label": pl.String,
            "score": pl.Float64,
            "sentence": pl.String,
            "marks": pl.List(pl.List(pl.Int64)),
        },
        orient="row",
    )


def kept_skills(
    ranked: list[tuple[str, float]],
    span_linked: set[str],
    *,
    top_k: int,
    min_score: float,
    min_sentence_score: float | None = None,
) -> list[tuple[str, float]]:
    """The first ``top_k`` of ``ranked`` that clear their bar: ``min_score`` for a skill a
    span links to, ``min_sentence_score`` (default ``min_score``) for a sentence-only one."""
    bar = min_score if min_sentence_score is None else min_sentence_score
    return [(s, score) for s, score in ranked if score >= (min_score if s in span_linked else bar)][
        :top_k
    ]
