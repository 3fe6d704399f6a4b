"""One skill vocabulary for extraction and linking: ESCO skills plus O*NET technology and tools.

Every later stage (phrase matcher, linker, demand features) needs the same answers: which
surface labels name which skill, what a skill's preferred label, kind and collections are,
and which O*NET identifiers an ESCO skill corresponds to. ``SkillTaxonomy`` builds those
answers once from bundle tables, with polars (about a second for the 13.9k ESCO skills and
the 27k O*NET technology/tool examples), and is cheap to pickle or rebuild.

Skills and their ids:

* ESCO skills and knowledge concepts, id = ESCO URI; labels = preferred, alternative
  (``alt``) and hidden labels; ``kind`` 'skill' | 'knowledge'; ``reuse_level``; collections
  ('transversal', 'digital', 'language', 'green', ...).
* O*NET technology-skill examples (``Technology Skills.txt``), id
  ``onet:tech:<UNSPSC commodity>:<example lowercased>``, kind 'technology', and tools
  (``Tools Used.txt``), id ``onet:tool:...``, kind 'tool'. Label type ``onet_example``;
  the commodity title ("Spreadsheet software") is the description, never a label, since it
  names a category shared by many examples.

How an ESCO skill gets O*NET ids (:meth:`SkillTaxonomy.onet_ids`), two documented routes:

1. **Label equivalence** (technology and tools). An ESCO label and an O*NET example are
   linked when their normalized texts (lower case, collapsed spaces) are equal, also after
   dropping a trailing qualifier in parentheses from the ESCO label ("Java (computer
   programming)" -> "java") or a vendor word from the O*NET example ("Oracle Java" ->
   "java"; a vendor is a first word that starts five or more distinct multi-word examples).
   On ESCO v1.1.1 x O*NET 27.x this links 115 ESCO skills to 166 examples (software,
   languages, some equipment); nothing is inferred beyond equal text, and the ``method``
   column says which rule made each link (the vendor rule is the least certain: it links
   'iOS' to 'Cisco IOS').
2. **Occupations** (:meth:`SkillTaxonomy.onet_soc_codes`). ESCO occupation-skill relations
   joined to the ESCO to O*NET-SOC occupation crosswalk (``xwalk_esco_onet``, keyed by ESCO
   occupation code, with 4-digit ISCO-group rows used for occupations without their own
   row) give the O*NET-SOC codes of occupations that require the skill, with how many ESCO
   occupations support each code. These are occupation codes, not skill ids, so they are
   kept apart from :meth:`onet_ids`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

import polars as pl

ESCO = "ESCO"
ONET = "O*NET"
LABEL_COLUMNS = ("skill_id", "label", "label_type", "taxonomy")
SKILL_COLUMNS = (
    "skill_id",
    "preferred_label",
    "taxonomy",
    "kind",
    "reuse_level",
    "description",
    "collections",
    "n_occupations",
)
_EMPTY_LIST = pl.lit([], dtype=pl.List(pl.String))
_VENDOR_MIN_EXAMPLES = 5


def normalize_label(text: str) -> str:
    """Lower case, trimmed, inner whitespace collapsed: the key labels are compared on."""
    return re.sub(r"\s+", " ", text).strip().lower()


def _norm_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()


def _punct_key(text: str) -> str:
    """Looser key: punctuation dropped too ('health, safety and hygiene' == '... safety ...')."""
    return normalize_label(re.sub(r"[^\w\s+#]", " ", text))


class SkillTaxonomy:
    """ESCO skills and O*NET technology/tool examples with labels, kinds and O*NET links.

    Build with :meth:`from_tables` or :meth:`from_bundle`. Frames:

    ``labels``  skill_id, label, label_type ('preferred' | 'alt' | 'hidden' | 'onet_example'),
                taxonomy ('ESCO' | 'O*NET'); one row per distinct (skill, label, type).
    ``skills``  skill_id, preferred_label, taxonomy, kind ('skill' | 'knowledge' |
                'technology' | 'tool'), reuse_level, description, collections list[str],
                n_occupations (ESCO occupations listing the skill as essential or optional;
                for O*NET examples, O*NET occupations listing the example).
    ``onet_links``  skill_uri, onet_id, method ('label': preferred label equal; 'alt_label':
                    an alternative/hidden label equal; 'label_paren'; 'label_vendor').
    ``soc_links``   skill_uri, onet_soc_code, n_occupations, n_essential, and the same two
                    counts over the *specific* mappings only (``n_specific``,
                    ``n_essential_specific``; see :func:`_soc_links`).
    """

    def __init__(
        self,
        skills: pl.DataFrame,
        labels: pl.DataFrame,
        onet_links: pl.DataFrame | None = None,
        soc_links: pl.DataFrame | None = None,
    ) -> None:
        self.skills = skills.select(SKILL_COLUMNS)
        self.labels = labels.select(LABEL_COLUMNS)
        self.onet_links = (
            onet_links
            if onet_links is not None
            else pl.DataFrame(
                schema={"skill_uri": pl.String, "onet_id": pl.String, "method": pl.String}
            )
        )
        self.soc_links = (
            soc_links
            if soc_links is not None
            else pl.DataFrame(
                schema={
                    "skill_uri": pl.String,
                    "onet_soc_code": pl.String,
                    "n_occupations": pl.UInt32,
                    "n_essential": pl.UInt32,
                    "n_specific": pl.UInt32,
                    "n_essential_specific": pl.UInt32,
                }
            )
        )
        self._index()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_tables(
        cls,
        esco_skills: pl.DataFrame,
        onet_technology_skills: pl.DataFrame | None = None,
        esco_skill_collections: pl.DataFrame | None = None,
        *,
        onet_tools: pl.DataFrame | None = None,
        esco_occupation_skills: pl.DataFrame | None = None,
        esco_occupations: pl.DataFrame | None = None,
        xwalk_esco_onet: pl.DataFrame | None = None,
        onet_titles: pl.DataFrame | None = None,
        include_hidden: bool = True,
    ) -> SkillTaxonomy:
        """Build from bundle-shaped frames; every table but ``esco_skills`` is optional."""
        esco_skills = esco_skills.filter(
            pl.col("skill_uri").is_not_null() & pl.col("preferred_label").is_not_null()
        )
        esco_skills = esco_skills.unique("skill_uri", keep="first", maintain_order=True)
        esco_labels = _esco_labels(esco_skills, include_hidden)
        esco = _esco_skill_frame(esco_skills, esco_skill_collections, esco_occupation_skills)
        onet_frames = [
            _onet_examples(t, kind)
            for t, kind in ((onet_technology_skills, "technology"), (onet_tools, "tool"))
            if t is not None and t.height
        ]
        skills = pl.concat([esco, *(f[0] for f in onet_frames)], how="vertical_relaxed")
        labels = pl.concat([esco_labels, *(f[1] for f in onet_frames)], how="vertical_relaxed")
        onet_labels = pl.concat([f[1] for f in onet_frames]) if onet_frames else None
        links = _label_links(esco_labels, onet_labels) if onet_labels is not None else None
        soc = None
        if (
            esco_occupation_skills is not None
            and esco_occupations is not None
            and xwalk_esco_onet is not None
        ):
            soc = _soc_links(esco_occupation_skills, esco_occupations, xwalk_esco_onet, onet_titles)
        return cls(skills, labels, links, soc)

    @classmethod
    def from_bundle(cls, bundle: Any, *, include_hidden: bool = True) -> SkillTaxonomy:
        """Build from a :class:`matching.ingest.bundle.Bundle`, using whichever tables it has."""

        def get(name: str) -> pl.DataFrame | None:
            return bundle.table(name) if bundle.has(name) else None

        skills = get("esco_skills")
        if skills is None:
            raise ValueError(f"bundle {getattr(bundle, 'path', '')} has no esco_skills table")
        return cls.from_tables(
            skills,
            get("onet_technology_skills"),
            get("esco_skill_collections"),
            onet_tools=get("onet_tools"),
            esco_occupation_skills=get("esco_occupation_skills"),
            esco_occupations=get("esco_occupations"),
            xwalk_esco_onet=get("xwalk_esco_onet"),
            onet_titles=_onet_titles(get("onet_occupations"), get("onet_alternate_titles")),
            include_hidden=include_hidden,
        )

    def _index(self) -> None:
        rows = self.skills.select("skill_id", "preferred_label", "kind", "taxonomy").rows()
        self._ids: list[str] = [r[0] for r in rows]
        self._pos: dict[str, int] = {sid: i for i, sid in enumerate(self._ids)}
        self._preferred = {r[0]: r[1] for r in rows}
        self._kind = {r[0]: r[2] for r in rows}
        self._taxonomy = {r[0]: r[3] for r in rows}
        self._by_preferred: dict[str, str] = {}
        self._by_punct: dict[str, str] = {}
        for sid, label, _, tax in rows:
            if tax == ESCO:
                self._by_preferred.setdefault(normalize_label(label), sid)
                self._by_punct.setdefault(_punct_key(label), sid)
        self._onet: dict[str, list[str]] = _group(
            self.onet_links.select("skill_uri", "onet_id").unique(maintain_order=True).rows()
        )
        soc = self.soc_links.sort(
            ["skill_uri", "n_occupations", "onet_soc_code"], descending=[False, True, False]
        )
        self._soc: dict[str, list[str]] = _group(soc.select("skill_uri", "onet_soc_code").rows())

    def __getstate__(self) -> dict[str, Any]:
        # Frames only: the lookup dicts are rebuilt on load (faster than unpickling them).
        return {
            "skills": self.skills,
            "labels": self.labels,
            "onet_links": self.onet_links,
            "soc_links": self.soc_links,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["skills"],
            state["labels"],
            state["onet_links"],
            state["soc_links"],
        )

    # ------------------------------------------------------------------ lookups

    @property
    def ids(self) -> list[str]:
        """Every skill id: ESCO URIs first (file order), then O*NET technology, then tools."""
        return list(self._ids)

    @property
    def esco_ids(self) -> list[str]:
        return [s for s in self._ids if self._taxonomy[s] == ESCO]

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._pos

    def preferred_label(self, skill_id: str) -> str:
        """Preferred label (ESCO) or example text (O*NET); KeyError for an unknown id."""
        return self._preferred[skill_id]

    def kind(self, skill_id: str) -> str:
        return self._kind[skill_id]

    def taxonomy(self, skill_id: str) -> str:
        """'ESCO' or 'O*NET'."""
        return self._taxonomy[skill_id]

    def row(self, skill_id: str) -> dict[str, Any]:
        """Everything the ``skills`` frame holds about one skill."""
        return self.skills.row(self._pos[skill_id], named=True)

    def onet_ids(self, skill_uri: str) -> list[str]:
        """O*NET technology/tool skill ids equivalent to an ESCO skill by label (see module)."""
        return list(self._onet.get(skill_uri, ()))

    def onet_soc_codes(self, skill_uri: str) -> list[str]:
        """O*NET-SOC codes of occupations requiring the skill (ESCO relations x crosswalk),
        best supported first; empty when the bundle has no crosswalk."""
        return list(self._soc.get(skill_uri, ()))

    def uri_for_label(self, label: str) -> str | None:
        """ESCO URI whose preferred label equals ``label`` (case- and space-insensitive,
        then punctuation-insensitive: Decorte's label file drops commas)."""
        key = normalize_label(label)
        return self._by_preferred.get(key) or self._by_punct.get(_punct_key(label))


_by_bundle: dict[tuple[str, str], SkillTaxonomy] = {}
_by_bundle_lock = threading.Lock()


def taxonomy_of(bundle: Any) -> SkillTaxonomy:
    """The bundle's taxonomy, built once per process and bundle version (path and hash).

    The engine and a pipeline initialized from ``config.cfg``
    (``pathmatch.bundle_taxonomy.v1``) ask for the same bundle; this way they share one
    object instead of building it twice. Only the latest version of a path is kept.
    """
    key = (str(bundle.path), str(bundle.hash))
    with _by_bundle_lock:
        found = _by_bundle.get(key)
        if found is None:
            found = SkillTaxonomy.from_bundle(bundle)
            for old in [k for k in _by_bundle if k[0] == key[0]]:
                del _by_bundle[old]
            _by_bundle[key] = found
        return found


# ---------------------------------------------------------------------- builders


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _esco_labels(skills: pl.DataFrame, include_hidden: bool) -> pl.DataFrame:
    parts = [
        skills.select(
            pl.col("skill_uri").alias("skill_id"),
            pl.col("preferred_label").alias("label"),
            pl.lit("preferred").alias("label_type"),
        )
    ]
    types = [("alt_labels", "alt")] + ([("hidden_labels", "hidden")] if include_hidden else [])
    for column, label_type in types:
        if column in skills.columns:
            parts.append(
                skills.select(
                    pl.col("skill_uri").alias("skill_id"),
                    pl.col(column).fill_null(_EMPTY_LIST).alias("label"),
                    pl.lit(label_type).alias("label_type"),
                ).explode("label")
            )
    labels = pl.concat(parts).with_columns(pl.col("label").str.strip_chars())
    return (
        labels.filter(pl.col("label").is_not_null() & (pl.col("label") != ""))
        .unique(["skill_id", "label"], keep="first", maintain_order=True)
        .with_columns(pl.lit(ESCO).alias("taxonomy"))
    )


def _esco_skill_frame(
    skills: pl.DataFrame, collections: pl.DataFrame | None, relations: pl.DataFrame | None
) -> pl.DataFrame:
    frame = skills.select(
        pl.col("skill_uri").alias("skill_id"),
        "preferred_label",
        pl.lit(ESCO).alias("taxonomy"),
        (pl.col("kind") if "kind" in skills.columns else pl.lit("skill")).alias("kind"),
        _optional(skills, "reuse_level"),
        _optional(skills, "description"),
    )
    if collections is not None and collections.height:
        grouped = (
            collections.select(pl.col("skill_uri").alias("skill_id"), "collection")
            .unique()
            .sort("collection")
            .group_by("skill_id")
            .agg(pl.col("collection").alias("collections"))
        )
        frame = frame.join(grouped, on="skill_id", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.List(pl.String)).alias("collections"))
    frame = frame.with_columns(pl.col("collections").fill_null(_EMPTY_LIST))
    if relations is not None and relations.height:
        counts = relations.group_by(pl.col("skill_uri").alias("skill_id")).agg(
            pl.col("occupation_uri").n_unique().cast(pl.UInt32).alias("n_occupations")
        )
        frame = frame.join(counts, on="skill_id", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.UInt32).alias("n_occupations"))
    return frame.with_columns(pl.col("n_occupations").fill_null(0)).select(SKILL_COLUMNS)


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    return (pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)).alias(
        column
    )


