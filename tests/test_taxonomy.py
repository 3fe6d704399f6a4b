"""SkillTaxonomy from tiny bundle-shaped frames: labels, lookups, kinds, O*NET links."""

from __future__ import annotations

import pickle

import polars as pl
import pytest

from matching.nlp.taxonomy import SkillTaxonomy, normalize_label

URI = "http://data.europa.eu/esco/skill/"
L = pl.List(pl.String)


def esco_skills() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "skill_uri": [URI + "java", URI + "pm", URI + "r", URI + "hs", URI + "spark"],
            "preferred_label": [
                "Java (computer programming)",
                "project management",
                "R",
                "health, safety and hygiene legislation",
                "SPARK",
            ],
            "alt_labels": [
                ["Java"],
                ["managing projects", "project manager duties"],
                [],
                ["health and safety rules"],
                ["Apache Spark"],
            ],
            "hidden_labels": [[], ["projekt management"], [], [], []],
            "skill_type": ["knowledge", "skill/competence", "knowledge", "knowledge", "knowledge"],
            "reuse_level": [
                "sector-specific",
                "cross-sector",
                "sector-specific",
                "cross-sector",
                None,
            ],
            "description": [
                "Java programming.",
                "Plan projects.",
                "R language.",
                "Rules.",
                "Spark.",
            ],
            "kind": ["knowledge", "skill", "knowledge", "knowledge", "knowledge"],
            "status": ["released"] * 5,
        },
        schema_overrides={"alt_labels": L, "hidden_labels": L},
    )


def onet_tech() -> pl.DataFrame:
    rows = [
        ("15-1252.00", "Oracle Java", "43232405"),
        ("15-1252.00", "Oracle Java", "43232405"),
        ("15-2051.00", "R", "43232405"),
        ("15-2051.00", "Microsoft Excel", "43232110"),
        ("11-9021.00", "Microsoft Project", "43231513"),
    ]
    # enough 'Oracle <Product>' examples for 'Oracle' to count as a vendor
    rows += [
        ("15-1252.00", f"Oracle {n}", "43232405")
        for n in ("Database", "Fusion", "Hyperion", "Taleo", "JDeveloper")
    ]
    return pl.DataFrame(
        {
            "onet_soc_code": [r[0] for r in rows],
            "example": [r[1] for r in rows],
            "commodity_code": [r[2] for r in rows],
            "commodity_title": ["Software"] * len(rows),
            "hot_technology": [True] * len(rows),
            "in_demand": [None] * len(rows),
            "skill_id": [f"onet:tech:{r[2]}:{r[1].lower()}" for r in rows],
        }
    )


def onet_tools() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "onet_soc_code": ["47-2061.00"],
            "example": ["Forklifts"],
            "commodity_code": ["24101603"],
            "commodity_title": ["Forklifts"],
            "skill_id": ["onet:tool:24101603:forklifts"],
        }
    )


def collections() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "skill_uri": [URI + "java", URI + "pm", URI + "java"],
            "collection": ["digital", "transversal", "research"],
        }
    )


def occupations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occupation_uri": ["occ/dev", "occ/pm", "occ/other"],
            "preferred_label": ["developer", "project manager", "other"],
            "code": ["2512.4", "1213.1", "9999.1"],
            "isco_group": ["2512", "1213", "2512"],
        }
    )


def relations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occupation_uri": ["occ/dev", "occ/pm", "occ/dev", "occ/other"],
            "relation_type": ["essential", "essential", "optional", "optional"],
            "skill_type": ["knowledge", "skill/competence", "skill/competence", "knowledge"],
            "skill_uri": [URI + "java", URI + "pm", URI + "pm", URI + "java"],
        }
    )


def xwalk() -> pl.DataFrame:
    # occ/other has no row of its own: its ISCO group 2512 row applies
    return pl.DataFrame(
        {
            "esco_code": ["2512.4", "1213.1", "1213.1", "2512"],
            "esco_title": ["a", "b", "b", "c"],
            "onet_soc_code": ["15-1252.00", "11-9021.00", "13-1082.00", "15-1253.00"],
            "onet_title": ["x", "y", "z", "w"],
            "esco_level": ["", "", "", ""],
        }
    )


@pytest.fixture(scope="module")
def taxonomy() -> SkillTaxonomy:
    return SkillTaxonomy.from_tables(
        esco_skills(),
        onet_tech(),
        collections(),
        onet_tools=onet_tools(),
        esco_occupation_skills=relations(),
        esco_occupations=occupations(),
        xwalk_esco_onet=xwalk(),
    )


