"""Rule-based sectioning of postings, so boilerplate is never mined for skills.

Equal-opportunity statements, benefits lists, company blurbs and application instructions
name plenty of taxonomy labels ("disability", "insurance", "marketing") that are not skills
the job asks for; peers report them as their largest source of false positives. The
``pathmatch_sectioner`` component labels every part of a doc with a section name and the
matcher and detector skip the :data:`BOILERPLATE` ones.

How postings look (measured on the 1,165 LinkedIn postings in ``shared/data/postings``):
headings are lines ("Responsibilities", "What We Offer"), "Heading:" prefixes, or - since the
scrape dropped most line breaks - glued into the text ("...inclusion.Who you are:You must",
"Job descriptionA leading firm", "Full-timePay: $18"). So headings are found at the
character level, at a *boundary* (start of text or line, after sentence punctuation or a
bullet, or glued after a lower-case letter when the heading is capitalized) and followed by a
colon, a line break, or a glued capital. The heading lexicon (:data:`HEADINGS`) maps phrases
to section labels; text before the first heading is ``summary``.

Headings are not enough (about a third of the postings have none, and EEO statements are
often a bare last paragraph), so each *segment* (sentence, line or bullet) is also checked
against boilerplate phrase patterns (:data:`BOILERPLATE_PATTERNS`: "equal opportunity
employer", "without regard to race", "401(k)", "founded in 1987", "send your resume") and
relabelled on a match. The reverse also holds: a segment inside a boilerplate section that
reads like a requirement ("3+ years of experience with", "ability to", "must have") is
relabelled ``other`` and mined, because a company blurb heading is sometimes the last
heading before the real job text.

For kind ``course`` and ``intake`` there is no boilerplate: everything is ``body`` except
obvious noise (a segment that is only a URL, e-mail, phone number or markup) labelled
``noise``. Intake fragments ("5 yrs cashier, handled cash + inventory") are also split into
sentences at commas and semicolons, so each fragment is linked on its own.

The component also sets the sentence starts: spaCy's ``sentencizer`` rule (vectorized: the
stock component's loop costs a millisecond per posting), plus section boundaries and line
breaks, which keeps glued headings out of sentences. The pipeline needs no sentencizer.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy
from spacy.language import Language, create_tokenizer
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.types import Ints2d

from matching.nlp.extraction import KINDS, SECTIONS_KEY, pipe_in_batches, register_extensions

SECTION_LABELS = (
    "summary",
    "responsibilities",
    "requirements",
    "qualifications",
    "details",
    "benefits",
    "eeo",
    "company",
    "application",
    "other",
    "body",
    "noise",
)
BOILERPLATE = frozenset({"benefits", "eeo", "company", "application", "noise"})
"""Sections never mined for skills. ``noise`` (URL/e-mail/markup-only segments) extends
the contract's four; ``details`` (title, location, department lines) is mined."""

HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": (
        "job description",
        "position description",
        "job summary",
        "position summary",
        "role summary",
        "summary",
        "overview",
        "position overview",
        "role overview",
        "job overview",
        "the opportunity",
        "opportunity",
        "about the role",
        "about the job",
        "about the position",
        "about this role",
        "about this job",
        "about this position",
        "about the opportunity",
        "the role",
        "role",
        "your role",
        "the position",
        "position",
        "purpose",
        "job purpose",
        "position purpose",
        "description",
        "general summary",
        "description of duties",
        "introduction",
        "role description",
        "job description summary",
        "general statement",
        "position information",
    ),
    "responsibilities": (
        "responsibilities",
        "key responsibilities",
        "job responsibilities",
        "primary responsibilities",
        "essential responsibilities",
        "main responsibilities",
        "major responsibilities",
        "general responsibilities",
        "your responsibilities",
        "position responsibilities",
        "responsibilities include",
        "responsibilities will include",
        "roles and responsibilities",
        "roles & responsibilities",
        "role and responsibilities",
        "role & responsibilities",
        "duties and responsibilities",
        "duties & responsibilities",
        "duties/responsibilities",
        "responsibilities and duties",
        "essential duties",
        "essential duties and responsibilities",
        "essential job duties",
        "essential functions",
        "essential job functions",
        "essential functions and responsibilities",
        "primary duties",
        "primary duties include",
        "job duties",
        "job duties and responsibilities",
        "duties",
        "duties include",
        "key duties",
        "principal duties",
        "key accountabilities",
        "accountabilities",
        "tasks",
        "key tasks",
        "what you will do",
        "what you'll do",
        "what you will be doing",
        "what you'll be doing",
        "what you do",
        "in this role, you will",
        "in this role you will",
        "you will",
        "how you will make an impact",
        "how you'll make an impact",
        "day to day",
        "a day in the life",
        "the work",
        "the job",
        "what the job involves",
        "supervisory responsibilities",
        "specific responsibilities",
    ),
    "requirements": (
        "requirements",
        "job requirements",
        "position requirements",
        "minimum requirements",
        "basic requirements",
        "key requirements",
        "the requirements",
        "requirements include",
        "skills",
        "required skills",
        "skills required",
        "key skills",
        "top skills",
        "preferred skills",
        "desired skills",
        "desired skills and experience",
        "required skills/abilities",
        "required skills and abilities",
        "skills and abilities",
        "skills & abilities",
        "knowledge, skills and abilities",
        "knowledge, skills, and abilities",
        "knowledge, skills & abilities",
        "knowledge and skills",
        "skills and experience",
        "skills & experience",
        "technical skills",
        "soft skills",
        "competencies",
        "core competencies",
        "required competencies",
        "what you will need",
        "what you'll need",
        "what you need",
        "what you bring",
        "what you'll bring",
        "what you will bring",
        "what we're looking for",
        "what we are looking for",
        "who you are",
        "about you",
        "you have",
        "you are",
        "must have",
        "must haves",
        "must-haves",
        "nice to have",
        "nice to haves",
        "bonus points",
        "experience",
        "experience required",
        "required experience",
        "preferred experience",
        "experience and education",
        "education",
        "education and experience",
        "education/experience",
        "education and/or experience",
        "required education",
        "education requirements",
        "educational background",
        "license/certification",
        "licenses/certifications",
        "licensure",
        "certifications",
        "certification",
        "licenses and certifications",
        "license and certification",
        "physical requirements",
        "physical demands",
        "physical demands and work environment",
        "working conditions",
        "language skills",
        "computer skills",
        "ideal candidate",
        "the ideal candidate",
        "ideal candidate profile",
        "candidate profile",
        "who we are looking for",
        "the candidate",
        "minimum education",
        "preferred education",
        "required education and experience",
        "preferred education and experience",
        "eligibility requirements",
        "knowledge/skills/abilities",
        "knowledge & experience",
        "knowledge and experience",
        "what will make you successful",
        "what makes you successful",
        "knowledge",
        "abilities",
        "licenses",
        "certificates",
    ),
    "qualifications": (
        "qualifications",
        "minimum qualifications",
        "preferred qualifications",
        "required qualifications",
        "basic qualifications",
        "key qualifications",
        "desired qualifications",
        "job qualifications",
        "position qualifications",
        "qualifications and skills",
        "qualifications & skills",
        "skills and qualifications",
        "skills & qualifications",
        "education and qualifications",
        "qualifications required",
        "your qualifications",
        "additional qualifications",
        "qualifications and experience",
        "experience and qualifications",
        "qualification",
        "minimum qualification",
        "qualifications/requirements",
        "requirements/qualifications",
        "requirements and qualifications",
        "qualifications and requirements",
    ),
    "details": (
        "job title",
        "title",
        "position title",
        "job position",
        "reports to",
        "reporting to",
        "department",
        "division",
        "job category",
        "category",
        "job id",
        "req id",
        "requisition id",
        "requisition",
        "job code",
        "position type",
        "employment type",
        "employee status",
        "type of hire",
        "recruitment type",
        "job type",
        "job types",
        "location",
        "locations",
        "work location",
        "job location",
        "office location",
        "work setting",
        "work environment",
        "travel",
        "travel required",
        "remote",
        "duration",
        "start date",
        "flsa status",
        "exempt status",
        "classification",
        "experience level",
        "seniority level",
        "industry",
        "job family",
        "state role title",
        "job details",
        "primary location",
        "job level",
        "work authorization/sponsorship",
        "work authorization",
        "sponsorship",
        "travel requirements",
        "job number",
        "shift type",
        "position details",
        "job info",
        "job information",
    ),
    "benefits": (
        "benefits",
        "our benefits",
        "benefits and perks",
        "benefits & perks",
        "perks",
        "perks and benefits",
        "perks & benefits",
        "what we offer",
        "what we offer you",
        "we offer",
        "what you will get",
        "what you'll get",
        "what you get",
        "why join us",
        "why you'll love working here",
        "why work with us",
        "why work for us",
        "why join our team",
        "compensation",
        "compensation and benefits",
        "compensation & benefits",
        "compensation package",
        "total compensation",
        "compensation range",
        "salary",
        "salary range",
        "salary and benefits",
        "pay",
        "pay range",
        "pay rate",
        "hourly rate",
        "hourly pay",
        "base salary",
        "base pay",
        "hiring range",
        "pay band",
        "wage",
        "wages",
        "schedule",
        "work schedule",
        "weekly schedule",
        "shift",
        "shifts",
        "hours",
        "expected hours",
        "working hours",
        "work hours",
        "hours per week",
        "supplemental pay",
        "supplemental pay types",
        "total rewards",
        "retirement",
        "health benefits",
        "health",
        "in return",
        "growth opportunities",
        "professional development",
        "on target earnings",
        "bonus",
        "incentives",
        "paid time off",
        "pto",
        "insurance",
        "time off",
        "time off program",
        "vacation",
        "holidays",
        "rewards",
        "salary range information",
        "pension eligible",
        "pension",
        "what you will love",
        "what you'll love",
    ),
    "eeo": (
        "equal opportunity employer",
        "equal opportunity",
        "equal employment opportunity",
        "equal employment opportunity statement",
        "eeo",
        "eeo statement",
        "eoe",
        "eeo/aa",
        "diversity",
        "diversity and inclusion",
        "diversity & inclusion",
        "diversity statement",
        "diversity, equity and inclusion",
        "diversity, equity, and inclusion",
        "diversity, equity & inclusion",
        "dei",
        "non-discrimination",
        "nondiscrimination",
        "non-discrimination statement",
        "accommodations",
        "reasonable accommodation",
        "reasonable accommodations",
        "accommodation",
        "disclaimer",
        "legal disclaimer",
        "e-verify",
        "pay transparency",
        "pay transparency notice",
        "fair chance",
        "privacy notice",
        "notice",
        "important notice",
        "additional notice",
        "investment code of ethics",
        "code of ethics",
    ),
    "company": (
        "about us",
        "about the company",
        "about the organization",
        "about the organisation",
        "about the team",
        "about our team",
        "about our company",
        "about our client",
        "about the client",
        "about the employer",
        "about the firm",
        "about the agency",
        "about the department",
        "who we are",
        "company overview",
        "company description",
        "company profile",
        "company information",
        "our company",
        "our story",
        "our mission",
        "our culture",
        "our values",
        "our vision",
        "our team",
        "the company",
        "company",
        "organization",
        "organization overview",
        "agency",
        "agency overview",
        "culture",
        "mission",
        "mission statement",
        "our client",
        "the client",
        "about",
        "a bit about us",
        "a little about us",
        "more about us",
        "why work here",
    ),
    "application": (
        "how to apply",
        "to apply",
        "application process",
        "application instructions",
        "application requirements",
        "apply",
        "apply now",
        "application",
        "next steps",
        "contact",
        "contact us",
        "contact information",
        "contact info",
        "contact number",
        "email",
        "e-mail",
        "phone",
        "website",
        "address",
        "note",
        "notes",
        "please note",
        "additional information",
        "other information",
        "keywords",
        "tips",
        "hashtags",
        "referral",
        "referrals",
        "send resume to",
        "interested",
        "recruiter",
        "posting window",
        "posting date",
        "original posting date",
        "most recently posted date",
        "unposting date",
        "application deadline",
        "closing date",
        "applying instructions",
        "special instructions",
        "linkedin remote hashtag",
        "hashtag",
    ),
}
"""Heading phrase -> section label (lower case; matched case-insensitively)."""

