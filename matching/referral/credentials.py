"""Credentials a participant holds, and a program's prerequisite text read as checks.

A case manager refers on what the person *has*, so a credential counts as held only when the
intake text or a past job title says so in words that mean holding it ("got forklift cert",
"have A+", "CNA 3 yrs", "CDL-A"). The words around the name decide:

- negation before it in the same clause ("no forklift cert", "no civilian CDL yet") -> not held;
- "working on", "studying", "enrolled" -> working on (not held yet);
- "expired", "lapsed" anywhere in the clause -> expired (not held);
- a wish before it ("want CNA", "need LPN", "thinking LPN", "forklift?") -> wanted, not held.

A past job alone never makes a credential held ("Driver Helper" is not a CDL-B, a home health
aide is not a CNA). Where working in the occupation legally requires the credential
(``LEGALLY_REQUIRED``: a nursing assistant in a NJ nursing facility needs a CNA, an LPN a
licence, a heavy truck driver a CDL) the credential is "to confirm", never held: the referral
says so and the case manager checks the card. A helper, trainee or apprentice title assists the
licensed worker and implies nothing.

A program's prerequisite text ("Current New Jersey CNA certification; High School Diploma or
GED; TEAS entrance exam") is split at ';' into requirements, each of alternatives split at
'or'; each requirement becomes one ``Check`` with status met, unmet or to_confirm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matching.schemas import EducationLevel

HELD, WORKING_ON, EXPIRED, NOT_HELD, WANTED, UNSTATED = (
    "held",
    "working_on",
    "expired",
    "not_held",
    "wanted",
    "unstated",
)
MET, UNMET, TO_CONFIRM = "met", "unmet", "to_confirm"


@dataclass(frozen=True)
class Credential:
    """One credential as people write it: ``pattern`` matches its names (lower case)."""

    key: str
    label: str
    pattern: str
    ladder: str | None = None
    rung: int = 0


CREDENTIALS: tuple[Credential, ...] = (
    Credential(
        "cdl_a", "CDL Class A", r"\bcdl[\s-]*(?:class[\s-]*)?a\b|\bclass[\s-]*a\b", "cdl", 2
    ),
    Credential(
        "cdl_b", "CDL Class B", r"\bcdl[\s-]*(?:class[\s-]*)?b\b|\bclass[\s-]*b\b", "cdl", 1
    ),
    Credential(
        "cdl", "CDL", r"\bcdl\b(?![\s-]*(?:class[\s-]*)?[ab]\b)|commercial driver", "cdl", 1
    ),
    Credential("rn", "RN license", r"\brn\b|registered nurse", "nursing", 3),
    Credential(
        "lpn", "LPN license", r"\blpn\b|licensed practical nurse|practical nurs", "nursing", 2
    ),
    Credential(
        "cna",
        "CNA certification",
        r"\bcna\b|certified nurs(?:e|ing) (?:aide|assistant)",
        "nursing",
        1,
    ),
    Credential("chha", "CHHA certification", r"\bchha\b|certified home health aide"),
    Credential("forklift", "forklift certification", r"\bforklift\b"),
    Credential("comptia_a", "CompTIA A+", r"(?<![a-z])a\+"),
    Credential("comptia_net", "CompTIA Network+", r"\bnet(?:work)?\+"),
    Credential("aws_d11", "AWS D1.1 welding certification", r"\baws\b|\bd1\.1\b|welding i\b"),
    Credential("medical_assistant", "medical assistant certificate", r"medical assist"),
    Credential("drivers_license", "driver's license", r"driver'?s'? licen[cs]e"),
    Credential("dot_card", "DOT medical card", r"\bdot medical card\b|\bmedical card\b"),
    Credential("google_it", "Google IT Support certificate", r"google it support"),
)
BY_KEY = {c.key: c for c in CREDENTIALS}

LEGALLY_REQUIRED: dict[str, tuple[str, str]] = {
    "31-1131": ("cna", "NJ nursing facilities employ certified nurse aides only"),
    "29-2061": ("lpn", "practising as an LPN requires a state licence"),
    "29-1141": ("rn", "practising as an RN requires a state licence"),
    "53-3032": ("cdl_b", "driving a heavy truck requires a CDL (Class A for tractor-trailers)"),
    "31-1121": ("chha", "NJ home health aides must be certified (CHHA)"),
    "53-7051": ("forklift", "OSHA 29 CFR 1910.178 requires forklift operator certification"),
}
ASSISTING_TITLE = re.compile(r"\b(?:helper|assistant to|trainee|apprentice|aide to)\b", re.I)

SENTENCE_SPLIT = re.compile(r"[.;!\n]+")
SEGMENT_SPLIT = re.compile(r",\s+|\s+\+\s+")
NEGATION = re.compile(r"\b(?:no|not|without|never|dont|don't|do not|lack|missing)\b")
WORKING = re.compile(
    r"\b(?:working on|studying|enrolled|in school for|taking (?:a |the )?class|in progress)\b"
)
LAPSED = re.compile(r"\b(?:expired|lapsed|lapse|expire[sd]?|revoked|suspended)\b")
WISH = re.compile(
    r"\b(?:want(?:s|ed)?|need(?:s)?|would like|hop(?:e|ing)|interested|thinking|plan(?:ning)?|"
    r"maybe|someday|goal|looking for|start w/|start with)\b"
)
HOLDING = re.compile(
    r"\b(?:have|has|had|got|hold|holding|earned|current|certified|licensed|passed)\b"
)


def _clauses(text: str) -> list[str]:
    return [
        seg.strip()
        for sentence in SENTENCE_SPLIT.split(text.lower())
        for seg in SEGMENT_SPLIT.split(sentence)
        if seg.strip()
    ]


def status_in(text: str, credential: Credential) -> str:
    """The credential's status as ``text`` states it (module docstring); ``UNSTATED`` when
    the text never names it. Negation, a lapse and "working on" are read in the mention's
    own segment (a sentence split at commas and ' + '); a wish anywhere earlier in the
    sentence makes a later mention wanted ("want to be a nurse, CNA first then LPN") unless a
    holding word stands in its segment ("want help desk, have Google IT support cert").
    Over several mentions held beats wanted ("CNA 2 yrs want LPN" holds a CNA)."""
    found: list[str] = []
    for sentence in SENTENCE_SPLIT.split(text.lower()):
        prefix = ""
        for segment in SEGMENT_SPLIT.split(sentence):
            found += _segment_statuses(segment, prefix, credential)
            prefix += " " + segment
    if not found:
        return UNSTATED
    for status in (HELD, EXPIRED, NOT_HELD, WORKING_ON, WANTED):
        if status in found:
            return status
    return UNSTATED


def _segment_statuses(segment: str, prefix: str, credential: Credential) -> list[str]:
    out: list[str] = []
    if credential.key == "cdl" and _names_class(segment):
        return out
    for match in re.finditer(credential.pattern, segment):
        before, after = segment[: match.start()], segment[match.end() :]
        if LAPSED.search(segment):
            out.append(EXPIRED)
        elif NEGATION.search(before[-40:]):
            out.append(NOT_HELD)
        elif WORKING.search(before):
            out.append(WORKING_ON)
        elif HOLDING.search(before):
            out.append(HELD)
        elif WISH.search(prefix + " " + before) or after.lstrip().startswith("?"):
            out.append(WANTED)
        else:
            out.append(HELD)  # "CNA 3 yrs", "drove box truck CDL B", "truck driver ... CDL-A"
    return out


def _names_class(clause: str) -> bool:
    return re.search(BY_KEY["cdl_a"].pattern + "|" + BY_KEY["cdl_b"].pattern, clause) is not None


def held_credentials(text: str) -> dict[str, str]:
    """``key -> status`` for every credential in ``CREDENTIALS`` the text names. A higher
    rung held implies the lower ones on its ladder (an RN has passed an LPN's scope; a CDL-A
    covers Class B vehicles)."""
    out = {c.key: s for c in CREDENTIALS if (s := status_in(text, c)) != UNSTATED}
    for c in CREDENTIALS:
        if out.get(c.key) != HELD or c.ladder is None:
            continue
        for lower in CREDENTIALS:
            if lower.ladder == c.ladder and lower.rung < c.rung and lower.key not in out:
                out[lower.key] = HELD
    return out


@dataclass(frozen=True)
class PastJob:
    """A past job as the credential reader needs it: the typed title and its occupation."""

    title: str
    code: str
    occupation_title: str


def to_confirm_by_job(jobs: Iterable[PastJob]) -> dict[str, str]:
    """``credential key -> why`` for credentials a past occupation legally requires: to be
    confirmed, never counted held. A helper/trainee title implies nothing."""
    out: dict[str, str] = {}
    for job in jobs:
        need = LEGALLY_REQUIRED.get(job.code[:7])
        if need is None or ASSISTING_TITLE.search(job.title):
            continue
        out.setdefault(need[0], f"the past job as {job.occupation_title}: {need[1]}")
    return out


def credential_of(text: str) -> Credential | None:
    """The highest-rung credential ``text`` names (a program's name or an award:
    "CDL Class B to Class A Upgrade" -> CDL Class A), None when it names none."""
    lowered = text.lower()
    hits = [c for c in CREDENTIALS if re.search(c.pattern, lowered)]
    if not hits:
        return None
    return max(hits, key=lambda c: (c.rung, -CREDENTIALS.index(c)))


# ----------------------------------------------------------------------------- prerequisites


@dataclass(frozen=True)
class Check:
    """One requirement of a program's prerequisite text and whether the participant meets it."""

    requirement: str
    kind: str  # education | age | credential | experience | enrollment
    status: str  # met | unmet | to_confirm
    why: str

    def sentence(self) -> str:
        word = {MET: "met", UNMET: "not met", TO_CONFIRM: "to confirm"}[self.status]
        return f"{self.requirement}: {word} ({self.why})"


