"""Programs and their stackable pathways out as Credential Engine CTDL JSON-LD.

A state that publishes to the Credential Engine Registry, or a partner that reads it, gets the
region's programs in the shape the Registry's own records have (the samples in
``shared/data/ctdl``), and ``matching.ingest.loaders.ctdl`` reads them back unchanged in every
field CTDL has a property for (``experiments/bench_ctdl_roundtrip.py`` counts them).

One node per program:

- ``@type`` from ``credential_type`` (``CLASSES``: a license is ``ceterms:License``, an industry
  credential ``ceterms:Certification``, a certificate ``ceterms:Certificate``, degrees
  ``ceterms:AssociateDegree`` / ``ceterms:BachelorDegree``); a program awarding no credential is
  a ``ceterms:LearningOpportunityProfile``.
- ``ceterms:ctid`` a stable ``ce-<uuid5>`` of (state, program id) and ``@id`` the Registry address
  it would have once published; the ETPL program id itself is a ``ceterms:identifier``
  (``ETPL program ID``), as is the provider's on its agent node.
- ``ownedBy`` / ``offeredBy``: the provider as an embedded ``ceterms:CredentialOrganization``
  with its name and website, so a file read on its own still names it.
- ``estimatedCost``: one CostProfile per cost part, price in USD, typed with the CostType
  concepts New Jersey's Training Explorer reads (``ctdl.COST_TYPES``).
- ``estimatedDuration``: ``exactDuration`` in weeks ('P16W', 'P3D'), or the min/max bracket an
  ETPL gives ('P26W'..'P52W'); clock hours as their own profile ('PT750H').
- ``instructionalProgramType`` (CIP 2020) and ``occupationType`` (SOC 2018, from the catalog's
  CIP -> SOC targets) as CredentialAlignmentObjects with ``codedNotation`` and ``frameworkName``.
- ``requires``: a ConditionProfile whose description is the listing's prerequisites, and for a
  ``prerequisite`` stackability edge a profile naming the earlier program;
  ``isPreparationFor``: a profile per rule naming the programs this one stacks into, and one
  named after the credential the listing says the program leads to, with that credential
  embedded as its ``targetCredential`` (NJ's Training Explorer lists the names of a record's
  ``isPreparationFor`` profiles as its certifications).
- ``jurisdiction`` (the list's state), ``availableAt`` (the location, with the program's
  contact person as its ContactPoint: name, contactType = title, telephone), ``deliveryType`` /
  ``learningDeliveryType`` (the format); the provider's email on its organization node and its
  phone as the ContactPoint of its ``address``.

Not written, for want of a CTDL property (in the samples or the 2022 term list): outcomes
(CTDL's EarningsProfile / EmploymentOutcomeProfile hold annual earnings and job counts, not
quarterly employment rates with their n), schedule and schedule text (``scheduleTimingType``
is newer than the term list and no sample uses it), county.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from matching.ingest.loaders.ctdl import (
    COST_TYPES,
    PROGRAM_ID_TYPE,
    PROVIDER_ID_TYPE,
    format_hours,
    format_weeks,
)

Node = dict[str, Any]

CONTEXT = "https://credreg.net/ctdl/schema/context/json"
REGISTRY = "https://credentialengineregistry.org/resources/"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/pathmatch/ctdl")
CAO = "ceterms:CredentialAlignmentObject"
CIP_FRAMEWORK = "https://nces.ed.gov/ipeds/cipcode/"
SOC_FRAMEWORK = "https://www.bls.gov/soc/2018/"

CLASSES: dict[str, str] = {
    "license": "ceterms:License",
    "industry_credential": "ceterms:Certification",
    "certificate": "ceterms:Certificate",
    "associate": "ceterms:AssociateDegree",
    "bachelor": "ceterms:BachelorDegree",
}
LEARNING = "ceterms:LearningOpportunityProfile"
COST_NAMES: dict[str, str] = {
    "cost_tuition": "Tuition",
    "cost_fees": "Mixed Fees",
    "cost_books": "Learning Resource",
    "cost_supplies": "Technology Fee",
    "cost_other": "Program Specific Fee",
    "cost_total": "Aggregate Cost",
}
DELIVERY: dict[str, tuple[str, str]] = {
    "in_person": ("deliveryType:InPerson", "In Person"),
    "online": ("deliveryType:OnlineOnly", "Online Only"),
    "hybrid": ("deliveryType:BlendedDelivery", "Blended Delivery"),
}
RULES: dict[str, str] = {
    "prerequisite": "its prerequisites name this program's credential",
    "cip_series_level_up": "a higher credential in the same field (CIP series)",
    "related_occupation_level_up": "a higher credential for an O*NET related occupation",
}


def ctid(*parts: str) -> str:
    """A stable CTID ('ce-' and a UUID) for a pathmatch record: same input, same id."""
    return f"ce-{uuid.uuid5(NAMESPACE, ':'.join(parts))}"


def lang(value: str) -> dict[str, str]:
    return {"en-US": value}


def _ident(type_name: str, value: str) -> list[Node]:
    return [
        {
            "@type": "ceterms:IdentifierValue",
            "ceterms:identifierTypeName": type_name,
            "ceterms:identifierValueCode": value,
        }
    ]


def _alignment(framework: str, name: str, code: str, title: str | None = None) -> Node:
    node: Node = {
        "@type": CAO,
        "ceterms:framework": framework,
        "ceterms:frameworkName": lang(name),
        "ceterms:codedNotation": code,
    }
    if title:
        node["ceterms:targetNodeName"] = lang(title)
    return node


def agent(row: Mapping[str, Any]) -> Node:
    """The provider as an embedded organization node (named when the list names it)."""
    agent_ctid = ctid(row["state"], "provider", str(row["provider_id"]))
    node: Node = {
        "@type": "ceterms:CredentialOrganization",
        "@id": REGISTRY + agent_ctid,
        "ceterms:ctid": agent_ctid,
        "ceterms:identifier": _ident(PROVIDER_ID_TYPE, str(row["provider_id"])),
    }
    if row.get("provider_name"):
        node["ceterms:name"] = lang(row["provider_name"])
    if row.get("provider_website"):
        node["ceterms:subjectWebpage"] = row["provider_website"]
    if row.get("provider_email"):
        node["ceterms:email"] = row["provider_email"].split("; ")
    if row.get("provider_phone"):
        phone = {"@type": "ceterms:ContactPoint", "ceterms:telephone": [row["provider_phone"]]}
        place_node = {"@type": "ceterms:Place", "ceterms:targetContactPoint": [phone]}
        node["ceterms:address"] = [place_node]
    return node


def contact(row: Mapping[str, Any]) -> list[Node]:
    """The program's contact person as the ContactPoint of its place (empty when none)."""
    fields = {
        "ceterms:name": lang(row["contact_name"]) if row.get("contact_name") else None,
        "ceterms:contactType": lang(row["contact_title"]) if row.get("contact_title") else None,
        "ceterms:telephone": [row["contact_phone"]] if row.get("contact_phone") else None,
    }
    kept = {k: v for k, v in fields.items() if v}
    return [{"@type": "ceterms:ContactPoint", **kept}] if kept else []