def _onet_examples(table: pl.DataFrame, kind: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One skill per O*NET ``skill_id`` (first casing seen) and its single example label."""
    table = table.filter(pl.col("skill_id").is_not_null() & pl.col("example").is_not_null())
    skills = (
        table.group_by("skill_id", maintain_order=True)
        .agg(
            pl.col("example").first().str.strip_chars().alias("preferred_label"),
            pl.col("commodity_title").first().alias("description"),
            pl.col("onet_soc_code").n_unique().cast(pl.UInt32).alias("n_occupations"),
        )
        .with_columns(
            pl.lit(ONET).alias("taxonomy"),
            pl.lit(kind).alias("kind"),
            pl.lit(None, dtype=pl.String).alias("reuse_level"),
            _EMPTY_LIST.alias("collections"),
        )
    )
    labels = skills.select(
        "skill_id",
        pl.col("preferred_label").alias("label"),
        pl.lit("onet_example").alias("label_type"),
        pl.lit(ONET).alias("taxonomy"),
    )
    return skills.select(SKILL_COLUMNS), labels


def _label_links(esco_labels: pl.DataFrame, onet_labels: pl.DataFrame) -> pl.DataFrame:
    """ESCO skill -> O*NET example by equal normalized label (plus the two relaxations)."""
    esco = esco_labels.select(
        pl.col("skill_id").alias("skill_uri"),
        "label_type",
        _norm_expr(pl.col("label")).alias("key"),
    )
    preferred = esco.filter(pl.col("label_type") == "preferred")
    preferred_paren = preferred.with_columns(
        pl.col("key").str.replace(r"\s*\([^)]*\)$", "").str.strip_chars()
    ).filter(pl.col("key") != "")
    onet = onet_labels.select(
        pl.col("skill_id").alias("onet_id"), _norm_expr(pl.col("label")).alias("key")
    )
    onet_vendor = _without_vendor(onet_labels)
    # Vendor-stripped matches only for proper-noun ESCO labels ('Java', 'ASP.NET', 'iOS'):
    # generic ones ('plan', 'database') would link to every product of that name.
    proper = pl.concat([preferred, preferred_paren]).join(
        esco_labels.filter(
            (pl.col("label_type") == "preferred") & pl.col("label").str.contains(r"[A-Z0-9]")
        )
        .select(pl.col("skill_id").alias("skill_uri"))
        .unique(),
        on="skill_uri",
    )
    method = (
        pl.when(pl.col("label_type") == "preferred")
        .then(pl.lit("label"))
        .otherwise(pl.lit("alt_label"))
        .alias("method")
    )
    parts = [
        esco.join(onet, on="key").with_columns(method),
        preferred_paren.join(onet, on="key").with_columns(pl.lit("label_paren").alias("method")),
        proper.join(onet_vendor, on="key").with_columns(pl.lit("label_vendor").alias("method")),
    ]
    return (
        pl.concat(parts)
        .select("skill_uri", "onet_id", "method")
        .unique(["skill_uri", "onet_id"], keep="first", maintain_order=True)
        .sort(["skill_uri", "onet_id"])
    )


def _without_vendor(onet_labels: pl.DataFrame) -> pl.DataFrame:
    """Technology examples keyed without their vendor word ('Oracle Java' -> 'java').

    A vendor is the first word of at least five distinct technology examples whose second
    word is capitalized too (a product name: 'Apache Spark', not 'Inventory control
    systems'); tools are left out (their first word is an adjective: 'Wire brushes').
    """
    tech = onet_labels.filter(pl.col("skill_id").str.starts_with("onet:tech:"))
    words = tech.select(
        pl.col("skill_id").alias("onet_id"),
        pl.col("label").str.strip_chars().str.split(" ").alias("words"),
    )
    multi = words.filter(pl.col("words").list.len() >= 2).with_columns(
        pl.col("words").list.first().alias("vendor")
    )
    multi = multi.filter(pl.col("words").list.get(1).str.contains(r"^[A-Z0-9]"))
    vendors = (
        multi.select("vendor", pl.col("words").list.join(" "))
        .unique()
        .group_by("vendor")
        .len()
        .filter(pl.col("len") >= _VENDOR_MIN_EXAMPLES)
        .get_column("vendor")
    )
    return multi.filter(pl.col("vendor").is_in(vendors.implode())).select(
        "onet_id", _norm_expr(pl.col("words").list.slice(1).list.join(" ")).alias("key")
    )


def _onet_titles(
    occupations: pl.DataFrame | None, alternates: pl.DataFrame | None
) -> pl.DataFrame | None:
    """``onet_soc_code, title`` (lower case): each O*NET occupation's title and its
    alternate titles, the names O*NET itself gives the occupation."""
    parts = [
        frame.select("onet_soc_code", pl.col(column).alias("title"))
        for frame, column in ((occupations, "title"), (alternates, "alternate_title"))
        if frame is not None
    ]
    if not parts:
        return None
    return (
        pl.concat(parts)
        .drop_nulls()
        .select("onet_soc_code", pl.col("title").str.to_lowercase().str.strip_chars())
        .unique()
    )


def _loose_by_title(
    occ_soc: pl.DataFrame, occupations: pl.DataFrame, titles: pl.DataFrame
) -> pl.DataFrame:
    """``occupation_uri, onet_soc_code, _confirmed, _any_confirmed``: whether one of the
    ESCO occupation's names is an O*NET title of that mapped occupation, and of any of its
    mapped occupations."""
    names = (
        occupations.select(
            "occupation_uri",
            pl.concat_list(pl.col("preferred_label"), pl.col("alt_labels").fill_null([])).alias(
                "title"
            ),
        )
        .explode("title")
        .drop_nulls()
        .select("occupation_uri", pl.col("title").str.to_lowercase().str.strip_chars())
        .unique()
    )
    confirmed = (
        names.join(titles, on="title")
        .select("occupation_uri", "onet_soc_code")
        .unique()
        .with_columns(pl.lit(True).alias("_confirmed"))
    )
    return (
        occ_soc.join(confirmed, on=["occupation_uri", "onet_soc_code"], how="left")
        .with_columns(pl.col("_confirmed").fill_null(False))
        .with_columns(pl.col("_confirmed").any().over("occupation_uri").alias("_any_confirmed"))
    )


def _soc_links(
    relations: pl.DataFrame,
    occupations: pl.DataFrame,
    xwalk: pl.DataFrame,
    onet_titles: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """skill_uri -> O*NET-SOC via the occupations that list it and the occupation crosswalk.

    The crosswalk has no match type, and some ESCO occupations are spread over many O*NET
    occupations ('cargo vehicle driver' over six, Industrial Truck and Tractor Operators
    among them, so a forklift job would need 'road traffic laws' and 'manoeuvre heavy
    trucks'). Where O*NET's own titles (``onet_titles``: titles and alternate titles) name
    one of an ESCO occupation's mapped occupations ('delivery driver' is a title of Light
    Truck Drivers), its mappings to the others are loose. Where no title decides, a mapping
    is loose when its ESCO occupation maps to more than :data:`SPECIFIC_MAPPINGS` O*NET
    occupations, unless none of the O*NET occupation's mappings is narrower (an occupation
    reached only by broad mappings keeps its best ones). ``n_specific`` /
    ``n_essential_specific`` count the specific mappings alone, for callers that want what
    the occupation itself needs (the referral profiles).
    """
    xw = (
        xwalk.select(pl.col("esco_code").cast(pl.String).str.strip_chars(), "onet_soc_code")
        .drop_nulls()
        .unique()
    )
    occ = occupations.select(
        "occupation_uri", pl.col("code").cast(pl.String), pl.col("isco_group").cast(pl.String)
    )
    direct = occ.join(xw, left_on="code", right_on="esco_code").select(
        "occupation_uri", "onet_soc_code"
    )
    unmapped = occ.join(direct.select("occupation_uri").unique(), on="occupation_uri", how="anti")
    by_group = unmapped.join(xw, left_on="isco_group", right_on="esco_code").select(
        "occupation_uri", "onet_soc_code"
    )
    occ_soc = pl.concat([direct, by_group]).unique()
    occ_soc = occ_soc.with_columns(
        pl.col("onet_soc_code").n_unique().over("occupation_uri").alias("_k")
    ).with_columns(
        (
            pl.col("_k")
            <= pl.max_horizontal(
                pl.lit(SPECIFIC_MAPPINGS), pl.col("_k").min().over("onet_soc_code")
            )
        ).alias("_specific")
    )
    if onet_titles is not None and "alt_labels" in occupations.columns:
        occ_soc = _loose_by_title(occ_soc, occupations, onet_titles).with_columns(
            pl.when(pl.col("_any_confirmed"))
            .then(pl.col("_confirmed"))
            .otherwise(pl.col("_specific"))
            .alias("_specific")
        )
    occ_soc = occ_soc.with_columns(  # an occupation left with no specific mapping keeps all
        (pl.col("_specific") | ~pl.col("_specific").any().over("onet_soc_code")).alias("_specific")
    )
    rel = relations.select(
        "occupation_uri", "skill_uri", (pl.col("relation_type") == "essential").alias("essential")
    )
    return (
        rel.join(occ_soc, on="occupation_uri")
        .group_by("skill_uri", "onet_soc_code")
        .agg(
            pl.col("occupation_uri").n_unique().cast(pl.UInt32).alias("n_occupations"),
            pl.col("essential").sum().cast(pl.UInt32).alias("n_essential"),
            pl.col("occupation_uri")
            .filter("_specific")
            .n_unique()
            .cast(pl.UInt32)
            .alias("n_specific"),
            (pl.col("essential") & pl.col("_specific"))
            .sum()
            .cast(pl.UInt32)
            .alias("n_essential_specific"),
        )
        .sort(["skill_uri", "onet_soc_code"])
    )


SPECIFIC_MAPPINGS = 3
"""The most O*NET occupations an ESCO occupation may map to and still say what each needs
(the crosswalk's median is 2, its upper quartile 3; 'cargo vehicle driver' has 6)."""
