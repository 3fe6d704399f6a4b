"""Which ESCO -> O*NET-SOC crosswalk mappings say what an occupation needs (``n_specific``).

The real crosswalk spreads 'cargo vehicle driver' over six O*NET occupations, Industrial
Truck and Tractor Operators among them; O*NET's own titles say it is a delivery driver. A
forklift referral must not list its road skills (issue 14 item 8).
"""

from __future__ import annotations

import polars as pl

from matching.nlp.taxonomy import SPECIFIC_MAPPINGS, _onet_titles, _soc_links

FORKLIFT, LIGHT_TRUCK, HEAVY_TRUCK = "53-7051.00", "53-3033.00", "53-3032.00"


def occupations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occupation_uri": ["occ:cargo", "occ:forklift", "occ:broad"],
            "code": ["8332.2", "8344.1", "9999.1"],
            "isco_group": ["8332", "8344", "9999"],
            "preferred_label": ["cargo vehicle driver", "forklift operator", "general hand"],
            "alt_labels": [["Delivery Driver", "teamster"], ["forklift driver"], []],
        }
    )


def crosswalk(broad_codes: list[str]) -> pl.DataFrame:
    rows = [("8332.2", c) for c in (FORKLIFT, LIGHT_TRUCK, HEAVY_TRUCK)]
    rows += [("8344.1", FORKLIFT)] + [("9999.1", c) for c in broad_codes]
    return pl.DataFrame(rows, schema=["esco_code", "onet_soc_code"], orient="row")


def relations() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occupation_uri": ["occ:cargo", "occ:forklift", "occ:broad"],
            "skill_uri": ["road_laws", "forklift", "tidy"],
            "relation_type": ["essential", "essential", "optional"],
        }
    )


def onet_titles() -> pl.DataFrame:
    titles = _onet_titles(
        pl.DataFrame({"onet_soc_code": [FORKLIFT], "title": ["Industrial Truck Operators"]}),
        pl.DataFrame(
            {
                "onet_soc_code": [LIGHT_TRUCK, FORKLIFT],
                "alternate_title": ["Delivery Driver", "Forklift Operator"],
            }
        ),
    )
    assert titles is not None
    return titles


def specific(links: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {
        (s, c): n for s, c, n in links.select("skill_uri", "onet_soc_code", "n_specific").rows()
    }


def test_a_title_names_which_mapping_is_meant() -> None:
    links = specific(_soc_links(relations(), occupations(), crosswalk([]), onet_titles()))
    assert links[("road_laws", LIGHT_TRUCK)] == 1, "'delivery driver' is a Light Truck title"
    assert links[("road_laws", FORKLIFT)] == 0
    assert links[("road_laws", HEAVY_TRUCK)] == 1, "loose, but Heavy Truck has no other mapping"
    assert links[("forklift", FORKLIFT)] == 1


def test_without_titles_the_three_way_mapping_is_still_specific() -> None:
    assert SPECIFIC_MAPPINGS == 3
    links = specific(_soc_links(relations(), occupations(), crosswalk([])))
    assert links[("road_laws", FORKLIFT)] == 1


def test_a_mapping_spread_wider_than_the_limit_is_loose_unless_it_is_all_there_is() -> None:
    wide = [f"11-10{i}1.00" for i in range(SPECIFIC_MAPPINGS)] + [FORKLIFT]
    links = specific(_soc_links(relations(), occupations(), crosswalk(wide), onet_titles()))
    assert links[("tidy", FORKLIFT)] == 0, "the forklift operator mapping is narrower"
    assert all(links[("tidy", c)] == 1 for c in wide[:-1]), "their only mapping is kept"


def test_the_all_mappings_counts_are_unchanged() -> None:
    """n_occupations / n_essential (the linker's context features) count every mapping."""
    frame = _soc_links(relations(), occupations(), crosswalk([]), onet_titles())
    row = frame.filter(pl.col("skill_uri") == "road_laws", pl.col("onet_soc_code") == FORKLIFT)
    assert row.select("n_occupations", "n_essential", "n_essential_specific").row(0) == (1, 1, 0)