def costs(row: Mapping[str, Any]) -> list[Node]:
    kind_of = {column: kind for kind, column in COST_TYPES.items()}
    profiles: list[Node] = []
    for column, name in COST_NAMES.items():
        price = row.get(column)
        if price is None:
            continue
        profiles.append(
            {
                "@type": "ceterms:CostProfile",
                "ceterms:name": lang(name),
                "ceterms:price": float(price),
                "ceterms:currency": "USD",
                "ceterms:directCostType": [
                    {
                        "@type": CAO,
                        "ceterms:framework": "https://credreg.net/ctdl/terms/CostType",
                        "ceterms:targetNode": kind_of[column],
                        "ceterms:targetNodeName": lang(name),
                    }
                ],
            }
        )
    return profiles


def durations(row: Mapping[str, Any]) -> list[Node]:
    """Weeks as exact, or as the bracket whose midpoint (or lower bound) they are."""
    weeks, low, high = row.get("weeks"), row.get("weeks_min"), row.get("weeks_max")
    profiles: list[Node] = []
    bracket = (low + high) / 2 if low is not None and high is not None else low
    profile: Node = {"@type": "ceterms:DurationProfile"}
    if low is not None and (weeks is None or _close(weeks, bracket)):
        profile["ceterms:minimumDuration"] = format_weeks(low)
        if high is not None:
            profile["ceterms:maximumDuration"] = format_weeks(high)
        profiles.append(profile)
    elif weeks is not None:
        profile["ceterms:exactDuration"] = format_weeks(weeks)
        profiles.append(profile)
    if row.get("clock_hours") is not None:
        profiles.append(
            {
                "@type": "ceterms:DurationProfile",
                "ceterms:description": lang("clock hours of instruction"),
                "ceterms:exactDuration": format_hours(row["clock_hours"]),
            }
        )
    return profiles


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))


