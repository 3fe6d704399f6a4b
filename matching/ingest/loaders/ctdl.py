"""Credential Engine CTDL JSON-LD as one more program source, through the ETPL adapter interface.

States now publish their training programs and credentials to the Credential Engine Registry
in CTDL (Credential Transparency Description Language). ``CtdlAdapter`` reads those documents
into the same ``etpl_programs`` table every state adapter fills (``etpl.PROGRAM_COLUMNS`` plus
``weeks_min``/``weeks_max`` and ``_line``), so a CTDL program is referred, costed and
stacked like any ETPL program. ``read_ctdl`` is the reader itself; it also returns what the
table has no column for: each program's SOC alignments and its pathway links
(``ceterms:requires`` / ``ceterms:isPreparationFor`` between programs).

Files: under the ``programs`` data folder, ``ctdl/*.json`` (or ``.jsonld``), ``ctdl/<ST>/*``
and ``*.ctdl.json``. A file holds one document, a list of documents, or a graph envelope
(``{"@context", "@graph": [...]}``); organizations in the same files resolve ``ownedBy`` /
``offeredBy`` references to a provider name.

What is read (every record the reader keeps is a program):

- ``@type``: ``ceterms:Credential`` subclasses (``Certificate``, ``Certification``, ``License``,
  ``BachelorDegree``, ``MasterDegree``, ``OpenBadge``...) and the learning types
  (``LearningOpportunityProfile``, ``LearningProgram``, ``TrainingProgram``, ``Course``), which
  give ``credential_type`` (``CREDENTIAL_TYPES``: a learning type is ``none``; a graduate degree
  has no pathmatch credential type and stays null, reported). Other types (organizations,
  assessments) are not programs and are skipped.
- ``program_id``: an ``ceterms:identifier`` whose type name is ``ETPL program ID`` (what
  ``pathmatch export ctdl`` writes), else the ``ceterms:ctid``. ``provider_id`` likewise from
  the offering (else owning) agent: its ``ETPL provider ID``, else its ctid or address.
- Text (``name``, ``description``): a language map (``{"en-US": ...}``) gives its English value
  (else its first); a plain string (the 2017 shape) is taken as is.
- Cost: ``ceterms:estimatedCost`` CostProfiles by ``directCostType``, the mapping New Jersey's
  Training Explorer reads CTDL with (newjersey/dol-mcnj-main ``credentialEngineUtils``):
  Tuition -> tuition, MixedFees -> fees, LearningResource -> books, TechnologyFee ->
  supplies, ProgramSpecificFee -> other, AggregateCost -> total; a price with no or another
  cost type is ``total`` when it is the only one, else ``other``. USD only ('USD' or the
  2017 'US Dollar'); another currency blanks the cost, reported.
- Duration: ``ceterms:estimatedDuration`` DurationProfiles in ISO 8601 (``P16W``, ``P5D``,
  ``P2Y``, ``PT120H``): an hours-only duration is ``clock_hours``; any other is weeks (a month
  is 52/12 weeks, a year 52). ``exactDuration`` is ``weeks``; ``minimumDuration`` /
  ``maximumDuration`` are ``weeks_min`` / ``weeks_max`` and ``weeks`` their midpoint (the
  lower bound when there is no upper one), the rule NJ's bracket codes follow.
- ``cip_code`` from ``instructionalProgramType`` and SOC codes from ``occupationType``
  (``CredentialAlignmentObject`` with ``codedNotation`` and ``frameworkName``).
- ``credential_name``: the name of a credential embedded as an ``isPreparationFor`` target
  (what ``pathmatch export ctdl`` writes for the credential a listing leads to).
- ``prerequisites``: the descriptions (and ``condition`` lines) of ``ceterms:requires``
  ConditionProfiles; a profile that only names target programs is a pathway link instead.
- ``format`` from ``deliveryType`` / ``learningDeliveryType`` (in person, online, blended);
  location from ``availableAt`` Place, and the program's contact person (name, title,
  telephone) from that Place's ContactPoint; the provider's email from its organization node
  and its phone from the ContactPoint of the organization's ``address``; ``state`` from the
  ``jurisdiction``'s main Place, else the ``availableAt`` region, else a ``ctdl/<ST>/`` folder
  or ``<ST>_`` file-name prefix.

Bad input never stops the rest: a file that is not JSON (or not CTDL-shaped) is one file-level
reject (``pathmatch import`` then fails naming it, as for any unreadable file of a core table,
unless ``--allow-partial``); a record with no name, no provider, no state or no usable id, or
repeating a program id seen in an earlier CTDL record, is rejected naming its ctid/@id, file,
index (``line`` is the record's 1-based position in the file) and field; a bad duration, cost
or code is blanked and reported, and the record kept.

SOC alignments and pathway links are returned by ``read_ctdl`` but not stored in the bundle:
the catalog derives a program's occupations from its CIP code (CIP-SOC crosswalk) and its
stackability from the programs themselves, for CTDL and CSV programs alike.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from matching.ingest.loaders.base import LINE, Loaded, LoadReport, cip_code, soc_code
from matching.ingest.loaders.etpl import (
    OUTCOME_COLUMNS,
    PROGRAM_COLUMNS,
    PROGRAM_EXTRAS,
    EtplAdapter,
)

Node = dict[str, Any]

PATTERNS: tuple[str, ...] = (
    "ctdl/*.json",
    "ctdl/*.jsonld",
    "ctdl/*/*.json",
    "ctdl/*/*.jsonld",
    "*.ctdl.json",
)
PROGRAM_ID_TYPE = "ETPL program ID"
PROVIDER_ID_TYPE = "ETPL provider ID"

LEARNING_TYPES = frozenset(
    {
        "ceterms:LearningOpportunityProfile",
        "ceterms:LearningOpportunity",
        "ceterms:LearningProgram",
        "ceterms:TrainingProgram",
        "ceterms:Course",
    }
)
AGENT_TYPES = frozenset(
    {"ceterms:CredentialOrganization", "ceterms:QACredentialOrganization", "ceterms:Agent"}
)
GRADUATE = ("Master", "Doctor", "Doctoral", "ProfessionalDoctorate", "ResearchDoctorate")

CREDENTIAL_TYPES: tuple[tuple[str, str | None], ...] = (
    ("License", "license"),
    ("Certification", "industry_credential"),
    ("Badge", "industry_credential"),
    ("MicroCredential", "industry_credential"),
    ("Certificate", "certificate"),
    ("Diploma", "certificate"),
    ("GeneralEducationDevelopment", "certificate"),
    ("Bachelor", "bachelor"),
    ("Associate", "associate"),
)
"""A fragment of a ``ceterms:`` credential class -> pathmatch ``CredentialType``, first match
wins ('MasterCertificate' is a certificate, 'BachelorOfScienceDegree' a bachelor's)."""

COST_TYPES: dict[str, str] = {
    "costType:Tuition": "cost_tuition",
    "costType:MixedFees": "cost_fees",
    "costType:LearningResource": "cost_books",
    "costType:TechnologyFee": "cost_supplies",
    "costType:ProgramSpecificFee": "cost_other",
    "costType:AggregateCost": "cost_total",
}
USD = frozenset({"USD", "US DOLLAR", "US DOLLARS", "DOLLAR", "$"})
DELIVERY: dict[str, str] = {
    "deliveryType:InPerson": "in_person",
    "deliveryType:OnlineOnly": "online",
    "deliveryType:BlendedDelivery": "hybrid",
}

WEEKS_PER = {"Y": 52.0, "M": 52.0 / 12, "W": 1.0, "D": 1 / 7}
HOURS_PER = {"H": 1.0, "M": 1 / 60, "S": 1 / 3600}
_ISO = re.compile(
    r"P(?!$)(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)

FLOAT_COLUMNS = frozenset(
    {c for c in PROGRAM_COLUMNS if c.startswith("cost_") or c.endswith("_value")}
    | {"clock_hours", "weeks", *PROGRAM_EXTRAS}
)
INT_COLUMNS = frozenset(
    {c for c in PROGRAM_COLUMNS if c.startswith("outcomes_") and c.endswith("_n")}
)


class CtdlError(ValueError):
    """A value or document that is not CTDL as the reader knows it."""


# --------------------------------------------------------------------------- values


def as_list(value: object) -> list[Any]:
    """CTDL gives one value or an array of them for the same property."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text(value: object) -> str | None:
    """A plain string, or a language map's English (else first) value; lists give the first."""
    if isinstance(value, list):
        return next((t for t in (text(v) for v in value) if t), None)
    if isinstance(value, dict):
        if "@value" in value:
            return text(value["@value"])
        keys = sorted(value, key=lambda k: (not k.lower().startswith("en"), k != "en-US"))
        return next((t for t in (text(value[k]) for k in keys) if t), None)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        stripped = str(value).strip()
        return stripped or None
    return None


def parse_duration(value: str) -> tuple[float | None, float | None]:
    """(weeks, clock hours) from an ISO 8601 duration: 'P16W' -> (16, None), 'PT120H' ->
    (None, 120), 'P1DT4H' -> weeks including the hours. Raises ``CtdlError`` otherwise."""
    match = _ISO.fullmatch(value.strip().upper().replace(",", "."))
    if not match:
        raise CtdlError("not an ISO 8601 duration (e.g. P16W, P6M, PT120H)")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    hours = sum(parts.get(k.lower(), 0.0) * f for k, f in HOURS_PER.items())
    if not any(k in parts for k in WEEKS_PER):
        return None, hours
    return sum(parts.get(k, 0.0) * f for k, f in WEEKS_PER.items()) + hours / 168, None


def _number(value: float) -> str:
    """A duration figure: whole numbers bare, else up to 6 decimals (ISO 8601 allows a
    decimal fraction on the last component)."""
    if abs(value - round(value)) < 1e-9:
        return str(int(round(value)))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def format_weeks(weeks: float) -> str:
    """'P16W' for whole weeks, 'P3D' for whole days, else decimal weeks ('P7.5W')."""
    if abs(weeks - round(weeks)) < 1e-9:
        return f"P{_number(weeks)}W"
    days = weeks * 7
    if abs(days - round(days)) < 1e-9:
        return f"P{_number(days)}D"
    return f"P{_number(weeks)}W"


def format_hours(hours: float) -> str:
    return f"PT{_number(hours)}H"


def node_id(value: object) -> str | None:
    """The address a reference or embedded node stands for: '@id', else its ctid."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return text(value.get("@id")) or text(value.get("ceterms:ctid"))
    return None


def ctid_of(address: str) -> str:
    """'https://credentialengineregistry.org/resources/ce-123' -> 'ce-123'."""
    return address.rstrip("/").rsplit("/", 1)[-1]


def types_of(node: Node) -> list[str]:
    return [t for t in as_list(node.get("@type")) if isinstance(t, str)]


def credential_type(kind: str) -> tuple[bool, str | None]:
    """(is a program, pathmatch credential type) for a ``ceterms:`` class name."""
    if kind in LEARNING_TYPES:
        return True, "none"
    local = kind.removeprefix("ceterms:")
    is_credential = kind.startswith("ceterms:") and (
        local in {"Credential", "Degree"}
        or local.endswith(("Degree", "Certificate", "Doctorate", "Diploma", "Credential"))
        or any(fragment in local for fragment, _ in CREDENTIAL_TYPES)
    )
    if not is_credential or "QualityAssurance" in local:
        return False, None
    return True, next((t for fragment, t in CREDENTIAL_TYPES if fragment in local), None)


# --------------------------------------------------------------------------- documents


def read_documents(path: Path) -> list[Node]:
    """Every node of a file, in order: a document, a list of them, or a graph envelope."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CtdlError(f"cannot read the file ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise CtdlError(f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    documents = data if isinstance(data, list) else [data]
    nodes: list[Node] = []
    for document in documents:
        if not isinstance(document, dict):
            raise CtdlError("not a JSON-LD document: expected an object or a list of objects")
        graph = document.get("@graph")
        if graph is not None:
            nodes.extend(n for n in as_list(graph) if isinstance(n, dict))
        else:
            nodes.append(document)
    return nodes


def _embedded(nodes: Iterable[Node]) -> Iterator[Node]:
    """Nodes and the agent nodes embedded in them (an ``ownedBy`` object with a name)."""
    for n in nodes:
        yield n
        for prop in ("ceterms:ownedBy", "ceterms:offeredBy"):
            yield from (a for a in as_list(n.get(prop)) if isinstance(a, dict))


@dataclass
class Agents:
    """Organizations by every address they are known under (@id, ctid)."""

    by_address: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> None:
        for key in (text(node.get("@id")), text(node.get("ceterms:ctid"))):
            if key and (text(node.get("ceterms:name")) or key not in self.by_address):
                self.by_address[key] = node

    def resolve(self, ref: object) -> Node | None:
        """The fullest node known for a reference (an embedded object is its own best)."""
        address = node_id(ref)
        known = self.by_address.get(address or "") or self.by_address.get(ctid_of(address or ""))
        if isinstance(ref, dict) and (text(ref.get("ceterms:name")) or known is None):
            return ref
        return known if known is not None else ({"@id": address} if address else None)


# --------------------------------------------------------------------------- one record


@dataclass
class Where:
    """A record's place for its rejects: file, 1-based index in it, and its ctid/@id."""

    file: Path
    index: int
    record: str | None
    report: LoadReport

    def problem(self, field_name: str, reason: str, severity: str = "repaired") -> None:
        self.report.reject(
            self.file,
            self.index,
            field_name,
            reason,
            severity=severity,  # type: ignore[arg-type]
            record=self.record,
        )


def identifier(node: Node, type_name: str) -> str | None:
    for value in as_list(node.get("ceterms:identifier")):
        if isinstance(value, dict) and text(value.get("ceterms:identifierTypeName")) == type_name:
            return text(value.get("ceterms:identifierValueCode"))
    return None


def _alignments(node: Node, prop: str) -> list[Node]:
    return [a for a in as_list(node.get(prop)) if isinstance(a, dict)]


def _framework(alignment: Node) -> str:
    names = (text(alignment.get("ceterms:frameworkName")), alignment.get("ceterms:framework"))
    return " ".join(t for t in names if isinstance(t, str)).lower()


def read_cip(node: Node, where: Where) -> str | None:
    """The first CIP code among ``instructionalProgramType``; bad codes are reported."""
    for alignment in _alignments(node, "ceterms:instructionalProgramType"):
        notation = text(alignment.get("ceterms:codedNotation"))
        framework = _framework(alignment)
        if notation is None or ("cip" not in framework and "instructional" not in framework):
            continue
        code = cip_code(notation)
        if code is not None:
            return code
        where.problem("ceterms:instructionalProgramType", "codedNotation is not a CIP code")
    return None


def read_socs(node: Node, where: Where) -> list[str]:
    """SOC 2018 codes among ``occupationType`` (O*NET-SOC '.00' codes roll up)."""
    codes: list[str] = []
    for alignment in _alignments(node, "ceterms:occupationType"):
        notation = text(alignment.get("ceterms:codedNotation"))
        framework = _framework(alignment)
        if notation is None or not ("occupation" in framework or "soc" in framework):
            continue
        code = soc_code(notation)
        if code is None:
            where.problem("ceterms:occupationType", "codedNotation is not a SOC code")
        elif code not in codes:
            codes.append(code)
    return codes


def read_cost(node: Node, where: Where) -> dict[str, float | None]:
    """Cost columns from ``estimatedCost`` (see the module docstring for the mapping)."""
    cost: dict[str, float | None] = {}
    untyped: list[float] = []
    for profile in _alignments(node, "ceterms:estimatedCost"):
        raw = profile.get("ceterms:price")
        if raw is None:
            continue
        currency = (text(profile.get("ceterms:currency")) or "USD").upper()
        if currency not in USD:
            where.problem("ceterms:estimatedCost", "price not in US dollars; cost left null")
            return {}
        price = _price(raw)
        if price is None:
            where.problem("ceterms:estimatedCost", "price is not a non-negative number")
            continue
        kinds = [_cost_kind(t) for t in as_list(profile.get("ceterms:directCostType"))]
        column = next((COST_TYPES[k] for k in kinds if k in COST_TYPES), None)
        if column is None:
            untyped.append(price)
        else:
            cost[column] = (cost.get(column) or 0.0) + price
    if len(untyped) == 1 and "cost_total" not in cost:
        cost["cost_total"] = untyped[0]
    elif untyped:
        cost["cost_other"] = (cost.get("cost_other") or 0.0) + sum(untyped)
    return cost


def _price(value: object) -> float | None:
    """A finite non-negative price from a number or a numeric string ('1450.00')."""
    if isinstance(value, bool):
        return None
    try:
        price = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    return price if price is not None and math.isfinite(price) and price >= 0 else None


def _cost_kind(value: object) -> str | None:
    """'costType:Tuition' from a cost-type alignment object or a bare concept."""
    return text(value.get("ceterms:targetNode")) if isinstance(value, dict) else text(value)


def read_duration(node: Node, where: Where) -> dict[str, float | None]:
    """weeks, weeks_min, weeks_max and clock_hours from ``estimatedDuration``."""
    out: dict[str, float | None] = {}
    for profile in _alignments(node, "ceterms:estimatedDuration"):
        for prop, column in (
            ("ceterms:exactDuration", "weeks"),
            ("ceterms:minimumDuration", "weeks_min"),
            ("ceterms:maximumDuration", "weeks_max"),
        ):
            value = text(profile.get(prop))
            if value is None:
                continue
            try:
                weeks, hours = parse_duration(value)
            except CtdlError as exc:
                where.problem(f"ceterms:estimatedDuration {prop}", f"{exc}; left null")
                continue
            if weeks is not None:
                out.setdefault(column, weeks)
            elif column == "weeks":
                out.setdefault("clock_hours", hours)
    low, high = out.get("weeks_min"), out.get("weeks_max")
    if out.get("weeks") is None and low is not None:
        out["weeks"] = (low + high) / 2 if high is not None else low
    return out


def read_prerequisites(node: Node) -> str | None:
    """Descriptions and condition lines of ``requires`` profiles (not pure pathway links)."""
    lines: list[str] = []
    for profile in _alignments(node, "ceterms:requires"):
        described = [text(profile.get("ceterms:description"))]
        described += [text(c) for c in as_list(profile.get("ceterms:condition"))]
        lines.extend(t for t in described if t and t not in lines)
    return "\n".join(lines) or None


def read_credential_name(node: Node) -> str | None:
    """The name of the first credential embedded (not referenced) as an ``isPreparationFor``
    target: the credential the program leads to."""
    for profile in _alignments(node, "ceterms:isPreparationFor"):
        for target in _alignments(profile, "ceterms:targetCredential"):
            if node_id(target) is None and text(target.get("ceterms:name")):
                return text(target.get("ceterms:name"))
    return None


def read_links(node: Node) -> list[tuple[str, str]]:
    """(relation, target address) for every program a ConditionProfile names."""
    links: list[tuple[str, str]] = []
    for relation in ("requires", "isPreparationFor"):
        for profile in _alignments(node, f"ceterms:{relation}"):
            for prop in ("ceterms:targetCredential", "ceterms:targetLearningOpportunity"):
                targets = (node_id(t) for t in as_list(profile.get(prop)))
                links.extend((relation, t) for t in targets if t)
    return links


def read_place(node: Node) -> dict[str, str | None]:
    """Location columns from the first ``availableAt`` Place."""
    for place in _alignments(node, "ceterms:availableAt"):
        region = text(place.get("ceterms:addressRegion"))
        zip_code = re.match(r"\d{5}", text(place.get("ceterms:postalCode")) or "")
        return {
            "location_street": text(place.get("ceterms:streetAddress")),
            "location_city": text(place.get("ceterms:addressLocality")),
            "location_state": region.upper()
            if region and re.fullmatch(r"[A-Za-z]{2}", region)
            else None,
            "location_zip": zip_code.group(0) if zip_code else None,
        }
    return {}


def contact_points(places: Iterable[Node]) -> list[Node]:
    return [c for place in places for c in _alignments(place, "ceterms:targetContactPoint")]


def read_contacts(node: Node, agent: Node) -> dict[str, str | None]:
    """Provider email and phone (its organization node), the program's contact person (the
    ContactPoint of its place)."""
    emails = [t for t in (text(e) for e in as_list(agent.get("ceterms:email"))) if t]
    provider = contact_points(_alignments(agent, "ceterms:address"))
    person = next(iter(contact_points(_alignments(node, "ceterms:availableAt"))), {})
    return {
        "provider_email": "; ".join(emails) or None,
        "provider_phone": next(
            (t for c in provider for t in (text(c.get("ceterms:telephone")),) if t), None
        ),
        "contact_name": text(person.get("ceterms:name")),
        "contact_title": text(person.get("ceterms:contactType")),
        "contact_phone": text(person.get("ceterms:telephone")),
    }


def jurisdiction_state(node: Node) -> str | None:
    for profile in _alignments(node, "ceterms:jurisdiction"):
        for place in _alignments(profile, "ceterms:mainJurisdiction"):
            region = text(place.get("ceterms:addressRegion")) or ""
            if re.fullmatch(r"[A-Za-z]{2}", region):
                return region.upper()
    return None


def path_state(path: Path) -> str | None:
    """'NJ' from programs/ctdl/NJ/x.json or NJ_programs.ctdl.json."""
    if re.fullmatch(r"[A-Z]{2}", path.parent.name):
        return path.parent.name
    prefix = re.match(r"([A-Z]{2})[_-]", path.name)
    return prefix.group(1) if prefix else None


def read_format(node: Node) -> str | None:
    found = {
        DELIVERY[k]
        for prop in ("ceterms:deliveryType", "ceterms:learningDeliveryType")
        for a in _alignments(node, prop)
        if (k := text(a.get("ceterms:targetNode")) or "") in DELIVERY
    }
    if "hybrid" in found or {"online", "in_person"} <= found:
        return "hybrid"
    return next(iter(found), None)


@dataclass
class Record:
    """One program read from CTDL: its table row, SOC codes and pathway links."""

    row: dict[str, Any]
    address: str
    socs: list[str]
    links: list[tuple[str, str]]


def read_record(
    node: Node, kind: str | None, agents: Agents, where: Where, default_state: str | None
) -> Record | None:
    """A program row from one credential or learning-opportunity node (None: rejected)."""
    ctid = text(node.get("ceterms:ctid"))
    address = text(node.get("@id")) or ctid
    name = text(node.get("ceterms:name"))
    if name is None:
        where.problem("ceterms:name", "no name; record skipped", "rejected")
        return None
    program_id = identifier(node, PROGRAM_ID_TYPE) or ctid or (address and ctid_of(address))
    if program_id is None or address is None:
        where.problem("ceterms:ctid", "no ctid or @id to identify the program", "rejected")
        return None
    refs = as_list(node.get("ceterms:offeredBy")) or as_list(node.get("ceterms:ownedBy"))
    agent = next((a for a in (agents.resolve(r) for r in refs) if a), None)
    if agent is None:
        where.problem("ceterms:offeredBy", "no ownedBy/offeredBy provider; skipped", "rejected")
        return None
    place = read_place(node)
    state = jurisdiction_state(node) or place.get("location_state") or default_state
    if state is None:
        where.problem(
            "ceterms:jurisdiction",
            "no state: no jurisdiction or availableAt region, and the file is not in a "
            "ctdl/<ST>/ folder or named <ST>_...; record skipped",
            "rejected",
        )
        return None
    agent_address = node_id(agent) or ""
    row: dict[str, Any] = {
        "program_id": program_id,
        "state": state,
        "provider_id": identifier(agent, PROVIDER_ID_TYPE)
        or text(agent.get("ceterms:ctid"))
        or ctid_of(agent_address),
        "provider_name": text(agent.get("ceterms:name")),
        "provider_website": text(agent.get("ceterms:subjectWebpage")),
        "name": name,
        "description": text(node.get("ceterms:description")),
        "cip_code": read_cip(node, where),
        "credential_type": credential_type(kind)[1] if kind else None,
        "credential_name": read_credential_name(node),
        "format": read_format(node),
        "prerequisites": read_prerequisites(node),
        **read_cost(node, where),
        **read_duration(node, where),
        **place,
        **read_contacts(node, agent),
    }
    if kind and row["credential_type"] is None:
        where.problem("@type", f"{kind} has no pathmatch credential type; left null", "missing")
    if row["provider_name"] is None:
        where.problem("ceterms:offeredBy", "provider has no name in these files", "missing")
    return Record(row, address, read_socs(node, where), read_links(node))


# --------------------------------------------------------------------------- many files


@dataclass
class CtdlRead:
    """What ``read_ctdl`` returns: the programs (as ``etpl_programs``), their SOC codes
    (``program_id, soc_code``) and the pathway links between programs read
    (``from_program_id, to_program_id, relation``: 'requires' means from is required for to;
    'isPreparationFor' that from prepares for to)."""

    programs: Loaded
    occupations: pl.DataFrame
    links: pl.DataFrame


def _program_nodes(
    paths: Sequence[Path], report: LoadReport
) -> tuple[list[tuple[Path, int, Node]], Agents]:
    nodes: list[tuple[Path, int, Node]] = []
    agents = Agents()
    for path in paths:
        report.files.append(Path(path).name)
        try:
            found = read_documents(Path(path))
        except CtdlError as exc:
            report.reject(path, None, None, f"malformed CTDL document: {exc}")
            continue
        for node in _embedded(found):
            if set(types_of(node)) & AGENT_TYPES:
                agents.add(node)
        nodes.extend((Path(path), i, n) for i, n in enumerate(found, start=1))
    return nodes, agents


def read_ctdl(paths: Sequence[Path], default_state: str | None = None) -> CtdlRead:
    """Programs, SOC alignments and pathway links from CTDL files (module docstring)."""
    report = LoadReport("etpl_programs")
    nodes, agents = _program_nodes(paths, report)
    records: list[Record] = []
    seen: dict[str, tuple[str, int]] = {}
    for path, index, node in nodes:
        where = Where(path, index, text(node.get("ceterms:ctid")) or text(node.get("@id")), report)
        kinds = types_of(node)
        if not kinds:
            where.problem("@type", "no @type; record skipped", "rejected")
            report.rows_read += 1
            continue
        kind = next((k for k in kinds if credential_type(k)[0]), None)
        if kind is None:
            if not set(kinds) & AGENT_TYPES:
                where.problem(
                    "@type",
                    f"{kinds[0]} is not a credential or learning opportunity; skipped",
                    "missing",
                )
            continue
        report.rows_read += 1
        record = read_record(node, kind, agents, where, path_state(path) or default_state)
        if record is None:
            continue
        pid = record.row["program_id"]
        if pid in seen:
            first_file, first_index = seen[pid]
            where.problem(
                "ceterms:ctid",
                f"duplicate program, first seen in {first_file} "
                f"record {first_index}; record skipped",
                "rejected",
            )
            continue
        seen[pid] = (path.name, index)
        record.row[LINE] = index
        records.append(record)
    report.rows_kept = len(records)
    return CtdlRead(
        Loaded(_table(r.row for r in records), report), _occupations(records), _links(records)
    )


def _table(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    columns = [*PROGRAM_COLUMNS, *PROGRAM_EXTRAS, LINE]
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        c: pl.Float64
        if c in FLOAT_COLUMNS
        else pl.Int64
        if c in INT_COLUMNS | {LINE}
        else pl.String
        for c in columns
    }
    data = [{c: row.get(c) for c in columns} for row in rows]
    return pl.DataFrame(data, schema=schema, orient="row") if data else pl.DataFrame(schema=schema)


def _occupations(records: Sequence[Record]) -> pl.DataFrame:
    rows = [(r.row["program_id"], soc) for r in records for soc in r.socs]
    return pl.DataFrame(rows, schema={"program_id": pl.String, "soc_code": pl.String}, orient="row")


def _links(records: Sequence[Record]) -> pl.DataFrame:
    """Links whose target is one of the programs read, by program id."""
    by_address: dict[str, str] = {}
    for r in records:
        by_address[r.address] = by_address[ctid_of(r.address)] = r.row["program_id"]
    rows: list[tuple[str, str, str]] = []
    for r in records:
        for relation, target in r.links:
            other = by_address.get(target) or by_address.get(ctid_of(target))
            if other is None or other == r.row["program_id"]:
                continue
            pid = r.row["program_id"]
            pair = (other, pid) if relation == "requires" else (pid, other)
            rows.append((*pair, relation))
    schema = {"from_program_id": pl.String, "to_program_id": pl.String, "relation": pl.String}
    return pl.DataFrame(sorted(set(rows)), schema=schema, orient="row")


# --------------------------------------------------------------------------- the adapter


class CtdlAdapter(EtplAdapter):
    """CTDL documents under ``programs/`` as ETPL programs (any state; see ``read_record``).

    CTDL carries no ETPL outcome file, so outcomes are null; every CTDL file is loaded (one
    registry record per file is the common shape), not only the newest.
    """

    state: ClassVar[str] = "CTDL"
    programs_patterns: ClassVar[tuple[str, ...]] = PATTERNS
    outcomes_patterns: ClassVar[tuple[str, ...]] = ()

    def read_programs(self, path: Path) -> Loaded:
        return read_ctdl([path]).programs

    def load_outcomes(self, path: Path) -> Loaded:
        empty = pl.DataFrame(schema={c: pl.String for c in OUTCOME_COLUMNS} | {LINE: pl.Int64})
        return Loaded(empty, LoadReport("etpl_outcomes"))

    def load_programs_source(self, paths: Sequence[Path]) -> Loaded:
        return read_ctdl(sorted(paths)).programs