def test_labels_frame(taxonomy: SkillTaxonomy) -> None:
    labels = taxonomy.labels
    assert labels.columns == ["skill_id", "label", "label_type", "taxonomy"]
    pm = labels.filter(pl.col("skill_id") == URI + "pm")
    assert dict(zip(pm["label"], pm["label_type"], strict=True)) == {
        "project management": "preferred",
        "managing projects": "alt",
        "project manager duties": "alt",
        "projekt management": "hidden",
    }
    onet = labels.filter(pl.col("taxonomy") == "O*NET")
    assert set(onet["label_type"]) == {"onet_example"}
    # the repeated Oracle Java row is one skill with one label
    assert onet.filter(pl.col("label") == "Oracle Java").height == 1
    assert "onet:tool:24101603:forklifts" in taxonomy


def test_without_hidden_labels() -> None:
    tax = SkillTaxonomy.from_tables(esco_skills(), include_hidden=False)
    assert "hidden" not in set(tax.labels["label_type"])


def test_ids_and_lookups(taxonomy: SkillTaxonomy) -> None:
    assert taxonomy.ids[:5] == [URI + s for s in ("java", "pm", "r", "hs", "spark")]
    assert taxonomy.esco_ids == taxonomy.ids[:5]
    assert taxonomy.preferred_label(URI + "pm") == "project management"
    assert taxonomy.preferred_label("onet:tech:43232110:microsoft excel") == "Microsoft Excel"
    assert taxonomy.kind(URI + "java") == "knowledge"
    assert taxonomy.kind("onet:tech:43232110:microsoft excel") == "technology"
    assert taxonomy.kind("onet:tool:24101603:forklifts") == "tool"
    assert taxonomy.taxonomy("onet:tool:24101603:forklifts") == "O*NET"
    row = taxonomy.row(URI + "java")
    assert row["collections"] == ["digital", "research"]
    assert row["n_occupations"] == 2
    with pytest.raises(KeyError):
        taxonomy.preferred_label("nope")


def test_uri_for_label(taxonomy: SkillTaxonomy) -> None:
    assert taxonomy.uri_for_label("Project  Management ") == URI + "pm"
    # Decorte's label file drops commas
    assert taxonomy.uri_for_label("health safety and hygiene legislation") == URI + "hs"
    assert taxonomy.uri_for_label("managing projects") is None  # preferred labels only
    assert normalize_label("  A\tB  ") == "a b"


def test_onet_ids_by_label(taxonomy: SkillTaxonomy) -> None:
    # equal label ('R' == 'R'); vendor stripped ('Oracle Java' -> 'java' == 'Java' alt and
    # paren-stripped preferred); no link for skills without an equal label
    assert taxonomy.onet_ids(URI + "r") == ["onet:tech:43232405:r"]
    assert taxonomy.onet_ids(URI + "java") == ["onet:tech:43232405:oracle java"]
    assert taxonomy.onet_ids(URI + "pm") == []
    methods = dict(
        zip(taxonomy.onet_links["skill_uri"], taxonomy.onet_links["method"], strict=True)
    )
    assert methods[URI + "r"] == "label"


def test_onet_soc_codes_via_crosswalk(taxonomy: SkillTaxonomy) -> None:
    assert taxonomy.onet_soc_codes(URI + "java") == ["15-1252.00", "15-1253.00"]
    assert set(taxonomy.onet_soc_codes(URI + "pm")) == {"15-1252.00", "11-9021.00", "13-1082.00"}
    plain = SkillTaxonomy.from_tables(esco_skills())
    assert plain.onet_soc_codes(URI + "java") == []
    assert plain.onet_ids(URI + "java") == []


def test_pickle_round_trip(taxonomy: SkillTaxonomy) -> None:
    clone = pickle.loads(pickle.dumps(taxonomy))
    assert clone.ids == taxonomy.ids
    assert clone.labels.equals(taxonomy.labels)
    assert clone.onet_ids(URI + "java") == taxonomy.onet_ids(URI + "java")
    assert clone.preferred_label(URI + "pm") == "project management"


def test_from_bundle_uses_available_tables(tmp_path) -> None:
    class FakeBundle:
        path = tmp_path
        tables = {"esco_skills": esco_skills(), "onet_technology_skills": onet_tech()}

        def has(self, name: str) -> bool:
            return name in self.tables

        def table(self, name: str) -> pl.DataFrame:
            return self.tables[name]

    tax = SkillTaxonomy.from_bundle(FakeBundle())
    assert len(tax.esco_ids) == 5
    assert "onet:tech:43232110:microsoft excel" in tax
    FakeBundle.tables = {}
    with pytest.raises(ValueError, match="esco_skills"):
        SkillTaxonomy.from_bundle(FakeBundle())