@dataclass(frozen=True)
class Applicant:
    """What the checks read: stated credentials, legally implied ones, education, the past
    jobs and the intake text (for experience)."""

    statuses: dict[str, str]
    implied: dict[str, str]
    education: EducationLevel | None
    jobs: Sequence[PastJob]
    text: str


HS_WORDS = re.compile(r"high school|\bged\b|\bhse\b|\bhiset\b|equivalency|diploma", re.I)
AGE_WORDS = re.compile(r"\bage\b|years or older|\d{2}\+|or older", re.I)
ENROLLMENT_WORDS = re.compile(
    r"exam|test|assessment|placement|background|physical|screen|interview|pre-work|"
    r"drug|immuni[sz]|record\b",
    re.I,
)
EXPERIENCE_WORDS = re.compile(r"experience|employment as|\brole\b|years? of|months? of", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "nine": 9}
DURATION = re.compile(r"\b(\d+|one|two|three|four|five|six|nine)\s*(years?|yrs?|months?|mos?)\b")
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("manufactur", "production", "plant", "machine operator", "assembler", "cnc"),
    "team lead": ("lead", "supervisor", "key holder", "foreman", "trained new"),
    "help desk": ("help desk", "helpdesk", "desktop support", "it support"),
    "network": ("network",),
    "lpn": ("lpn", "licensed practical nurse"),
    "medical assistant": ("medical assistant",),
}
EDUCATION_AT_LEAST_HS = {level for level in EducationLevel if level not in (EducationLevel.NONE,)}