BOILERPLATE_PATTERNS: dict[str, tuple[str, ...]] = {
    "eeo": (
        r"equal (?:employment )?opportunit(?:y|ies)(?: and affirmative action)? employer",
        r"\beoe\b",
        r"\beeo\b",
        r"affirmative action",
        r"without regard to",
        r"regardless of (?:their )?(?:race|age|sex|gender|religion|colou?r|national origin|"
        r"disability|sexual orientation|veteran|creed|ancestry|marital)",
        r"national origin",
        r"sexual orientation",
        r"gender identity",
        r"veteran status",
        r"genetic information",
        r"marital status",
        r"protected (?:veteran|characteristic|class|"
        r"status|by (?:federal|state|local|applicable) law)",
        r"reasonable accommodations?",
        r"\b(?:e-verify|everify)\b",
        r"drug[- ]free (?:workplace|employer)",
        r"(?:celebrate|celebrates|value|values|embrace|embraces) diversity",
        r"committed to (?:creating |building |fostering |providing |maintaining )?(?:an? )?"
        r"(?:diverse|inclusive|equitable)",
        r"diversity,? equity,? (?:and |& )?inclusion",
        r"pay transparency",
        r"fair chance (?:ordinance|act|initiative|employer)",
        r"(?:arrest|conviction) records?",
        r"in accordance with (?:applicable )?(?:federal|state|local)",
        r"americans with disabilities act",
        r"\bada\b.{0,40}accommodat",
        r"(?:will|may) not (?:be )?discriminat",
        r"does not discriminate",
        r"(?:all|qualified) applicants will receive consideration",
        r"background check.{0,60}(?:in accordance|consistent with|applicable law)",
        r"(?:unsolicited|third-party|third party) (?:resumes|agencies|recruiters)",
    ),
    "benefits": (
        r"\b401\s?\(?k\)?",
        r"\b403\s?\(?b\)?",
        r"(?:medical|health|dental|vision|life|disability|pet) (?:insurance|coverage|plans?|"
        r"benefits)(?!\s+(?:organi[sz]ations?|compan(?:y|ies)|industry|providers?|carriers?|"
        r"claims|sector|agency|field|market|clients?|customers?|products?|billing|"
        r"verification|plans? members?))",
        r"(?:medical|health),? (?:dental|vision)",
        r"paid time off",
        r"welfare benefits",
        r"\btime off\b",
        r"(?:range|salary|pay) estimate",
        r"leave bank",
        r"wellness (?:reimbursement|stipend|plan|days?|program|benefits)",
        r"(?:career|professional) (?:growth|advancement|development) opportunities",
        r"\bpto\b",
        r"paid (?:holidays|vacation|sick|parental|leave)",
        r"tuition (?:reimbursement|assistance)",
        r"employee (?:discounts?|assistance program)",
        r"competitive (?:salary|pay|compensation|wages?|benefits|base)",
        r"benefits? (?:package|include|including|offered|program)",
        r"flexible spending",
        r"\bhsa\b",
        r"\bfsa\b",
        r"retirement (?:plan|savings|benefits)",
        r"pension",
        r"(?:salary|pay|compensation|hiring|wage) (?:range|band|scale)",
        r"\$\s?\d[\d,.]*k?\s*(?:-|–|to)\s*\$?\s?\d",
        r"\$\s?\d[\d,.]*\+?\s*(?:/|per |an? )\s*(?:hour|hr|year|yr|annum|week|month)",
        r"sign[- ]on bonus",
        r"(?:parental|maternity|paternity) leave",
        r"commuter benefits",
        r"stock options",
        r"(?:annual|performance|referral) bonus",
        r"job types?: *(?:full|part)",
        r"employment type: *(?:full|part)",
        r"hours: *\d",
        r"\boffers?\b.{0,80}\b(?:benefits|insurance|bonus|401|pto|retirement|perks)",
        r"(?:work|life) balance",
        r"generous (?:pto|vacation|benefits|time off)",
    ),
    "company": (
        r"\b(?:is a|is an|is the|is one of the|are a|are an|are the|are one of the|has been a|"
        r"has been an|has been the|has been one of the) (?:leading|premier|global|national|"
        r"nationwide|world|international|fast[- ]growing|trusted|top|largest|leader|provider|"
        r"family|full[- ]service|award|innovative|growing|well[- ]established|established|"
        r"privately|publicly|non-?profit|certified|diversified|dynamic|rapidly|industry)",
        r"\b(?:founded|incorporated) in\b",
        r"\bestablished in \d{4}",
        r"\bheadquartered in\b",
        r"for (?:over|more than|nearly|almost) (?:\d+|a|two|three|four|five) "
        r"(?:years|decades|century)",
        r"\bour mission (?:is|has)",
        r"\bfortune \d+",
        r"\bnyse\b",
        r"\bnasdaq\b",
        r"(?:we are|we're) (?:an? |the )(?:leading|global|premier|national|fast|growing|family|"
        r"nonprofit|non-profit|privately|publicly|proud|independent|award|trusted|company|firm|"
        r"provider|manufacturer|distributor|team of)",
        r"(?:learn more|visit us|for more information)\b.{0,60}(?:www\.|https?://|\.com|website)",
        r"(?:offices|locations|employees|team members|associates) (?:in|across) "
        r"(?:\d+|over|more than)",
        r"(?:has|have) been (?:serving|providing|helping)",
        r"(?:family|employee)[- ]owned",
        r"\bsince (?:18|19|20)\d\d\b",
        r"(?:voted|named|recognized as) (?:one of )?(?:the )?(?:best|top)",
        r"\b(?:subsidiary|division|affiliate) of\b",
    ),
    "application": (
        r"\bto apply\b",
        r"\bapply (?:now|today|online|at|via|through|here|by)\b",
        r"(?:send|submit|email|e-mail) (?:your|a|us your|us a|an updated|your updated) "
        r"(?:resume|cv|application|cover letter)",
        r"click (?:the )?(?:apply|link)",
        r"(?:resume|cv)s? to \S+@",
        r"interested (?:candidates|applicants|parties)",
        r"only (?:shortlisted|selected|qualified) (?:candidates|applicants)",
        r"no (?:phone calls|agencies|recruiters)",
        r"(?:job|req|requisition) (?:id|#)\s*:?\s*\w",
        r"\bwww\.\S+",
        r"https?://\S+",
        r"@[\w-]+\.[a-z]{2,}",
        r"\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b",
        r"#li-\w+",
        r"\bposted (?:on|date)",
    ),
}
"""Segment-level patterns (lower case; matched on the lower-cased text) marking boilerplate."""