def place(row: Mapping[str, Any]) -> list[Node]:
    fields = {
        "ceterms:streetAddress": row.get("location_street"),
        "ceterms:addressLocality": row.get("location_city"),
        "ceterms:addressRegion": row.get("location_state"),
        "ceterms:postalCode": row.get("location_zip"),
    }
    kept: Node = {k: v for k, v in fields.items() if v}
    if contact(row):
        kept["ceterms:targetContactPoint"] = contact(row)
    return [{"@type": "ceterms:Place", **kept}] if kept else []


def jurisdiction(state: str) -> list[Node]:
    main = {
        "@type": "ceterms:Place",
        "ceterms:addressRegion": state,
        "ceterms:addressCountry": "US",
    }
    return [{"@type": "ceterms:JurisdictionProfile", "ceterms:mainJurisdiction": [main]}]


def program_node(row: Mapping[str, Any], socs: Sequence[tuple[str, str | None]]) -> Node:
    """One program as a CTDL node, without its pathway links (``export_programs`` adds them)."""
    kind = CLASSES.get(row.get("credential_type") or "", LEARNING)
    node_ctid = ctid(row["state"], "program", str(row["program_id"]))
    provider = agent(row)
    node: Node = {
        "@id": REGISTRY + node_ctid,
        "@type": kind,
        "ceterms:ctid": node_ctid,
        "ceterms:name": lang(row["name"]),
        "ceterms:identifier": _ident(PROGRAM_ID_TYPE, str(row["program_id"])),
        "ceterms:ownedBy": [provider],
        "ceterms:offeredBy": [provider],
        "ceterms:jurisdiction": jurisdiction(row["state"]),
    }
    if row.get("description"):
        node["ceterms:description"] = lang(row["description"])
    optional: dict[str, list[Node]] = {
        "ceterms:availableAt": place(row),
        "ceterms:estimatedCost": costs(row),
        "ceterms:estimatedDuration": durations(row),
        "ceterms:instructionalProgramType": [
            _alignment(
                CIP_FRAMEWORK,
                "Classification of Instructional Programs",
                row["cip_code"],
                row.get("cip_title"),
            )
        ]
        if row.get("cip_code")
        else [],
        "ceterms:occupationType": [
            _alignment(SOC_FRAMEWORK, "Standard Occupational Classification", code, title)
            for code, title in socs
        ],
    }
    if row.get("format") in DELIVERY:
        concept, label = DELIVERY[row["format"]]
        prop = "ceterms:deliveryType" if kind == LEARNING else "ceterms:learningDeliveryType"
        optional[prop] = [
            {
                "@type": CAO,
                "ceterms:framework": "https://credreg.net/ctdl/terms/Delivery",
                "ceterms:targetNode": concept,
                "ceterms:targetNodeName": lang(label),
            }
        ]
    if row.get("credential_name"):
        awarded = {
            "@type": CLASSES.get(row.get("credential_type") or "", "ceterms:Credential"),
            "ceterms:name": lang(row["credential_name"]),
        }
        optional["ceterms:isPreparationFor"] = [
            {
                "@type": "ceterms:ConditionProfile",
                "ceterms:name": lang(row["credential_name"]),
                "ceterms:description": lang("The credential this program prepares for."),
                "ceterms:targetCredential": [awarded],
            }
        ]
    if row.get("prerequisites"):
        optional["ceterms:requires"] = [
            {
                "@type": "ceterms:ConditionProfile",
                "ceterms:name": lang("Prerequisites"),
                "ceterms:description": lang(row["prerequisites"]),
            }
        ]
    node.update({k: v for k, v in optional.items() if v})
    return node


