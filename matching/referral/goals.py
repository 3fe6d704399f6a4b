"""Goals and limits a participant states, and how a target occupation stands against them.

Sector goals ("want healthcare, something w/ patients", "maybe IT?", "medical office or
billing") are read as career clusters (goal words through ``SECTOR_WORDS``). An occupation's
clusters come from the bundle's ``career_clusters_soc`` table (the Advance CTE crosswalk,
``matching.ingest.loaders.clusters``; ``clusters_by_soc`` turns it into the ``clusters`` hook
of ``cluster_of``) when the bundle has it and lists the code; otherwise from its SOC group
(``SOC_CLUSTERS``, longest prefix wins, names spelled as the 2024-25 National Career
Clusters Framework, Advance CTE, spells them). ``cluster_source`` names which one was used,
for the explanation.

Limits ("can't lift", "back hurts", "sit-down job", "no driving", "no nights") are read as
demands an occupation must not carry; ``demands_of`` reads them from the occupation's O*NET
tasks (words such as lift, carry, drive) and from its SOC group (``SOC_DEMANDS``, the
documented stand-in where the bundle has few tasks), plus the program's description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

SOC_CLUSTERS: dict[str, str] = {
    "11-": "Management & Entrepreneurship",
    "13-2": "Financial Services",
    "13-": "Management & Entrepreneurship",
    "15-": "Digital Technology",
    "17-": "Advanced Manufacturing",
    "25-": "Education",
    "29-": "Healthcare & Human Services",
    "31-": "Healthcare & Human Services",
    "21-": "Healthcare & Human Services",
    "33-": "Public Service & Safety",
    "35-": "Hospitality, Events, & Tourism",
    "41-": "Marketing & Sales",
    "43-3": "Financial Services",
    "43-5": "Supply Chain & Transportation",
    "43-6013": "Healthcare & Human Services",
    "43-": "Management & Entrepreneurship",
    "47-": "Construction",
    "49-": "Advanced Manufacturing",
    "51-": "Advanced Manufacturing",
    "53-": "Supply Chain & Transportation",
    "11-3071": "Supply Chain & Transportation",
    "13-1081": "Supply Chain & Transportation",
}
OFFICE_PREFIXES = ("11-", "13-", "15-", "43-", "29-2072", "29-9021")

SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "Healthcare & Human Services": (
        "healthcare",
        "health care",
        "medical",
        "patient",
        "nurse",
        "nursing",
        "hospital",
        "clinic",
        "billing",
        "coding",
        "pharmacy",
        "phlebotom",
    ),
    "Digital Technology": (
        r"\bit\b",
        "computer",
        "tech support",
        "help desk",
        "network",
        "software",
        "web dev",
        "coding bootcamp",
    ),
    "Supply Chain & Transportation": (
        "warehouse",
        "logistics",
        "trucking",
        "truck",
        "driving",
        r"\bcdl\b",
        "delivery",
        "dispatch",
        "forklift",
    ),
    "Advanced Manufacturing": (
        "manufactur",
        "machinist",
        r"\bcnc\b",
        "welding",
        "maintenance",
        "machines",
        "production",
    ),
    "Management & Entrepreneurship": ("office job", "office work", "admin", "supervisor"),
    "Financial Services": ("bookkeep", "accounting", "quickbooks"),
    "Construction": ("construction", "electrician", "plumb", "carpent"),
}
WISH = re.compile(
    r"\b(?:want(?:s|ed)?|maybe|interested in|thinking|hoping|looking for|goal)\b"
    r"(?P<rest>[^.!;\n]*)",
    re.I,
)
NOT_WANTED = re.compile(r"\bwant(?:s)? out of\b", re.I)


@dataclass(frozen=True)
class Limit:
    """A practical limit: ``key`` names the demand it rules out; ``label`` the words shown."""

    key: str
    label: str
    pattern: str


LIMITS: tuple[Limit, ...] = (
    Limit(
        "lifting",
        "no heavy lifting",
        r"can'?t lift|cannot lift|no lifting|no heavy lifting|back (?:hurts|pain|injur)|"
        r"hurt (?:my )?(?:back|shoulder)|can'?t (?:load|carry)|cant load|bad back",
    ),
    Limit(
        "standing",
        "a sit-down job",
        r"sit[\s-]*down (?:job|work|position)|desk job|"
        r"can'?t stand|no standing",
    ),
    Limit("driving", "no driving", r"no driving|can'?t drive|cannot drive|no license to drive"),
    Limit("nights", "no nights", r"no nights|no overnights?|can'?t (?:do|work) nights"),
)
SOC_DEMANDS: dict[str, frozenset[str]] = {
    "53-3": frozenset({"driving", "lifting", "nights"}),
    "53-7": frozenset({"lifting", "standing", "nights"}),
    "31-11": frozenset({"lifting", "standing", "nights"}),
    "29-2061": frozenset({"lifting", "standing", "nights"}),
    "29-1141": frozenset({"lifting", "standing", "nights"}),
    "35-": frozenset({"standing", "lifting"}),
    "47-": frozenset({"lifting", "standing"}),
    "49-": frozenset({"lifting", "standing"}),
    "51-": frozenset({"standing", "lifting"}),
    "41-2": frozenset({"standing"}),
    "33-": frozenset({"nights", "standing"}),
    "37-": frozenset({"lifting", "standing"}),
}
TASK_DEMANDS: dict[str, re.Pattern[str]] = {
    "lifting": re.compile(r"\blift|\bcarry|\bload\b|\bunload|heavy|reposition|transfer", re.I),
    "driving": re.compile(r"\bdriv", re.I),
    "standing": re.compile(r"\bstand|on (?:their|one's) feet", re.I),
    "nights": re.compile(r"\bnight|overnight", re.I),
}


def _prefix_lookup(code: str, table: Mapping[str, object]) -> object | None:
    keys = [k for k in table if code.startswith(k)]
    return table[max(keys, key=len)] if keys else None


def cluster_of(code: str, clusters: Mapping[str, Iterable[str]] | None = None) -> set[str]:
    """Career clusters of an O*NET-SOC or SOC code (module docstring: the hook and the
    stand-in)."""
    soc = code[:7]
    if clusters is not None and soc in clusters:
        return set(clusters[soc])
    found = _prefix_lookup(soc, SOC_CLUSTERS)
    return {found} if isinstance(found, str) else set()


def clusters_by_soc(table: pl.DataFrame | None) -> dict[str, frozenset[str]]:
    """SOC 2018 code -> its Advance CTE career clusters, from a ``career_clusters_soc``
    table (every cluster of an interdisciplinary code); empty without the table."""
    if table is None or table.is_empty():
        return {}
    grouped = table.group_by("soc_code").agg(pl.col("cluster").unique())
    return {code: frozenset(names) for code, names in grouped.iter_rows()}


def cluster_source(code: str, clusters: Mapping[str, Iterable[str]] | None) -> str:
    """Where ``cluster_of`` read the code's clusters: the crosswalk or the SOC-group stand-in."""
    if clusters and code[:7] in clusters:
        return "Advance CTE career cluster"
    return "career cluster by SOC group"