REQUIREMENT_CUES = (
    r"\d\+? (?:years|yrs)(?: of)? (?:\w+ )?experience",
    r"experience (?:in|with|of)\b",
    r"\bability to\b",
    r"\bable to\b",
    r"\bmust (?:have|be|possess)\b",
    r"\bresponsible for\b",
    r"\bknowledge of\b",
    r"\bproficien(?:t|cy) (?:in|with)\b",
    r"\bdegree in\b",
    r"\bskills? (?:in|with)\b",
    r"\bfamiliar(?:ity)? with\b",
    r"\byou will\b",
    r"\bduties include\b",
    r"\bideal candidate\b",
    r"\bcandidates? (?:will|should|must)\b",
    r"\bexperience (?:is )?(?:required|preferred)\b",
    r"\bcertification in\b",
    r"\bexpertise in\b",
)
"""Cues that a segment inside a boilerplate section is really about the job."""


_BULLETS = "•·▪●◦■►▶✓✔➢➤\u2022\u2023\u25aa\u25cf"
_LEAD = frozenset(" \t\r*#->–" + _BULLETS)
_APOSTROPHES = "'’\ufffd"
_NOISE = re.compile(
    r"\W*(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|\+?[\d ().-]{7,}|<[^>]{1,80}>"
    r"|©.*|copyright\b.*|&\w+;|#\w+|)\W*",
    re.IGNORECASE,
)
# One pass finds every place a segment or a heading may end: line breaks, colons, sentence
# punctuation, bullets, and a lower-case letter glued to a capital ("offSchedule").
_BREAKS = re.compile(rf"[\n:：.!?{_BULLETS}]|[a-z0-9)](?=[A-Z])|[A-Z]{{3}}[ \t]+(?=[A-Z][a-z])")
_WORD = re.compile(rf"[A-Z]+(?![a-z{_APOSTROPHES}])|[A-Z]?[a-z0-9{_APOSTROPHES}&/\-]+|[0-9]+")
_LAST_WORD = re.compile(rf"(?:[A-Z]+|[A-Z]?[a-z0-9{_APOSTROPHES}&-]+)\Z")
_INTAKE_BREAK = re.compile(r"[,;]\s+|\s+[-–]\s+|\n+|(?<=[.!?])\s+")
MAX_HEADING_WORDS = 8
LONG_SEGMENT = 250
"""A segment longer than this (a run-on bullet list) is relabelled only from the clause
holding the boilerplate match, so "Manage promoters ... We offer a competitive salary"
keeps its first part."""


@dataclass(frozen=True)
class Heading:
    """A heading found in the text: its character extent and the section it opens."""

    start: int
    end: int
    label: str
    text: str


@dataclass(frozen=True)
class Section:
    """A labelled character range; ``heading`` is the heading text that opened it, if any."""

    start: int
    end: int
    label: str
    heading: str = ""


_APOSTROPHE_MAP = str.maketrans({"’": "'", "\ufffd": "'"})


def heading_key(text: str) -> str:
    """How heading phrases are compared: lower case, one apostrophe, single spaces."""
    return " ".join(text.lower().translate(_APOSTROPHE_MAP).split())


HEADING_LABEL: dict[str, str] = {}
for _label, _phrases in HEADINGS.items():
    for _phrase in _phrases:
        HEADING_LABEL.setdefault(heading_key(_phrase), _label)