def _target_prop(node: Node) -> str:
    return (
        "ceterms:targetLearningOpportunity"
        if node["@type"] == LEARNING
        else ("ceterms:targetCredential")
    )


def add_pathways(nodes: Mapping[str, Node], edges: pl.DataFrame) -> int:
    """Stackability edges a -> b as ``a isPreparationFor b`` (one profile per rule) and, for a
    ``prerequisite`` edge, ``b requires a``. Edges to programs not exported are left out."""
    count = 0
    grouped: dict[tuple[str, str], list[str]] = {}
    for a, b, rule in edges.select("from_program_id", "to_program_id", "rule").iter_rows():
        if a in nodes and b in nodes and a != b:
            grouped.setdefault((a, rule), []).append(b)
            if rule == "prerequisite":
                _link(nodes[b], "ceterms:requires", nodes[a], None)
            count += 1
    for (a, rule), targets in sorted(grouped.items()):
        for b in sorted(set(targets)):
            _link(nodes[a], "ceterms:isPreparationFor", nodes[b], rule)
    return count


def _link(node: Node, relation: str, target: Node, rule: str | None) -> None:
    """Add ``target`` to the stackable-pathway profile of ``node`` (one per rule)."""
    name = "Stackable pathway" + (f": {RULES.get(rule, rule)}" if rule else "")
    profiles: list[Node] = node.setdefault(relation, [])
    profile = next((p for p in profiles if p.get("ceterms:name") == lang(name)), None)
    if profile is None:
        profile = {"@type": "ceterms:ConditionProfile", "ceterms:name": lang(name)}
        profiles.append(profile)
    targets: list[str] = profile.setdefault(_target_prop(target), [])
    if target["@id"] not in targets:
        targets.append(target["@id"])


def export_programs(
    programs: pl.DataFrame,
    occupations: pl.DataFrame | None = None,
    edges: pl.DataFrame | None = None,
) -> list[Node]:
    """CTDL nodes for ``programs`` (``etpl_programs`` columns, any missing read as null).

    ``occupations``: ``program_id, soc2018_code[, soc2018_title]`` (the catalog's
    ``program_occupations``); ``edges``: ``from_program_id, to_program_id, rule`` (its
    ``stackability``).
    """
    socs: dict[str, dict[str, str | None]] = {}
    if occupations is not None and occupations.height:
        titles = "soc2018_title" if "soc2018_title" in occupations.columns else None
        cols = ["program_id", "soc2018_code", *([titles] if titles else [])]
        for found in occupations.select(cols).unique().sort(cols).iter_rows():
            socs.setdefault(found[0], {})[found[1]] = found[2] if titles else None
    nodes: dict[str, Node] = {}
    for row in programs.sort("program_id").to_dicts():
        pid = str(row["program_id"])
        nodes[pid] = program_node(row, sorted(socs.get(pid, {}).items()))
    if edges is not None and edges.height:
        add_pathways(nodes, edges)
    return list(nodes.values())


def write_ctdl(nodes: Sequence[Node], out: Path) -> list[Path]:
    """``out`` ending in .json/.jsonld: one graph document; otherwise a folder with one
    document per program (``<ctid>.json``, the Registry's one-record-per-resource shape)."""
    out = Path(out)
    if out.suffix.lower() in {".json", ".jsonld"}:
        out.parent.mkdir(parents=True, exist_ok=True)
        document = {"@context": CONTEXT, "@graph": list(nodes)}
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for node in nodes:
        path = out / f"{node['ceterms:ctid']}.json"
        document = {"@context": CONTEXT, **node}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written.append(path)
    return written