def prerequisite_checks(text: str | None, who: Applicant) -> list[Check]:
    """The program's prerequisite text as checks; an item that says no diploma is needed, or
    'None', adds no check."""
    checks: list[Check] = []
    for item in re.split(r";", text or ""):
        item = item.strip().rstrip(".")
        if not item or re.fullmatch(r"none\b.*", item, re.I) and "must" not in item.lower():
            continue
        if re.search(r"no (?:high school )?diploma (?:is )?required", item, re.I):
            continue
        checks.append(_check(item, who))
    return checks


def _check(item: str, who: Applicant) -> Check:
    """The best status over the item's alternatives ("A+ certification or nine months of
    help desk experience": either one meets it)."""
    alternatives = [a.strip() for a in re.split(r"\bor\b(?! older)", item, flags=re.I) if a.strip()]
    if HS_WORDS.search(item) and not EXPERIENCE_WORDS.search(item):
        return _education(item, who)
    results = [_alternative(a, who) for a in alternatives] or [
        Check(item, "enrollment", TO_CONFIRM, "checked at enrolment")
    ]
    order = {MET: 0, TO_CONFIRM: 1, UNMET: 2}
    best = min(results, key=lambda c: order[c.status])
    return Check(item, best.kind, best.status, best.why)


def _education(item: str, who: Applicant) -> Check:
    if who.education is None:
        return Check(item, "education", TO_CONFIRM, "education not recorded")
    if who.education in EDUCATION_AT_LEAST_HS:
        return Check(item, "education", MET, f"education recorded: {who.education.value}")
    return Check(item, "education", UNMET, "no diploma or equivalency recorded")