_LAST_WORDS = frozenset(key.split()[-1].split("/")[-1] for key in HEADING_LABEL) | {
    w.split("/")[-1] for key in HEADING_LABEL for w in key.split()[-1:]
}


def _heading_label(words: Sequence[str], keys: Sequence[str]) -> str | None:
    """Label of a heading made of ``words`` (``keys``: the same, lower-cased with one
    apostrophe), with the two open-ended forms."""
    label = HEADING_LABEL.get(" ".join(keys))
    if label is not None:
        return label
    if (
        2 <= len(words) <= 5
        and keys[0] == "about"
        and all(w[:1].isupper() or w[:1].isdigit() for w in words[1:])
    ):
        return "company"  # "About SKF", "About Acme Corp"
    if (
        len(words) >= 4
        and " ".join(keys[:4]) in ("what you'll love about", "what you will love")
        and all(w[:1].isupper() for w in words[4:])
    ):
        return "benefits"  # "What you'll love about SKF"
    return None


def _at_line_start(text: str, pos: int) -> bool:
    """Only spaces, bullets or markup between the previous line break (or text start)."""
    i = pos - 1
    while i >= 0 and text[i] in _LEAD:
        i -= 1
    return i < 0 or text[i] == "\n"


def _start_kind(text: str, pos: int) -> str | None:
    """'line', 'sentence' or 'glued' when a heading may start at ``pos``, else None."""
    if _at_line_start(text, pos):
        return "line"
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and (text[i] in ".!?:;)]" or text[i] in _BULLETS):
        return "sentence"
    if (
        i == pos - 1
        and (text[i].islower() or text[i].isdigit() or text[i] == ")")
        and text[pos].isupper()
    ):
        return "glued"
    return None


def _heading_before(text: str, end: int, sep: str) -> Heading | None:
    """The longest heading phrase ending at ``end`` whose surroundings make it a heading.

    ``sep`` says what follows: ':' (a colon), 'line' (line break or end of text), 'glued'
    (a capital right after: "Job descriptionA"), 'caps' (an ALL CAPS phrase, a space, then
    a capitalized word).
    """
    match = _LAST_WORD.search(text, max(0, end - 40), end)
    if match is None:
        return None
    last = match.group(0)
    if last.lower().translate(_APOSTROPHE_MAP) not in _LAST_WORDS and not (
        last[:1].isupper() and "about" in text[max(0, end - 70) : end].lower()
    ):
        return None  # no heading ends in this word (only "About Acme" ends in a name)
    words = list(_WORD.finditer(text, max(0, end - 70), end))
    if not words or words[-1].end() != end:
        return None
    first = len(words) - 1
    while first > 0 and len(words) - first < MAX_HEADING_WORDS:
        gap = text[words[first - 1].end() : words[first].start()]
        if gap.strip(" \t,") or "\n" in gap:
            break
        first -= 1
    texts = [w.group(0) for w in words]
    keys = [t.lower().translate(_APOSTROPHE_MAP) for t in texts]
    for i in range(first, len(words)):
        label = _heading_label(texts[i:], keys[i:])
        if label is None:
            continue
        start = words[i].start()
        kind = _start_kind(text, start)
        if kind is None or not _accept(text[start:end], kind, sep):
            continue
        return Heading(start, end, label, text[start:end])
    return None


def _accept(phrase: str, start: str, sep: str) -> bool:
    """Whether a lexicon phrase is used as a heading here (see the module docstring)."""
    capital = phrase[:1].isupper()
    if sep == ":":
        return capital or start == "line"
    if sep == "line":
        return start == "line" or (capital and start in ("sentence", "glued"))
    if sep == "glued":
        return capital and (phrase[-1:].islower() or phrase.isupper())
    if sep == "caps":
        return phrase.isupper() and start in ("line", "sentence")
    return False


def _separator_end(text: str, pos: int) -> tuple[str, int] | None:
    """What follows a heading candidate ending at ``pos``: its kind and where it ends."""
    i = pos
    n = len(text)
    while i < n and text[i] in " \t*":
        i += 1
    if i >= n:
        return "line", n
    ch = text[i]
    if ch in ":：":
        return ":", i + 1
    if ch == "\n" or (ch == "\r" and text[i + 1 : i + 2] == "\n"):
        return "line", i
    return None


def find_headings(text: str) -> list[Heading]:
    """Headings at boundaries, followed by a colon, a line end or a glued capital."""
    ends: dict[int, str] = {}
    for match in _BREAKS.finditer(text):
        ch = match.group(0)[0]
        if ch in ":：\n":
            # The heading ends before the spaces/asterisks in front of the separator.
            j = match.start()
            while j > 0 and text[j - 1] in " \t*\r":
                j -= 1
            ends.setdefault(j, ":" if ch != "\n" else "line")
        elif len(match.group(0)) > 1 and match.group(0)[0].isupper():
            ends.setdefault(match.start() + 3, "caps")
        elif ch.isalnum() or ch == ")":
            ends.setdefault(match.end(), "glued")
    stripped = len(text.rstrip(" \t*\r\n"))
    ends.setdefault(stripped, "line")
    found: list[Heading] = []
    for end in sorted(ends):
        if found and end <= found[-1].end:
            continue
        heading = _heading_before(text, end, ends[end])
        if heading is None:
            continue
        stop = end
        if ends[end] == ":":
            sep = _separator_end(text, end)
            stop = sep[1] if sep else end
        if found and heading.start < found[-1].end:
            continue
        found.append(Heading(heading.start, stop, heading.label, heading.text))
    return found