def sector_goals(text: str) -> set[str]:
    """Clusters the participant says they want: sector words after a wish word."""
    out: set[str] = set()
    for match in WISH.finditer(text or ""):
        if NOT_WANTED.match(match.group(0)):
            continue
        rest = match.group("rest").lower()
        for cluster, words in SECTOR_WORDS.items():
            if any(re.search(w, rest) for w in words):
                out.add(cluster)
    return out


def stated_limits(text: str) -> list[Limit]:
    """The limits the intake states, in ``LIMITS`` order."""
    return [lim for lim in LIMITS if re.search(lim.pattern, text or "", re.I)]


def demands_of(code: str, tasks: Iterable[str], program_text: str = "") -> set[str]:
    """What the occupation (and the program's own description) asks of the body and the
    hours: task words, the SOC group's documented demands, and a sit-down limit rules out
    every occupation outside desk work (``OFFICE_PREFIXES``)."""
    out: set[str] = set()
    group = _prefix_lookup(code[:7], SOC_DEMANDS)
    if isinstance(group, frozenset):
        out |= group
    for text in [*tasks, program_text]:
        out |= {k for k, pattern in TASK_DEMANDS.items() if pattern.search(text)}
    if not code.startswith(OFFICE_PREFIXES):
        out.add("standing")
    else:
        out -= {"standing", "lifting"}
    return out