def _alternative(text: str, who: Applicant) -> Check:
    if AGE_WORDS.search(text) and not EXPERIENCE_WORDS.search(text):
        return Check(text, "age", TO_CONFIRM, "age is not part of the intake")
    if EXPERIENCE_WORDS.search(text):
        return _experience(text, who)
    credential = credential_of(text)
    if credential is not None:
        return _credential(text, credential, who)
    return Check(text, "enrollment", TO_CONFIRM, "checked by the provider at enrolment")


def _credential(text: str, credential: Credential, who: Applicant) -> Check:
    status = who.statuses.get(credential.key, UNSTATED)
    if status == HELD:
        return Check(text, "credential", MET, f"the participant says they hold {credential.label}")
    if status in (EXPIRED, NOT_HELD, WORKING_ON):
        said = {EXPIRED: "has lapsed", NOT_HELD: "is not held", WORKING_ON: "is in progress"}
        return Check(
            text, "credential", UNMET, f"the participant says {credential.label} {said[status]}"
        )
    if credential.key in who.implied:
        return Check(text, "credential", TO_CONFIRM, who.implied[credential.key])
    if credential.key in ("drivers_license", "dot_card"):
        return Check(text, "credential", TO_CONFIRM, "not stated at intake")
    return Check(text, "credential", UNMET, f"{credential.label} not stated at intake")


def _experience(text: str, who: Applicant) -> Check:
    """Experience: a past job title or an intake clause in the field, with its stated
    length against the required one; the field without a length is to confirm."""
    lowered = text.lower()
    fields = [f for f in FIELD_WORDS if f in lowered] or [_core_field(lowered)]
    needed = _months(lowered)
    sources = [j.title.lower() + " " + j.occupation_title.lower() for j in who.jobs]
    sources += _clauses(who.text)
    best: Check | None = None
    for field_name in fields:
        words = FIELD_WORDS.get(field_name, (field_name,))
        for source in sources:
            if not field_name or not any(w in source for w in words):
                continue
            have = _months(source)
            if needed is None or (have is not None and have >= needed):
                return Check(
                    text,
                    "experience",
                    MET,
                    f"{field_name} experience stated"
                    + (
                        f" ({have // 12 if have >= 12 else have} "
                        f"{'years' if have >= 12 else 'months'})"
                        if have
                        else ""
                    ),
                )
            best = Check(
                text, "experience", TO_CONFIRM, f"{field_name} experience stated; its length is not"
            )
    return best or Check(
        text, "experience", UNMET, "no such experience in the intake or the past jobs"
    )


def _core_field(text: str) -> str:
    stripped = re.sub(
        r"\b(?:current|one|two|three|nine|\d+|years?|months?|of|work|experience|equivalent|"
        r"employment|as|an?|the|role|in)\b",
        " ",
        text,
    )
    return " ".join(stripped.split())


def _months(text: str) -> int | None:
    found = DURATION.search(text)
    if found is None:
        return None
    n = int(NUMBER_WORDS.get(found.group(1), 0) or found.group(1))
    return n * 12 if found.group(2).startswith("y") else n