def segment_bounds(
    text: str, kind: str = "posting", start: int = 0, end: int | None = None
) -> list[int]:
    """Start offsets of segments (sentences, lines, bullets; fragments for intake)."""
    end = len(text) if end is None else end
    starts = [start]
    if kind == "intake":
        starts += [m.end() for m in _INTAKE_BREAK.finditer(text, start, end) if m.end() < end]
        return starts
    for match in _BREAKS.finditer(text, start, end):
        ch = match.group(0)[0]
        pos = match.end()
        if ch == "\n" or ch in _BULLETS:
            pass
        elif ch in ".!?":
            nxt = text[pos : pos + 1]
            if nxt in (" ", "\t"):
                while pos < end and text[pos] in " \t":
                    pos += 1
                if pos < end and not (
                    text[pos].isupper() or text[pos].isdigit() or text[pos] in '"“([' + _BULLETS
                ):
                    continue
            elif not (nxt.isupper() and text[match.start() - 2 : match.start()].islower()):
                continue
        elif ch.islower() and len(match.group(0)) == 1:
            # Glued item ("degreeProfessional licensure"): 3+ lower-case letters, then Xx.
            if not (
                text[max(start, pos - 4) : pos].isalpha()
                and text[pos - 4 : pos].islower()
                and text[pos + 1 : pos + 2].islower()
            ):
                continue
        else:
            continue
        if start < pos < end and pos != starts[-1]:
            starts.append(pos)
    return starts


@dataclass(frozen=True)
class _Rule:
    label: str
    pattern: re.Pattern[str]
    trigger: str
    word: str
    left_boundary: bool


def _expand(pattern: str) -> list[str]:
    """Split a pattern led by a literal alternation into one pattern per alternative.

    "(?:medical|dental) insurance" -> "medical insurance", "dental insurance": a pattern
    starting with a literal is found with a fast substring search, an alternation is tried
    at every position of the text.
    """
    match = re.match(r"(\\b)?\(\?:([\w' |-]+)\)", pattern)
    if not match or "(" in match.group(2):
        return [pattern]
    rest = pattern[match.end() :]
    prefix = match.group(1) or ""
    return [prefix + re.escape(alt) + rest for alt in match.group(2).split("|")]


def _trigger(pattern: str) -> str:
    """A lower-case literal that every match of ``pattern`` contains ("" if none found)."""
    literal = re.match(r"(?:\\b)?((?:[\w' ,:#$@-]|\\[.$#(\- ])+)", pattern)
    if not literal:
        return ""
    text = literal.group(1)
    if pattern[literal.end() : literal.end() + 1] in ("?", "*", "{"):
        text = text[:-2] if text.endswith(("\\.", "\\(")) else text[:-1]
    text = re.sub(r"\\(.)", r"\1", text).lower()
    return text if len(text.strip()) >= 2 or (text.strip() and not text.isalnum()) else ""


def _trigger_word(trigger: str) -> str:
    """The longest whole word of a trigger (followed by a non-word character in it).

    A set of the text's words answers "is this word there" in constant time, where a
    substring search scans the whole text: with 150 rules that is most of the cost.
    """
    words = [
        m.group(0)
        for m in re.finditer(r"[a-z0-9]+", trigger)
        if m.end() < len(trigger) and not trigger[m.end()].isalnum()
    ]
    return max(words, key=len) if words else ""


def _compile_rules() -> tuple[_Rule, ...]:
    rules = []
    for label, patterns in BOILERPLATE_PATTERNS.items():
        for pattern in patterns:
            for variant in _expand(pattern):
                trig = _trigger(variant)
                # A leading \b defeats the regex engine's literal-prefix search (10x slower);
                # it is checked on each match instead.
                bounded = variant.startswith("\\b")
                rules.append(
                    _Rule(
                        label,
                        re.compile(variant[2:] if bounded else variant),
                        trig,
                        _trigger_word(trig),
                        bounded,
                    )
                )
    return tuple(rules)


_RULES = _compile_rules()
ALWAYS_RUN = frozenset(
    {r"\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b", r"@[\w-]+\.[a-z]{2,}", r"(?:e-verify|everify)\b"}
)
"""Rules without a literal trigger (they run on every posting); kept deliberately few."""


def literal_triggers_ok() -> bool:
    """Does every rule but :data:`ALWAYS_RUN` have a trigger? (a guard for new patterns)"""
    return all(rule.trigger or rule.pattern.pattern in ALWAYS_RUN for rule in _RULES)


_CUES = re.compile("|".join(REQUIREMENT_CUES))
_TEXT_WORDS = re.compile(r"[a-z0-9]+")
_KNOWLEDGE_CUES = re.compile(
    r"\b(?:knowledge of|understanding of|experience (?:in|with|of)|familiar(?:ity)? with|"
    r"proficien(?:t|cy) (?:in|with)|expertise in|certification in|degree in)\b"
)
"""Requirement cues strong enough that a boilerplate phrase after them is the object of a
requirement ("Knowledge of EEO"), not a statement."""
_CLAUSE_START = re.compile(r"[\s.;:!?)](?=[A-Z])|[a-z](?=[A-Z])")


_WORD_RULES: dict[str, list[_Rule]] = {}
for _rule in _RULES:
    if _rule.word:
        _WORD_RULES.setdefault(_rule.word, []).append(_rule)
_OTHER_RULES = tuple(rule for rule in _RULES if not rule.word)


