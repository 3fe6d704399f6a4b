"""Job-title normalization: a raw title in, ranked O*NET-SOC 2019 (or ESCO) occupations out.

Postings, intake forms and the API carry titles like ``RN - Nights $5k Bonus``,
``CDL-A Driver OTR`` or ``Sr. Acct / AP``. Two steps turn them into occupations:

1. :func:`clean_title` strips posting noise (pay, bonuses, shifts, schedules, locations,
   requisition ids, "Immediate Hire", experience years, levels) and expands the abbreviations
   common in US postings from a small data table (:data:`ABBREVIATIONS`). It is pure and is
   applied to the training titles too, so both sides of the match speak the same words.
2. :class:`TitleNormalizer` is a nearest-neighbour model over every known title: O*NET
   occupation titles, Alternate Titles (with their short forms and the forms in brackets),
   Sample of Reported Titles, and ESCO preferred and alternative occupation labels. A title
   is embedded with TF-IDF over word uni/bi-grams and char_wb n-grams; each occupation is
   scored by its best-matching title, plus a small weight for its other close titles
   (``sum(sim ** power)``) and for the centroid of all its titles.

``use_esco_crosswalk`` (off by default) adds the ESCO labels of crosswalked ESCO
occupations as titles of their O*NET occupations. The MELO benchmark's gold was generated
from that crosswalk, so any model evaluated on MELO must be fit without it.

Scoring is vectorized: one product per batch of titles over the features the batch uses,
then a ``reduceat`` over the titles (sorted by occupation) for the max and the sums. No
Python loop runs over the label set at predict time.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import polars as pl
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

TAXONOMIES = ("onet", "esco")
MAX_TITLE_CHARS = 500  # a longer "title" is a pasted description; its head is the title
FORMAT = "pathmatch-titles/1"
#: Default ``min_score``: a top score under it is "no confident match". Chosen on dev data by
#: :func:`calibrate_min_score` (pooled O*NET held-out alternate titles and the JobBERT tune
#: half, ``experiments/bench_titles.py``): below 0.57 (training config weights) / 0.62 (class
#: default weights) the top-1 answer was right at most 1 time in 10. A model saved before
#: ``min_score`` existed loads with this value.
DEFAULT_MIN_SCORE = 0.6
NO_CONFIDENT_MATCH = "no confident match"

# --------------------------------------------------------------------------- cleaning

#: Abbreviations in US postings: (regex on lower-cased text, replacement[, context]). Applied
#: in order, so specific rules (``acct exec``) come before their general form (``acct``); a
#: rule with a context regex applies only when the context occurs somewhere in the title
#: ("OTR" is "over the road" for drivers, a therapist's credential otherwise).
ABBREVIATIONS: tuple[tuple[str, ...], ...] = (
    # driving: licence classes and haul types
    (
        r"\bcdl\s*-?\s*class\s*([ab])\b|\bclass\s*([ab])\s*-?\s*cdl\b|\bcdl\s*-?\s*([ab])\b",
        r" class \1\2\3 cdl ",
    ),
    (r"\bclass\s*([ab])\s+(driver|truck)", r" class \1 cdl \2"),
    (r"\bcdl\b", " commercial driver license cdl truck "),
    (r"\botr\b", " over the road truck ", r"\b(driver|truck|cdl|haul|trucking)\b"),
    # health care
    (r"\brn\b", " registered nurse "),
    (r"\blpn\b", " licensed practical nurse "),
    (r"\blvn\b", " licensed vocational nurse "),
    (r"\bcna\b", " certified nursing assistant "),
    (r"\bstna\b", " nursing assistant "),
    (r"\bhha\b", " home health aide "),
    (r"\bpca\b", " personal care aide "),
    (r"\bpct\b", " patient care technician "),
    (r"\bcma\b", " certified medical assistant "),
    (r"\bma\b", " medical assistant "),
    (r"\bnp\b", " nurse practitioner "),
    (r"\bpa\s*-\s*c\b", " physician assistant "),
    (r"\bcrna\b", " certified registered nurse anesthetist "),
    (r"\bemt\b", " emergency medical technician "),
    (r"\bdsp\b", " direct support professional "),
    (r"\bpt\s+(?=(assistant|aide|tech|technician)\b)", " physical therapist "),
    (r"\bpta\b", " physical therapist assistant "),
    (r"\bcota\b", " occupational therapy assistant "),
    (r"\bslp\b", " speech language pathologist "),
    (r"\bpharm\b", " pharmacy "),
    # office, finance, sales
    (r"\bacct\.?\s+(?=(exec|executive|rep|representative|manager|mgr|coordinator)\b)", " account "),
    (r"\baccts?\.?\s+(?=(payable|receivable)\b)", " accounts "),
    (r"\bacct\b", " accountant "),
    (r"\ba\s*/\s*p\b|\bap\b", " accounts payable "),
    (r"\ba\s*/\s*r\b|\bar\b", " accounts receivable "),
    (
        r"\b(sys|system|systems|network|database|db|it|linux|windows)\s+admin\b",
        r" \1 administrator ",
    ),
    (r"\badmin\b", " administrative "),
    (r"\basst\b", " assistant "),
    (r"\bassoc\b", " associate "),
    (r"\bcsr\b", " customer service representative "),
    (r"\bcust\b", " customer "),
    (r"\bsvcs?\b", " service "),
    (r"\brep\b", " representative "),
    (r"\bspec\b", " specialist "),
    (r"\bcoord\b", " coordinator "),
    (r"\bsupv|\bsupvr\b", " supervisor "),
    (r"\bmgr\b|\bmngr\b", " manager "),
    (r"\bmgmt\b", " management "),
    (r"\bdir\b", " director "),
    (r"\bvp\b", " vice president "),
    (r"\bexec\b", " executive "),
    (r"\bmktg\b", " marketing "),
    (r"\bhr\b", " human resources "),
    # technical and trades
    (r"\btech\s+(?=(support|lead|writer|writing)\b)", " technical "),
    (r"\btech\b", " technician "),
    (r"\bswe\b|\bsde\b", " software engineer "),
    (r"\bdev\b", " developer "),
    (r"\bengr?\b", " engineer "),
    (r"\bqa\b", " quality assurance "),
    (r"\bqc\b", " quality control "),
    (r"\bhvac\s*/?\s*r?\b", " hvac heating air conditioning "),
    (r"\bcnc\b", " cnc computer numerical control "),
    (r"\bmech\b", " mechanic "),
    (r"\bmaint\b", " maintenance "),
    (r"\bmfg\b", " manufacturing "),
    (r"\bwhse\b", " warehouse "),
    (r"\bops\b", " operations "),
    (r"\bprod\b", " production "),
    # military occupation names -> the civilian words O*NET's titles use
    (r"\bmotor\s+transport(ation)?\s+operator\b", " truck driver motor transport operator "),
    (r"\bcombat\s+medic\b", " emergency medical technician combat medic "),
    (r"\bwheeled\s+vehicle\s+mechanic\b", " automotive diesel mechanic wheeled vehicle "),
    (r"\bculinary\s+specialist\b", " cook culinary specialist "),
    (r"\bdental\s+specialist\b", " dental assistant "),
    (r"\bpharmacy\s+specialist\b", " pharmacy technician "),
    (r"\bfinancial\s+management\s+technician\b", " finance clerk financial management "),
    (r"\bsignal\s+support\s+systems?\s+specialist\b", " communications equipment technician "),
    (r"\butilities\s+equipment\s+repairer\b", " hvac heating air conditioning repairer "),
    (r"\bboatswain'?s\s+mate\b", " seaman boatswain "),
    (r"\binfantryman\b", " infantryman infantry "),
    (r"\bsr\b", " senior "),
    (r"\bjr\b", " junior "),
)

_US_STATES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|"
    "hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|"
    "massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|"
    "new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|"
    "oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|"
    "vermont|virginia|washington|west virginia|wisconsin|wyoming|district of columbia"
)
_STATE_CODES = (
    "al|ak|az|ar|ca|co|ct|de|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|"
    "nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|dc"
)

_UNAMBIGUOUS_CODES = (  # state codes that are not also job abbreviations (MA, PA, OR, ...)
    "al|ak|az|ca|ct|fl|ga|ia|ks|ky|md|mi|mn|ms|mo|mt|nv|nh|nj|nm|ny|nc|nd|oh|ok|ri|sc|sd|tn|"
    "tx|ut|vt|va|wa|wv|wi|wy|dc"
)

#: Posting noise: each regex (on lower-cased text) is replaced by a separator. Order matters
#: only where one pattern is a prefix of another.
NOISE: tuple[str, ...] = (
    # pay and bonuses: "$5k Bonus", "$25/hr", "up to $30 per hour", "$2,500 sign-on bonus"
    r"(up to|starting at|start at|earn|from)?\s*\$\s*\d[\d,.]*\s*k?\+?"
    r"(\s*-\s*\$?\s*\d[\d,.]*\s*k?)?(\s*(/|per|an|a)\s*(hr|hour|year|yr|week|wk|month|mo|"
    r"day|shift|annually))?",
    r"\b\d[\d,.]*\s*k\b",
    r"\b(sign|signing)[\s-]*on\b|\bsigning\b|\bbonus(es)?\b|\bincentives?\b|\brelocation\b",
    r"\b(weekly|daily|same day|great|competitive|top|high|excellent)\s+pay\b|\bper\s+hour\b"
    r"|\bhourly\b|\bpay\b(?!roll)",
    # shifts and schedules
    r"\b\d{1,2}\s*(-|\s)?\s*(hr|hrs|hour|hours)\s*(shifts?)?\b",
    r"\b\d\s*x\s*\d{1,2}s?\b",
    r"\b\d{1,2}\s*(a|p|am|pm)?\s*-\s*\d{1,2}\s*(a|p|am|pm)\b",
    r"\b(1st|2nd|3rd|first|second|third|day|night|evening|overnight|graveyard|swing|"
    r"rotating|weekend|mid|split)\s+shifts?\b",
    r"\bshifts?\b|\bnights\b|\bdays\b|\bevenings\b|\bweekends\b|\bovernights?\b"
    r"|\bdays\s*/\s*nights\b|\bnoc\b|\bprn\b|\bper\s+diem\b",
    r"\b(mon|monday)\s*-\s*(fri|friday)\b|\bm\s*-\s*f\b",
    r"\b(full|part)[\s-]*time\b|\bft\b|\bpt\b|\btemporary\b|\btemp\b(?![-\s]*(to|2)[-\s]*perm)"
    r"|\btemp[\s-]*(to|2)[\s-]*(perm|hire)\b|\bcontract[\s-]*to[\s-]*hire\b|\bseasonal\b"
    r"|\bpermanent\b|\bperm\b|\binternships?\b",
    # hiring calls to action
    r"\b(immediate|immediately)\s+(hire|hiring|start|opening|openings|need)\b"
    r"|\bhiring\s+immediately\b|\burgent(ly)?\b|\bnow\s+hiring\b|\bhiring\b|\bapply\s+now\b"
    r"|\basap\b|\bimmediate\b|\bnew\s+grads?(\s+welcome)?\b|\bno\s+experience"
    r"(\s+(needed|required|necessary))?\b|\bwill\s+train\b|\btraining\s+provided\b"
    r"|\bjob\s+fair\b|\bopen\s+interviews?\b|\bopenings?\b|\bvacancy\b|\bvacancies\b"
    r"|\b(needed|wanted|required)\b",
    # place of work
    r"\bremote\b(?!\s+(sensing|pilot|operat\w*|control\w*|vehicle))|\bhybrid\b"
    r"|\bon[\s-]?site\b|\bwork\s+from\s+home\b|\bwfh\b|\bin[\s-]office\b|\btelecommute\b",
    # requisition ids, experience, levels, gender
    r"\b(req|requisition|job|position|posting)\s*(id|no|number|#)?\s*[:#.]?\s*"
    r"[a-z]*-?\d[\w-]*",
    r"#\s*\w*\d\w*|\b[a-z]{1,4}[-_]?\d{3,}\b|\b\d{3,}\b",
    r"\b\d+\s*\+?\s*(-\s*\d+\s*)?(yrs?|years?)(\s+of)?(\s+(experience|exp))?\b"
    r"|\b(experience|exp)\b",
    r"\b\d+\s*(months?|mos?|weeks?|wks?)\b",
    rf"\b({_US_STATES})\b|\b\d{{5}}(-\d{{4}})?\b",
    r"\bhome\s+(daily|nightly|weekly|every\s+weekend|weekends|most\s+nights)\b",
    r"\blevel\s*\w+\b|\bl[1-5]\b|\b(i{1,3}|iv|v)\s*$|\b(i{1,3}|iv)\b(?=\s*[-|/,(])",
    r"\b(male|female|males|females|m/f)\b",
    # military: a leading MOS / AFSC code ("88M", "68W", "2T1X1") and the service's name
    r"\b\d{2}[a-z]\d?\b|\b\d[a-z]\d[x\d]\d\b",
    r"\b(u\s*s\s+|us\s+)?(army|navy|usmc|usaf|usn|uscg|marine\s+corps|air\s+force|coast\s+guard"
    r"|national\s+guard)(\s+(reserves?|veteran))?\s*(?=\)|$)|^\s*(u\s*s\s+)?(army|usmc|usaf|usn|uscg)\b",
)

#: "Dallas, TX", "- Boston, MA 02110", "Austin TX 78701": matched on the original case, at the
#: start of the title or after a separator, so "MA - Family Practice" keeps its "MA".
LOCATION = (
    rf"(^|(?<=[-|/(,])|(?<=\s[-|/]))\s*[A-Z][A-Za-z.']+(\s[A-Z][A-Za-z.']+){{0,2}},?\s+"
    rf"({_STATE_CODES.upper()})\b\.?(\s*\d{{5}}(-\d{{4}})?)?"
    rf"|\b[A-Z][A-Za-z.']+\s+({_STATE_CODES.upper()})\s+\d{{5}}\b"
    rf"|(^|(?<=[-|/(,])|(?<=\s[-|/]))\s*({_UNAMBIGUOUS_CODES.upper()})\s*(?=$|[-|/),])"
)
_LOCATION_RE = re.compile(LOCATION)
_NOISE_RE = tuple(re.compile(p) for p in NOISE)
_ABBREV_RE = tuple(
    (re.compile(rule[0]), rule[1], re.compile(rule[2]) if len(rule) > 2 else None)
    for rule in ABBREVIATIONS
)
_SEPARATORS = re.compile(r"[|/\\()\[\]{}<>:;,!?*•·–—_\"+=~^]|(?<=\s)-|-(?=\s)|\s-\s")
_PUNCT = re.compile(r"[^\w\s&']")
_SPACES = re.compile(r"\s+")


def _ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def clean_title(text: str, *, noise: bool = True) -> str:
    """A posting title reduced to the words that name the occupation, lower case.

    ``noise=False`` only expands abbreviations and normalizes punctuation; it is used for
    the taxonomy's own titles, where words such as "Night" or "Contract" are part of the
    occupation ("Night Auditor", "Contract Specialist").

    >>> clean_title("RN - Nights $5k Bonus")
    'registered nurse'
    """
    if not text:
        return ""
    raw = str(text)[:MAX_TITLE_CHARS]
    if noise:
        raw = _LOCATION_RE.sub(" , ", raw)
    out = _ascii_lower(raw).replace("&", " and ")
    out = re.sub(r"(?<=\w)\.(?=\s|$|/)", " ", out)  # "Sr." -> "Sr", keep "3.5"
    if noise:
        for pattern in _NOISE_RE:
            out = pattern.sub(" , ", out)
    for pattern, repl, context in _ABBREV_RE:
        if context is None or context.search(out):
            out = pattern.sub(repl, out)
    if noise:  # expansions may leave a level numeral at the end ("tech ii")
        out = re.sub(r"\b(i{1,3}|iv)\s*$", " ", out.strip(" ,-|/"))
    out = _SEPARATORS.sub(" ", out)
    out = _PUNCT.sub(" ", out).replace("'", "")
    out = re.sub(r"\band\s*$|^\s*and\b|\b(and\s+)+(?=and\b)", " ", _SPACES.sub(" ", out))
    out = _SPACES.sub(" ", out).strip()
    if noise and not out and not re.search(r"[\d$]", raw):
        # only noise words and no pay or ids ("Temp", "Nurse, PA"): they are the title
        return clean_title(text, noise=False)
    return out


_PLURAL_KEEP = re.compile(r"(ss|us|is|ics|ous|ies)$")


def _singular(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not _PLURAL_KEEP.search(word):
        return word[:-1]
    return word


def feature_text(clean: str) -> str:
    """What the vectorizers see: cleaned text with plural words made singular."""
    return " ".join(_singular(w) for w in clean.split())


def title_variants(title: str, short_title: str | None = None) -> list[str]:
    """An O*NET title and its bracketed form as separate titles.

    "CDL Driver (Commercial Driver's License Driver)" is two names of one job; matched as one
    string, neither half would look like a posting that uses only the other.
    """
    variants = [title]
    match = re.fullmatch(r"\s*(.+?)\s*\((.+)\)\s*", title or "")
    if match:
        variants = [match.group(1), match.group(2), f"{match.group(1)} {match.group(2)}"]
    if short_title:
        variants.append(short_title)
    return [v for v in variants if v and v.strip()]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Candidate:
    """One ranked occupation: O*NET-SOC code or ESCO URI, its title, taxonomy and score."""

    code: str
    title: str
    taxonomy: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- model


@dataclass
class _Index:
    """The titles of one taxonomy, sorted by occupation, and what scoring needs of them."""

    codes: list[str]  # occupation code per column
    names: list[str]  # display title per occupation
    titles_t: sp.csr_matrix  # features x titles (transposed, for Q @ titles_t)
    starts: np.ndarray  # first title row of each occupation (for reduceat)
    centroids_t: sp.csr_matrix  # features x occupations


class TitleNormalizer:
    """Nearest-title occupation ranking for raw job titles (see the module docstring).

    Hyper-parameters (chosen on the JobBERT tune half, see ``experiments/bench_titles.py``):

    - ``word_weight``: share of the word-n-gram cosine in the similarity (rest: char_wb).
    - ``char_ngrams``: char_wb n-gram range; ``word_ngrams``: word n-gram range.
    - ``sum_weight`` and ``power``: weight of ``sum(sim ** power)`` over an occupation's
      titles, added to its best title similarity (rewards several close titles).
    - ``centroid_weight``: weight of the similarity to the occupation's title centroid.
    - ``char_max_df``: drop char n-grams in more than this share of titles (speed).
    - ``use_esco_crosswalk``: add the labels of crosswalked ESCO occupations to their O*NET
      occupations (O*NET ranking only). Must stay off for MELO; it also lowered the O*NET
      held-out figure, so it is off by default.
    - ``use_reported_titles``: learn from Sample of Reported Titles too.
    - ``min_score``: a top score under it is not a confident match (:meth:`is_confident`);
      calibrated on dev data (:data:`DEFAULT_MIN_SCORE`), saved and loaded with the model.
    - ``batch_size``: titles scored per matrix product (memory: batch x titles floats).
    - ``random_state``: the model has no randomness; kept for the estimator contract.
    """

    def __init__(
        self,
        top_k: int = 10,
        *,
        word_weight: float = 0.5,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 4),
        char_max_df: float = 1.0,
        sum_weight: float = 0.1,
        power: float = 4.0,
        centroid_weight: float = 0.5,
        use_esco_crosswalk: bool = False,
        use_reported_titles: bool = True,
        min_score: float = DEFAULT_MIN_SCORE,
        batch_size: int = 32,
        random_state: int = 0,
    ) -> None:
        self.top_k = top_k
        self.word_weight = word_weight
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.char_max_df = char_max_df
        self.sum_weight = sum_weight
        self.power = power
        self.centroid_weight = centroid_weight
        self.use_esco_crosswalk = use_esco_crosswalk
        self.use_reported_titles = use_reported_titles
        self.min_score = min_score
        self.batch_size = batch_size
        self.random_state = random_state

    # ----------------------------------------------------------------- params

    def get_params(self) -> dict[str, Any]:
        return {
            "top_k": self.top_k,
            "word_weight": self.word_weight,
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "char_max_df": self.char_max_df,
            "sum_weight": self.sum_weight,
            "power": self.power,
            "centroid_weight": self.centroid_weight,
            "use_esco_crosswalk": self.use_esco_crosswalk,
            "use_reported_titles": self.use_reported_titles,
            "min_score": self.min_score,
            "batch_size": self.batch_size,
            "random_state": self.random_state,
        }

    def set_params(self, **params: Any) -> TitleNormalizer:
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r}")
            setattr(self, key, tuple(value) if key.endswith("ngrams") else value)
        return self

    # ----------------------------------------------------------------- fit

    def fit(
        self,
        onet_occupations: pl.DataFrame,
        onet_alternate_titles: pl.DataFrame | None = None,
        onet_reported_titles: pl.DataFrame | None = None,
        esco_occupations: pl.DataFrame | None = None,
        xwalk_esco_onet: pl.DataFrame | None = None,
        extra_titles: pl.DataFrame | None = None,
    ) -> TitleNormalizer:
        """Learn the title index from the bundle tables.

        ``extra_titles`` (columns ``text``, ``code``, ``taxonomy``) adds labelled titles, e.g.
        a benchmark's tune half; ``xwalk_esco_onet`` (``esco_code``, ``onet_soc_code``) is
        read only when ``use_esco_crosswalk`` is set.
        """
        frames = training_titles(
            onet_occupations,
            onet_alternate_titles,
            onet_reported_titles if self.use_reported_titles else None,
            esco_occupations,
        )
        if self.use_esco_crosswalk and xwalk_esco_onet is not None and esco_occupations is not None:
            frames = pl.concat(
                [frames, crosswalk_titles(frames, esco_occupations, xwalk_esco_onet)]
            )
        if extra_titles is not None and extra_titles.height:
            frames = pl.concat(
                [
                    frames,
                    extra_titles.select(
                        pl.col("text").map_elements(feature_text_of, return_dtype=pl.String),
                        "code",
                        "taxonomy",
                    ),
                ]
            )
        frames = (
            frames.filter(pl.col("text") != "")
            .unique(["taxonomy", "code", "text"])
            .sort(["taxonomy", "code", "text"])
        )
        self.names_ = _display_names(onet_occupations, esco_occupations)
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer="word",
            ngram_range=self.word_ngrams,
            token_pattern=r"(?u)\b\w+\b",
            lowercase=False,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.char_vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            lowercase=False,
            sublinear_tf=True,
            min_df=2,
            max_df=self.char_max_df,
            dtype=np.float32,
        )
        texts = frames.get_column("text").to_list()
        self.word_vectorizer_.fit(texts)
        self.char_vectorizer_.fit(texts)
        features = self._embed_features(texts)
        self.indexes_: dict[str, _Index] = {}
        for taxonomy in TAXONOMIES:
            part = frames.filter(pl.col("taxonomy") == taxonomy)
            if part.height:
                rows = np.flatnonzero(frames.get_column("taxonomy").to_numpy() == taxonomy)
                self.indexes_[taxonomy] = self._build_index(
                    features[rows], part.get_column("code").to_list(), self.names_
                )
        if not self.indexes_:
            raise ValueError("no titles to learn from")
        self.n_titles_ = {t: int(i.titles_t.shape[1]) for t, i in self.indexes_.items()}
        return self

    def _embed_features(self, texts: Sequence[str]) -> sp.csr_matrix:
        word = _l2_rows(self.word_vectorizer_.transform(texts), np.sqrt(self.word_weight))
        char = _l2_rows(self.char_vectorizer_.transform(texts), np.sqrt(1 - self.word_weight))
        return _l2_rows(sp.hstack([word, char], format="csr"))

    def embed(self, titles: Sequence[str]) -> sp.csr_matrix:
        """Cleaned, L2-normalized feature rows of raw titles."""
        return self._embed_features([feature_text_of(t) for t in titles])

    @staticmethod
    def _build_index(features: sp.csr_matrix, codes: list[str], names: dict[str, str]) -> _Index:
        occupation_codes, inverse = np.unique(np.asarray(codes), return_inverse=True)
        order = np.argsort(inverse, kind="stable")  # already sorted, kept for safety
        inverse = inverse[order]
        features = features[order]
        starts = np.flatnonzero(np.r_[True, inverse[1:] != inverse[:-1]])
        membership = sp.csr_matrix(
            (np.ones(len(inverse), dtype=np.float32), (np.arange(len(inverse)), inverse)),
            shape=(len(inverse), len(occupation_codes)),
        )
        centroids = normalize(membership.T @ features)
        code_list = occupation_codes.tolist()
        return _Index(
            code_list,
            [names.get(c, c) for c in code_list],
            features.T.tocsr(),
            starts,
            centroids.T.tocsr().astype(np.float32),
        )

    # ----------------------------------------------------------------- predict

    def codes(self, taxonomy: str = "onet") -> list[str]:
        """The occupation codes, in the column order of :meth:`score_matrix`."""
        return list(self._index(taxonomy).codes)

    def _index(self, taxonomy: str) -> _Index:
        if taxonomy not in TAXONOMIES:
            raise ValueError(f"taxonomy must be one of {TAXONOMIES}, not {taxonomy!r}")
        if not hasattr(self, "indexes_"):
            raise RuntimeError("TitleNormalizer is not fitted")
        if taxonomy not in self.indexes_:
            raise ValueError(f"the model was fit without {taxonomy} titles")
        return self.indexes_[taxonomy]

    def _scores(self, queries: sp.csr_matrix, index: _Index) -> np.ndarray:
        sims = _sparse_dot(queries, index.titles_t)
        scores = np.maximum.reduceat(sims, index.starts, axis=1)
        if self.sum_weight:
            np.maximum(sims, 0.0, out=sims)
            close = sims ** np.float32(self.power)
            scores += np.float32(self.sum_weight) * np.add.reduceat(close, index.starts, axis=1)
        if self.centroid_weight:
            scores += np.float32(self.centroid_weight) * _sparse_dot(queries, index.centroids_t)
        return scores

    def score_matrix(self, titles: Sequence[str], taxonomy: str = "onet") -> np.ndarray:
        """Scores of every title (rows) against every occupation (columns, see :meth:`codes`)."""
        return self._score_texts([feature_text_of(t) for t in titles], self._index(taxonomy))

    def _score_texts(self, texts: Sequence[str], index: _Index) -> np.ndarray:
        out = np.zeros((len(texts), len(index.codes)), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            out[start : start + len(batch)] = self._scores(self._embed_features(batch), index)
        return out

    def predict(
        self, titles: Sequence[str], taxonomy: str = "onet", top_k: int | None = None
    ) -> list[list[Candidate]]:
        """Top-k occupations per title, best first; an empty title gets an empty list."""
        texts = [feature_text_of(t) if isinstance(t, str) else "" for t in titles]
        index = self._index(taxonomy)
        scores = self._score_texts(texts, index)
        k = min(top_k or self.top_k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        results: list[list[Candidate]] = []
        for row, cols in enumerate(top):
            if not texts[row]:
                results.append([])
                continue
            cols = cols[np.lexsort((cols, -scores[row, cols]))]
            results.append(
                [
                    Candidate(
                        index.codes[c], index.names[c], taxonomy, round(float(scores[row, c]), 6)
                    )
                    for c in cols
                ]
            )
        return results

    def is_confident(self, candidates: Sequence[Candidate]) -> bool:
        """Whether a prediction's best candidate scores at least ``min_score``.

        Below it the match is forced (e.g. "Software Tester" onto Nursing Assistants in a
        bundle without software jobs): callers say "no confident match" and still show the
        candidates, and the referral engine does not take it for a known occupation.
        """
        return bool(candidates) and candidates[0].score >= self.min_score

    # ----------------------------------------------------------------- persistence

    def save(self, directory: Path | str) -> Path:
        """Write ``params.json`` and ``model.joblib`` (vectorizers and sparse matrices)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            "word_vectorizer": self.word_vectorizer_,
            "char_vectorizer": self.char_vectorizer_,
            "indexes": {t: asdict(i) for t, i in self.indexes_.items()},
            "names": self.names_,
        }
        joblib.dump(state, directory / "model.joblib", compress=3)
        meta = {"format": FORMAT, "params": self.get_params(), "n_titles": self.n_titles_}
        (directory / "params.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return directory

    @classmethod
    def load(cls, directory: Path | str) -> TitleNormalizer:
        directory = Path(directory)
        meta = json.loads((directory / "params.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory} is not a {FORMAT} model")
        params: dict[str, Any] = {
            k: tuple(v) if k.endswith("ngrams") else v for k, v in meta["params"].items()
        }
        model = cls(**params)
        state = joblib.load(directory / "model.joblib")
        model.word_vectorizer_ = state["word_vectorizer"]
        model.char_vectorizer_ = state["char_vectorizer"]
        model.indexes_ = {t: _Index(**i) for t, i in state["indexes"].items()}
        model.names_ = state["names"]
        model.n_titles_ = meta["n_titles"]
        return model


def calibrate_min_score(
    scores: Sequence[float], correct: Sequence[bool], max_accuracy_below: float = 0.1
) -> float:
    """The highest top score under which top-1 answers were right at most
    ``max_accuracy_below`` of the time on dev data (``scores``: each dev title's top score,
    ``correct``: whether its top-1 was the gold occupation).

    Framed this way because the score separates forced matches (junk, or a bundle without
    the occupation) from real ones only at the low end; a precision target for the kept
    answers would throw away most right answers, since near-miss neighbours score as high.
    """
    order = np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")
    ranked = np.asarray(scores, dtype=np.float64)[order]
    hits = np.cumsum(np.asarray(correct, dtype=np.float64)[order])
    accuracy_below = hits / np.arange(1, len(ranked) + 1)
    ok = np.flatnonzero(accuracy_below <= max_accuracy_below)
    # the cut is the first score above the longest low block that stays under the bound
    if not ok.size:
        return float(ranked[0]) if ranked.size else 0.0
    return float(ranked[min(ok[-1] + 1, len(ranked) - 1)])


def _l2_rows(matrix: sp.csr_matrix, scale: float = 1.0) -> sp.csr_matrix:
    """Rows scaled to L2 norm ``scale`` (all-zero rows stay zero), as float32 CSR.

    sklearn's ``normalize`` does the same but validates its input on every call, which
    costs more than the arithmetic for the one-title batches the API sends.
    """
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    factors = np.divide(scale, norms, out=np.zeros_like(norms), where=norms > 0)
    matrix.data *= np.repeat(factors, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _sparse_dot(queries: sp.csr_matrix, items_t: sp.csr_matrix) -> np.ndarray:
    """Dense ``queries @ items_t`` over only the features the queries use.

    Char n-grams make almost every title share some feature with a query, so the product
    is dense; slicing the rows of ``items_t`` the queries touch and multiplying by the dense
    query block is several times faster than a sparse-by-sparse product with dense output.
    """
    used = np.unique(queries.indices)
    if used.size == 0:
        return np.zeros((queries.shape[0], items_t.shape[1]), dtype=np.float32)
    dense = queries[:, used].toarray()
    return np.ascontiguousarray((items_t[used].T @ dense.T).T, dtype=np.float32)


def feature_text_of(title: str) -> str:
    """Raw posting title -> the text the vectorizers see (noise removed, singular)."""
    return feature_text(clean_title(title))


def _label_text(title: str) -> str:
    """Taxonomy title -> vectorizer text; abbreviations expanded, noise words kept."""
    return feature_text(clean_title(title, noise=False))


# --------------------------------------------------------------------------- training data


def training_titles(
    onet_occupations: pl.DataFrame | None,
    onet_alternate_titles: pl.DataFrame | None = None,
    onet_reported_titles: pl.DataFrame | None = None,
    esco_occupations: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """All known titles as (text, code, taxonomy) rows, text already in feature form."""
    rows: list[tuple[str, str, str]] = []

    def add(code: str, title: str | None, taxonomy: str, short: str | None = None) -> None:
        if not code or not title:
            return
        for variant in title_variants(title, short):
            rows.append((_label_text(variant), code, taxonomy))

    if onet_occupations is not None:
        for code, title in onet_occupations.select("onet_soc_code", "title").iter_rows():
            add(code, title, "onet")
    if onet_alternate_titles is not None:
        short = (
            onet_alternate_titles.get_column("short_title")
            if "short_title" in onet_alternate_titles.columns
            else pl.Series([None] * onet_alternate_titles.height)
        )
        for (code, title), s in zip(
            onet_alternate_titles.select("onet_soc_code", "alternate_title").iter_rows(),
            short,
            strict=True,
        ):
            add(code, title, "onet", s)
    if onet_reported_titles is not None:
        for code, title in onet_reported_titles.select(
            "onet_soc_code", "reported_title"
        ).iter_rows():
            add(code, title, "onet")
    if esco_occupations is not None:
        for uri, label, alts in esco_occupations.select(
            "occupation_uri", "preferred_label", "alt_labels"
        ).iter_rows():
            for text in [label, *(alts or [])]:
                add(uri, text, "esco")
    return pl.DataFrame(
        rows, schema={"text": pl.String, "code": pl.String, "taxonomy": pl.String}, orient="row"
    )


def crosswalk_titles(
    titles: pl.DataFrame, esco_occupations: pl.DataFrame, xwalk: pl.DataFrame
) -> pl.DataFrame:
    """ESCO labels given to the O*NET occupations their ESCO occupation is crosswalked to.

    Only this direction: O*NET titles spread over every ESCO occupation of a crosswalk row
    blur ESCO ranking (dev MRR on JobBERT fell from 0.36 to 0.27). The crosswalk keys ESCO
    occupations by code; 4-digit ISCO-group rows are too broad to carry titles and are left
    out (they match no occupation code).
    """
    esco_col = "esco_code" if "esco_code" in xwalk.columns else xwalk.columns[0]
    pairs = (
        xwalk.select(
            pl.col(esco_col).cast(pl.String).alias("esco_code"),
            pl.col("onet_soc_code").cast(pl.String),
        )
        .join(
            esco_occupations.select(pl.col("code").alias("esco_code"), "occupation_uri"),
            on="esco_code",
        )
        .select("occupation_uri", "onet_soc_code")
        .unique()
    )
    return (
        titles.filter(pl.col("taxonomy") == "esco")
        .join(pairs, left_on="code", right_on="occupation_uri")
        .select("text", pl.col("onet_soc_code").alias("code"), pl.lit("onet").alias("taxonomy"))
    )


def _display_names(
    onet_occupations: pl.DataFrame | None, esco_occupations: pl.DataFrame | None
) -> dict[str, str]:
    names: dict[str, str] = {}
    if onet_occupations is not None:
        names.update(
            zip(
                *onet_occupations.select("onet_soc_code", "title")
                .to_dict(as_series=False)
                .values(),
                strict=True,
            )
        )
    if esco_occupations is not None:
        names.update(
            zip(
                *esco_occupations.select("occupation_uri", "preferred_label")
                .to_dict(as_series=False)
                .values(),
                strict=True,
            )
        )
    return names


def frames_from_bundle(bundle: Any) -> dict[str, pl.DataFrame | None]:
    """The tables :meth:`TitleNormalizer.fit` reads, from a ``matching.ingest.bundle.Bundle``."""
    names = (
        "onet_occupations",
        "onet_alternate_titles",
        "onet_reported_titles",
        "esco_occupations",
        "xwalk_esco_onet",
    )
    return {n: bundle.table(n) if bundle.has(n) else None for n in names}


def fit_from_bundle(bundle: Any, **params: Any) -> TitleNormalizer:
    """A normalizer fitted on a bundle's title tables (the crosswalk only when asked for)."""
    frames = frames_from_bundle(bundle)
    onet_occupations = frames.pop("onet_occupations")
    if onet_occupations is None:  # the one table fit needs: the bundle raises its own error
        onet_occupations = bundle.table("onet_occupations")
    model = TitleNormalizer(**params)
    if not model.use_esco_crosswalk:
        frames.pop("xwalk_esco_onet", None)
    return model.fit(onet_occupations, **frames)