def _pattern_hits(text: str, lower: str) -> list[tuple[int, str]]:
    """(offset, label) of every boilerplate pattern match, sorted by offset."""
    hits: list[tuple[int, str]] = []
    present = _WORD_RULES.keys() & set(_TEXT_WORDS.findall(lower))
    rules = [rule for word in present for rule in _WORD_RULES[word]]
    rules += [rule for rule in _OTHER_RULES if not rule.trigger or rule.trigger in lower]
    for rule in rules:
        for match in rule.pattern.finditer(lower):
            start = match.start()
            if rule.left_boundary and start > 0 and lower[start - 1].isalnum():
                continue
            hits.append((start, rule.label))
    hits.sort()
    return hits


def _lower(text: str) -> str:
    """Lower-cased text with the same offsets (a few characters change length when
    lower-cased, e.g. 'İ'; those are replaced by their first lower-case character)."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower()[:1] or c for c in text)


def section_text(text: str, kind: str = "posting") -> list[Section]:
    """Contiguous labelled sections covering ``text`` (the character-level core)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if not text:
        return []
    if kind != "posting":
        bounds = segment_bounds(text, kind)
        return _merge(
            Section(s, e, "noise" if _NOISE.fullmatch(text, s, e) else "body")
            for s, e in zip(bounds, bounds[1:] + [len(text)], strict=True)
        )
    lower = _lower(text)
    hits = _pattern_hits(text, lower)
    hit_starts = [h[0] for h in hits]
    pieces: list[Section] = []
    for base in _heading_sections(text):
        pieces.extend(_refine(text, lower, base, hits, hit_starts))
    return _merge(pieces)


def _heading_sections(text: str) -> list[Section]:
    """Sections from headings alone: the heading line itself opens its section."""
    out: list[Section] = []
    position, label, heading_text = 0, "summary", ""
    for heading in find_headings(text):
        if heading.start > position:
            out.append(Section(position, heading.start, label, heading_text))
        position, label, heading_text = heading.start, heading.label, heading.text
    out.append(Section(position, len(text), label, heading_text))
    return out


def _refine(
    text: str, lower: str, base: Section, hits: Sequence[tuple[int, str]], hit_starts: Sequence[int]
) -> list[Section]:
    """Relabel the segments of one heading section from patterns, cues and noise."""
    first = bisect_left(hit_starts, base.start)
    has_hits = first < len(hits) and hits[first][0] < base.end
    boiler = base.label in BOILERPLATE
    if not has_hits and not boiler:
        return [base]
    bounds = segment_bounds(text, "posting", base.start, base.end)
    out: list[Section] = []
    for start, end in zip(bounds, bounds[1:] + [base.end], strict=True):
        i = bisect_left(hit_starts, start)
        hit = hits[i] if i < len(hits) and hits[i][0] < end else None
        label = base.label
        if (
            hit is not None
            and not boiler
            and end - start <= LONG_SEGMENT
            and _KNOWLEDGE_CUES.search(lower, start, hit[0])
        ):
            hit = None  # "Knowledge of EEO, OFCCP practices": a requirement naming it
        if hit is not None:
            if end - start > LONG_SEGMENT and hit[0] - start > 60:
                cut = _clause_start(text, start, hit[0])
                if cut > start:
                    out += [
                        Section(start, cut, label, base.heading),
                        Section(cut, end, hit[1], base.heading),
                    ]
                    continue
            label = hit[1]
        elif boiler and hit is None and _CUES.search(lower, start, end):
            label = "other"
        elif not boiler and _NOISE.fullmatch(text, start, end):
            label = "noise"
        out.append(Section(start, end, label, base.heading))
    return out


def _clause_start(text: str, start: int, hit_start: int) -> int:
    """The last capitalized word start before ``hit_start`` (within 150 characters)."""
    best = start
    for match in _CLAUSE_START.finditer(text, max(start, hit_start - 150), hit_start + 1):
        best = match.end()
    return best


def _merge(pieces: Iterable[Section]) -> list[Section]:
    merged: list[Section] = []
    for piece in pieces:
        if piece.end <= piece.start:
            continue
        if merged and merged[-1].label == piece.label and merged[-1].end == piece.start:
            last = merged[-1]
            merged[-1] = Section(last.start, piece.end, last.label, last.heading)
        else:
            merged.append(piece)
    return merged


def apply_sections(
    doc: Doc,
    sections: Sequence[Section],
    *,
    split_sentences: bool = True,
    kind: str = "posting",
    text: str | None = None,
    punct_hashes: numpy.ndarray | None = None,
) -> None:
    """Write ``sections`` to ``doc.spans['sections']`` as contiguous token spans.

    A boundary inside a token (a glued heading, "descriptionA") moves to the next token
    boundary. With ``split_sentences`` the doc's sentence starts are set too (see
    :func:`sentence_starts`). ``text`` is ``doc.text`` when the caller has it already
    (``Doc.text`` is rebuilt from the tokens on every access).
    """
    register_extensions()
    doc._.kind = kind
    if len(doc) == 0:
        doc.spans[SECTIONS_KEY] = []
        return
    text = doc.text if text is None else text
    starts = doc.to_array(["IDX"]).tolist()
    bounds: list[tuple[int, str]] = []
    for section in sections:
        t = bisect_left(starts, section.start)
        if t >= len(doc):
            continue
        if bounds and bounds[-1][0] == t:
            bounds[-1] = (t, section.label)  # an empty token range: the later one wins
        elif not bounds or bounds[-1][1] != section.label:
            bounds.append((t, section.label))
    if not bounds:
        bounds = [(0, "summary" if kind == "posting" else "body")]
    bounds[0] = (0, bounds[0][1])
    doc.spans[SECTIONS_KEY] = [
        Span(doc, t, nxt, label=label)
        for (t, label), (nxt, _) in zip(bounds, bounds[1:] + [(len(doc), "")], strict=True)
        if nxt > t
    ]
    if split_sentences and not doc.has_annotation("DEP"):
        extra = [t for t, _ in bounds[1:]]
        extra += [bisect_right(starts, m.start()) for m in re.finditer("\n", text)]
        if kind == "intake":
            extra += [bisect_left(starts, s) for s in segment_bounds(text, kind)[1:]]
        flags = sentence_starts(doc, extra, punct_hashes)
        doc.from_array(["SENT_START"], cast(Ints2d, flags.reshape(-1, 1)))


def punct_hashes_for(vocab: Any) -> numpy.ndarray:
    """ORTH hashes of the sentencizer's sentence-final punctuation characters."""
    return numpy.array(
        sorted(vocab.strings.add(c) for c in Sentencizer.default_punct_chars), dtype=numpy.uint64
    )


def sentence_starts(
    doc: Doc, extra: Iterable[int], punct_hashes: numpy.ndarray | None = None
) -> numpy.ndarray:
    """SENT_START values (1 start, -1 not) for ``doc``: spaCy's sentencizer rule plus
    ``extra`` token starts (section boundaries, line breaks), with no python loop over
    tokens (the sentencizer's own loop creates a Token object per token: 1 ms a posting).

    The sentencizer rule: after a token in its punctuation list, the next token that is
    neither punctuation nor in the list starts a sentence. Starts on whitespace tokens
    move to the next non-space token.
    """
    n = len(doc)
    if punct_hashes is None:
        punct_hashes = punct_hashes_for(doc.vocab)
    attrs = doc.to_array(["ORTH", "IS_PUNCT", "IS_SPACE"])
    is_final = (attrs[:, 0][:, None] == punct_hashes[None, :]).any(axis=1)
    is_space = attrs[:, 2].astype(bool)
    word = ~(attrs[:, 1].astype(bool) | is_final)
    idx = numpy.flatnonzero(word)
    seen = numpy.cumsum(is_final)
    start = numpy.zeros(n, dtype=bool)
    if len(idx) > 1:
        start[idx[1:][seen[idx[1:]] - seen[idx[:-1]] > 0]] = True
    extra_idx = numpy.fromiter((t for t in extra if 0 < t < n), dtype=numpy.int64)
    start[extra_idx] = True
    # Move starts that fall on whitespace to the next non-space token.
    for t in numpy.flatnonzero(start & is_space).tolist():
        start[t] = False
        while t < n and is_space[t]:
            t += 1
        if t < n:
            start[t] = True
    start[0] = True
    flags = numpy.where(start, 1, -1).astype(numpy.int64)
    return flags.astype(numpy.uint64)


TEXT_KEY = "pathmatch_text"
"""``doc.user_data`` key of the input text, kept by :class:`TextKeepingTokenizer`."""


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the input string in ``doc.user_data[TEXT_KEY]``.

    ``Doc.text`` rebuilds the string from a Token object per token (0.2-0.4 ms for a
    posting); the sectioner's regexes need the string, so it is kept from the start.
    Everything else (``pipe``, serialization, special cases) is the wrapped tokenizer's.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["tokenizer"], name)

    def to_disk(self, path: Any, **kwargs: Any) -> None:
        self.tokenizer.to_disk(path, **kwargs)

    def from_disk(self, path: Any, **kwargs: Any) -> TextKeepingTokenizer:
        self.tokenizer.from_disk(path, **kwargs)
        return self

    def to_bytes(self, **kwargs: Any) -> bytes:
        return self.tokenizer.to_bytes(**kwargs)

    def from_bytes(self, data: bytes, **kwargs: Any) -> TextKeepingTokenizer:
        self.tokenizer.from_bytes(data, **kwargs)
        return self


@registry.tokenizers("pathmatch.TextKeepingTokenizer.v1")
def create_text_keeping_tokenizer() -> Callable[[Language], TextKeepingTokenizer]:
    """The default English tokenizer (``spacy.Tokenizer.v1``), keeping the input text."""
    base = create_tokenizer()

    def factory(nlp: Language) -> TextKeepingTokenizer:
        return TextKeepingTokenizer(base(nlp))

    return factory


class Sectioner:
    """The ``pathmatch_sectioner`` component (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, kind: str, split_sentences: bool) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
        self.name = name
        self.kind = kind
        self.split_sentences = split_sentences
        self._punct = punct_hashes_for(nlp.vocab)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.user_data.get(TEXT_KEY)
        if text is None:
            text = doc.text
        apply_sections(
            doc,
            section_text(text, self.kind),
            split_sentences=self.split_sentences,
            kind=self.kind,
            text=text,
            punct_hashes=self._punct,
        )
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        return pipe_in_batches(self, stream, batch_size)


@Language.factory(
    "pathmatch_sectioner",
    default_config={"kind": "posting", "split_sentences": True},
    assigns=["doc.spans", "token.is_sent_start"],
)
def make_sectioner(nlp: Language, name: str, kind: str, split_sentences: bool) -> Sectioner:
    return Sectioner(nlp, name, kind, split_sentences)


def section_mask(doc: Doc, labels: Iterable[str] = BOILERPLATE) -> list[bool]:
    """Per token: does it sit in a section with one of ``labels``? (all False when the doc
    was not sectioned)."""
    labels = frozenset(labels)
    mask = [False] * len(doc)
    if SECTIONS_KEY in doc.spans:
        for span in doc.spans[SECTIONS_KEY]:
            if span.label_ in labels:
                mask[span.start : span.end] = [True] * (span.end - span.start)
    return mask
