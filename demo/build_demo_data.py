"""Build pathmatch's demo data set (Trenton-Mercer County, NJ) in the official file layouts.

Writes ``demo/data/<folder>/...`` with the same folder layout, file names, headers, title rows and
quirks as the real public data under ``/work/shared/data`` (O*NET 27.0 text files, ESCO v1.1.1
CSVs, O*NET/BLS crosswalk workbooks, NJ ETPL and outcomes CSVs, BLS OEWS and Employment
Projections workbooks, LinkedIn-style postings, an SMC-style course catalog, a WIOA caseload and
a CPS mobility edge list), so the project's loaders read the demo and the real data identically.

The content is hand-written in ``demo/demo_content``; this script only lays it out. It is
deterministic (no clock, seeded ``random.Random`` per record). Run::

    .venv/bin/python demo/build_demo_data.py [--out demo/data] [--check-only]

After writing, ``__main__`` compares every file's header with its real counterpart when
``/work/shared/data`` exists (mismatches are printed, never fatal), opens every CSV/xlsx with
polars/fastexcel, and loads the files with the project's loaders when they are importable.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from demo_content import courses as C  # noqa: E402
from demo_content import crosswalks as X  # noqa: E402
from demo_content import esco as E  # noqa: E402
from demo_content import esco_taxonomy as ET  # noqa: E402
from demo_content import geo as GEO  # noqa: E402
from demo_content import labor as L  # noqa: E402
from demo_content import onet as O  # noqa: E402
from demo_content import onet_dwa as OD  # noqa: E402
from demo_content import participants as PA  # noqa: E402
from demo_content import postings as PO  # noqa: E402
from demo_content import programs as PR  # noqa: E402
from demo_content import transitions as TR  # noqa: E402

DEFAULT_OUT = HERE / "data"
SHARED = Path("/work/shared/data")
ESCO = "http://data.europa.eu/esco/"
STATE = "NJ"

# ----------------------------------------------------------------------------- writers


def _rows_to_csv(
    rows: Iterable[Sequence[object]], *, terminator: str, quoting: int = csv.QUOTE_MINIMAL
) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=terminator, quoting=quoting)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    terminator: str = "\n",
    bom: bool = False,
) -> int:
    """Write a CSV with minimal quoting; returns the number of data rows."""
    rows = list(rows)
    text = _rows_to_csv([header, *rows], terminator=terminator)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return len(rows)


def write_tsv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """O*NET text layout: tab-delimited, LF, no quoting, one header row."""
    rows = [[("" if v is None else str(v)) for v in row] for row in rows]
    for row in rows:
        assert all("\t" not in v and "\n" not in v for v in row), row
    lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return len(rows)


def write_xlsx(path: Path, sheets: Sequence[tuple[str, list[list[object]]]]) -> None:
    """Write workbooks cell by cell: numbers stay numbers, strings stay strings, None is blank."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    # fixed document properties keep the output byte-stable across runs
    book.set_properties({"author": "pathmatch demo", "created": datetime(2024, 1, 1)})
    for name, grid in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    book.close()


def rng(key: str) -> random.Random:
    """A per-record random stream, so one record's content never shifts another's."""
    return random.Random(f"pathmatch-demo:{key}")


def fmt_num(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}"


# ----------------------------------------------------------------------------- O*NET

ONET_SOURCES = ["04,06", "08", "02", "10", "02,08", "09", "04", "02,04"]


def _short_title(alt: str) -> tuple[str, str]:
    if "=" in alt:
        title, short = alt.split("=", 1)
        return title, short
    if alt.endswith(")") and "(" in alt:
        inner = alt[alt.rindex("(") + 1 : -1]
        if inner.replace("-", "").replace("/", "").isalnum() and inner.upper() == inner:
            return alt, inner
    return alt, "n/a"


def _rl_rows(occ: dict) -> list[list[object]]:
    dist = {int(k): float(v) for k, v in (x.split(":") for x in occ["rl"].split())}
    n = 18 + rng(occ["code"]).randint(0, 20)
    rows = []
    for cat in range(1, 13):
        p = dist.get(cat, 0.0)
        if p <= 0:
            se, lo, hi = "0.00", "n/a", "n/a"
        else:
            q = min(max(p / 100, 0.005), 0.995)
            se_val = math.sqrt(q * (1 - q) / n) * 100
            logit, half = math.log(q / (1 - q)), 1.96 / math.sqrt(n * q * (1 - q))
            lo = 100 / (1 + math.exp(-(logit - half)))
            hi = 100 / (1 + math.exp(-(logit + half)))
            se, lo, hi = fmt_num(se_val), fmt_num(lo), fmt_num(hi)
        rows.append(
            [
                occ["code"],
                "2.D.1",
                "Required Level of Education",
                "RL",
                cat,
                fmt_num(p),
                n,
                se,
                lo,
                hi,
                "N",
                occ["date"],
                "Incumbent",
            ]
        )
    return rows


def build_onet(out: Path) -> dict[str, int]:
    d = out / "onet"
    occs = sorted(O.OCCUPATIONS, key=lambda o: o["code"])
    dates = ["08/2019", "08/2020", "08/2021", "08/2022"]
    for i, o in enumerate(occs):
        o["date"] = dates[i % len(dates)]
    counts: dict[str, int] = {}
    counts["Occupation Data.txt"] = write_tsv(
        d / "Occupation Data.txt",
        ["O*NET-SOC Code", "Title", "Description"],
        [[o["code"], o["title"], o["desc"]] for o in occs],
    )
    alt_rows, rep_rows, jz_rows, tech_rows, tool_rows = [], [], [], [], []
    task_rows, t2d_rows, ete_rows, rel_rows = [], [], [], []
    task_id = 80000
    for o in occs:
        r = rng(o["code"])
        for alt in sorted(o["alts"], key=str.lower):
            title, short = _short_title(alt)
            alt_rows.append([o["code"], title, short, r.choice(ONET_SOURCES)])
        for j, title in enumerate(o["reported"]):
            rep_rows.append([o["code"], title, "Y" if j < 3 else "N"])
        jz_rows.append([o["code"], o["jz"], o["date"], "Analyst"])
        for example, code, hot in sorted(o["tech"], key=lambda t: t[0].lower()):
            tech_rows.append([o["code"], example, code, O.COMMODITIES[code], hot])
        for example, code in sorted(o["tools"], key=lambda t: t[0].lower()):
            tool_rows.append([o["code"], example, code, O.COMMODITIES[code]])
        n_core = max(1, round(len(o["tasks"]) * 0.7))
        for j, (text, dwas) in enumerate(o["tasks"]):
            task_id += 1
            kind = "Core" if j < n_core else "Supplemental"
            task_rows.append(
                [o["code"], task_id, text, kind, 78 + r.randint(0, 16), o["date"], "Incumbent"]
            )
            for dwa in dwas:
                t2d_rows.append([o["code"], task_id, dwa, "03/2014", "Analyst"])
        ete_rows.extend(_rl_rows(o))
        for k, rel in enumerate(o["related"].split(), start=1):
            tier = "Primary-Short" if k <= 5 else "Primary-Long" if k <= 10 else "Supplemental"
            rel_rows.append([o["code"], rel, tier, k])
    counts["Alternate Titles.txt"] = write_tsv(
        d / "Alternate Titles.txt",
        ["O*NET-SOC Code", "Alternate Title", "Short Title", "Source(s)"],
        alt_rows,
    )
    counts["Sample of Reported Titles.txt"] = write_tsv(
        d / "Sample of Reported Titles.txt",
        ["O*NET-SOC Code", "Reported Job Title", "Shown in My Next Move"],
        rep_rows,
    )
    counts["Job Zones.txt"] = write_tsv(
        d / "Job Zones.txt", ["O*NET-SOC Code", "Job Zone", "Date", "Domain Source"], jz_rows
    )
    counts["Technology Skills.txt"] = write_tsv(
        d / "Technology Skills.txt",
        ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title", "Hot Technology"],
        tech_rows,
    )
    counts["Tools Used.txt"] = write_tsv(
        d / "Tools Used.txt",
        ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title"],
        tool_rows,
    )
    counts["Task Statements.txt"] = write_tsv(
        d / "Task Statements.txt",
        [
            "O*NET-SOC Code",
            "Task ID",
            "Task",
            "Task Type",
            "Incumbents Responding",
            "Date",
            "Domain Source",
        ],
        task_rows,
    )
    counts["Tasks to DWAs.txt"] = write_tsv(
        d / "Tasks to DWAs.txt",
        ["O*NET-SOC Code", "Task ID", "DWA ID", "Date", "Domain Source"],
        t2d_rows,
    )
    dwa_rows = []
    for dwa in sorted(OD.DWA_TITLES):
        iwa = dwa.rsplit(".", 1)[0]
        dwa_rows.append([iwa.rsplit(".", 1)[0], iwa, dwa, OD.DWA_TITLES[dwa]])
    counts["DWA Reference.txt"] = write_tsv(
        d / "DWA Reference.txt", ["Element ID", "IWA ID", "DWA ID", "DWA Title"], dwa_rows
    )
    counts["Education, Training, and Experience.txt"] = write_tsv(
        d / "Education, Training, and Experience.txt",
        [
            "O*NET-SOC Code",
            "Element ID",
            "Element Name",
            "Scale ID",
            "Category",
            "Data Value",
            "N",
            "Standard Error",
            "Lower CI Bound",
            "Upper CI Bound",
            "Recommend Suppress",
            "Date",
            "Domain Source",
        ],
        ete_rows,
    )
    counts["Related Occupations.txt"] = write_tsv(
        d / "Related Occupations.txt",
        ["O*NET-SOC Code", "Related O*NET-SOC Code", "Relatedness Tier", "Index"],
        rel_rows,
    )
    (d / "Read Me.txt").write_text(
        "pathmatch demo data in the O*NET 27.0 text layout\n"
        "--------------------------------------------------\n\n"
        "33 O*NET-SOC 2019 occupations of the Trenton-Mercer County, NJ demo region, written for\n"
        "pathmatch. Codes, official titles, job zones, UNSPSC commodity codes and DWA IDs come\n"
        "from the O*NET 27.0 Database (August 2022 Release); descriptions, tasks, alternate and\n"
        "reported titles, tools, technologies and education figures were written for the demo.\n\n"
        "For the real database, please visit:\n\n"
        "https://www.onetcenter.org/database.html\n\n"
        "This product includes information from the O*NET 27.0 Database by the U.S. Department\n"
        "of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0\n"
        "license. O*NET(R) is a trademark of USDOL/ETA. USDOL/ETA has not approved, endorsed, or\n"
        "tested these modifications.\n",
        encoding="ascii",
    )
    return counts


# ----------------------------------------------------------------------------- ESCO

SKILL_SCHEMES = f"{ESCO}concept-scheme/skills,\n{ESCO}concept-scheme/member-skills"
DIGITAL_SCHEME = f"{ESCO}concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
OCC_SCHEMES = f"{ESCO}concept-scheme/occupations,\n{ESCO}concept-scheme/member-occupations"
GROUP_SCHEMES = {
    "s": "skills",
    "h": "skills-hierarchy",
    "i": "isced-f",
    "t": "skill-transversal-groups",
}
REUSE = {
    "T": "transversal",
    "C": "cross-sector",
    "S": "sector-specific",
    "O": "occupation-specific",
}


def _modified(key: str) -> str:
    r = rng(key)
    moment = datetime(2016, 7, 1, tzinfo=UTC) + timedelta(seconds=r.randint(0, 190_000_000))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_esco(out: Path) -> dict[str, int]:
    d = out / "esco"
    digital = {tail for tail, _, _ in ET.DIGITAL}
    skill_type = {}
    skill_rows = []
    for tail, kind, reuse, label, alts in ET.SKILL_IDS:
        uuid8 = tail.split("/")[1][:8]
        skill_type[uuid8] = "knowledge" if kind == "K" else "skill/competence"
        schemes = SKILL_SCHEMES + (f",\n{DIGITAL_SCHEME}" if tail in digital else "")
        skill_rows.append(
            [
                "KnowledgeSkillCompetence",
                ESCO + tail,
                skill_type[uuid8],
                REUSE[reuse],
                label,
                "\n".join([*alts, label]) if alts else "",
                "",
                "released",
                _modified(tail),
                "",
                "",
                schemes,
                E.SKILL_DESCRIPTIONS[uuid8],
            ]
        )
    counts = {
        "skills_en.csv": write_csv(
            d / "skills_en.csv",
            [
                "conceptType",
                "conceptUri",
                "skillType",
                "reuseLevel",
                "preferredLabel",
                "altLabels",
                "hiddenLabels",
                "status",
                "modifiedDate",
                "scopeNote",
                "definition",
                "inScheme",
                "description",
            ],
            skill_rows,
            terminator="\r\n",
        )
    }
    uri_of = {tail.split("/")[1][:8]: ESCO + tail for tail, *_ in ET.SKILL_IDS}
    occ_rows, rel_rows = [], []
    for code, tail, isco, label, alts, regulated in ET.OCCUPATION_IDS:
        note = f"{ESCO}regulated-professions/{'regulated' if regulated else 'unregulated'}"
        occ_rows.append(
            [
                "Occupation",
                ESCO + tail,
                isco,
                label,
                "\n".join([*alts, label]) if alts else label,
                "",
                "released",
                _modified(tail),
                note,
                "",
                "",
                OCC_SCHEMES,
                E.OCCUPATION_DESCRIPTIONS[code],
                code,
            ]
        )
        for item in ET.OCCUPATION_SKILLS[code].split():
            rel, uuid8 = item.split(":")
            rel_rows.append(
                [
                    ESCO + tail,
                    "essential" if rel == "E" else "optional",
                    skill_type[uuid8],
                    uri_of[uuid8],
                ]
            )
    counts["occupations_en.csv"] = write_csv(
        d / "occupations_en.csv",
        [
            "conceptType",
            "conceptUri",
            "iscoGroup",
            "preferredLabel",
            "altLabels",
            "hiddenLabels",
            "status",
            "modifiedDate",
            "regulatedProfessionNote",
            "scopeNote",
            "definition",
            "inScheme",
            "description",
            "code",
        ],
        occ_rows,
        terminator="\r\n",
    )
    counts["occupationSkillRelations.csv"] = write_csv(
        d / "occupationSkillRelations.csv",
        ["occupationUri", "relationType", "skillType", "skillUri"],
        rel_rows,
        terminator="\r\n",
    )
    group_rows = []
    group_tails = set()
    for tail, code, label, schemes in ET.SKILL_GROUPS:
        group_tails.add(tail)
        group_rows.append(
            [
                "SkillGroup",
                ESCO + tail,
                label,
                "",
                "",
                "released",
                "",
                "",
                "\n".join(f"{ESCO}concept-scheme/{GROUP_SCHEMES[s]}" for s in schemes),
                "",
                code,
            ]
        )
    counts["skillGroups_en.csv"] = write_csv(
        d / "skillGroups_en.csv",
        [
            "conceptType",
            "conceptUri",
            "preferredLabel",
            "altLabels",
            "hiddenLabels",
            "status",
            "modifiedDate",
            "scopeNote",
            "inScheme",
            "description",
            "code",
        ],
        group_rows,
        terminator="\r\n",
    )

    def ctype(tail: str) -> str:
        return "SkillGroup" if tail in group_tails else "KnowledgeSkillCompetence"

    broader_rows = [[ctype(a), ESCO + a, ctype(b), ESCO + b] for a, b in ET.BROADER]
    counts["broaderRelationsSkillPillar.csv"] = write_csv(
        d / "broaderRelationsSkillPillar.csv",
        ["conceptType", "conceptUri", "broaderType", "broaderUri"],
        broader_rows,
        terminator="\r\n",
    )
    by_tail = {tail: (kind, reuse, label, alts) for tail, kind, reuse, label, alts in ET.SKILL_IDS}
    digital_rows = []
    for tail, broader_uris, broader_labels in ET.DIGITAL[:20]:
        kind, reuse, label, alts = by_tail[tail]
        digital_rows.append(
            [
                "KnowledgeSkillCompetence",
                ESCO + tail,
                label,
                "released",
                "knowledge" if kind == "K" else "skill/competence",
                REUSE[reuse],
                " | ".join([label, *alts]),
                E.SKILL_DESCRIPTIONS[tail.split("/")[1][:8]],
                broader_uris,
                broader_labels,
            ]
        )
    counts["digitalSkillsCollection_en.csv"] = write_csv(
        d / "digitalSkillsCollection_en.csv",
        [
            "conceptType",
            "conceptUri",
            "preferredLabel",
            "status",
            "skillType",
            "reuseLevel",
            "altLabels",
            "description",
            "broaderConceptUri",
            "broaderConceptPT",
        ],
        digital_rows,
        terminator="\r\n",
    )
    has_broader = {a for a, _ in ET.BROADER}
    tops = [ESCO + t for t in sorted(group_tails) if t not in has_broader]
    isced_tops = [
        ESCO + t for t, code, _, _ in ET.SKILL_GROUPS if t.startswith("isced-f/") and len(code) == 2
    ]
    scheme_rows = [
        [
            "ConceptScheme",
            DIGITAL_SCHEME,
            "Digital",
            "",
            "released",
            "",
            ",\n".join(ESCO + t for t, _, _ in ET.DIGITAL[:20]),
        ],
        [
            "ConceptScheme",
            f"{ESCO}concept-scheme/isced-f",
            "International standard classification of education: fields of education and training "
            "2013",
            "",
            "released",
            "",
            ",\n".join(isced_tops),
        ],
        [
            "ConceptScheme",
            f"{ESCO}concept-scheme/member-occupations",
            "ESCO member occupations",
            "",
            "released",
            "",
            ",\n".join(ESCO + o[1] for o in ET.OCCUPATION_IDS),
        ],
        [
            "ConceptScheme",
            f"{ESCO}concept-scheme/member-skills",
            "ESCO member skills",
            "",
            "released",
            "",
            ",\n".join(ESCO + s[0] for s in ET.SKILL_IDS),
        ],
        [
            "ConceptScheme",
            f"{ESCO}concept-scheme/skills",
            "ESCO skills",
            "",
            "released",
            "A taxonomy of the skills and competences in ESCO",
            ",\n".join(tops),
        ],
        [
            "ConceptScheme",
            f"{ESCO}concept-scheme/skills-hierarchy",
            "ESCO skills hierarchy",
            "",
            "released",
            "",
            ",\n".join(tops),
        ],
    ]
    counts["conceptSchemes_en.csv"] = write_csv(
        d / "conceptSchemes_en.csv",
        [
            "conceptType",
            "conceptSchemeUri",
            "preferredLabel",
            "title",
            "status",
            "description",
            "hasTopConcept",
        ],
        scheme_rows,
        terminator="\r\n",
    )
    return counts


# ----------------------------------------------------------------------------- crosswalks


def _onet_titles() -> dict[str, str]:
    return {o["code"]: o["title"] for o in O.OCCUPATIONS}


def build_crosswalks(out: Path) -> dict[str, int]:
    d = out / "crosswalks"
    titles = _onet_titles()
    esco_titles = {code: label for code, _, _, label, _, _ in ET.OCCUPATION_IDS}
    esco_titles.update(X.ISCO_GROUP_TITLES)
    grid: list[list[object]] = [
        ["O*NET-SOC 2019 Crosswalks"],
        ["European Skills, Competences, Qualifications and Occupations (ESCO) to O*NET-SOC 2019"],
        [],
        ["ESCO/ISCO Code", "ESCO/ISCO Title", "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title"],
    ]
    n = 0
    for code in sorted(X.ESCO_TO_ONET):
        for onet in X.ESCO_TO_ONET[code].split():
            grid.append([code, esco_titles[code], onet, titles[onet]])
            n += 1
    grid += [
        [],
        [
            None,
            "This publication uses the ESCO classification of the European "
            "Commission. ESCO v1.1.0 used.",
        ],
    ]
    write_xlsx(d / "ESCO_to_ONET-SOC.xlsx", [("O-NET-SOC 2019 Crosswalks", grid)])
    counts = {"ESCO_to_ONET-SOC.xlsx": n}

    soc_title = {o["soc"]: o["title"] for o in O.OCCUPATIONS}
    grid = [
        ["O*NET-SOC 2019 Occupation Listings"],
        ["Crosswalk O*NET-SOC 2019 to 2018 SOC"],
        [],
        ["O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title", "2018 SOC Code", "2018 SOC Title"],
    ]
    for o in sorted(O.OCCUPATIONS, key=lambda o: o["code"]):
        grid.append([o["code"], o["title"], o["soc"], soc_title[o["soc"]]])
    write_xlsx(d / "2019_to_SOC_Crosswalk.xlsx", [("O-NET-SOC 2019 Occupation Listi", grid)])
    counts["2019_to_SOC_Crosswalk.xlsx"] = len(grid) - 4

    grid = [
        ["O*NET-SOC 2010 Occupation Listings"],
        ["Crosswalk O*NET-SOC 2010 to 2018 SOC"],
        [],
        ["O*NET-SOC 2010 Code", "O*NET-SOC 2010 Title", "2018 SOC Code", "2018 SOC Title"],
    ]
    for code10, title10, soc in X.ONET2010_TO_SOC2018:
        grid.append([code10, title10, soc, soc_title[soc]])
    write_xlsx(d / "2010_to_2018_SOC_Crosswalk.xlsx", [("O-NET-SOC 2010 Occupation Listi", grid)])
    counts["2010_to_2018_SOC_Crosswalk.xlsx"] = len(grid) - 4

    # SOC 2018 hierarchy: major, minor, broad, detailed in outline order
    entries = _soc_outline(soc_title)
    title_rows: list[list[object]] = [
        ["U.S. Bureau of Labor Statistics"],
        [
            "On behalf of the Office of Management and Budget (OMB) and the Standard Occupational "
            "Classification Policy Committee (SOCPC)"
        ],
        [],
        ["November 2017 (for reference year January 2018)"],
        ["***pathmatch demo extract: the demo region's occupations only***"],
        [],
        [],
    ]
    grid = [*title_rows, ["Major Group", "Minor Group", "Broad Group", "Detailed Occupation", None]]
    for level, code, title in entries:
        row: list[object] = [None, None, None, None, title]
        row[level] = code
        grid.append(row)
    write_xlsx(d / "soc_structure_2018.xlsx", [("2018 Structure", grid)])
    counts["soc_structure_2018.xlsx"] = len(entries)

    descs = {o["soc"]: o["desc"] for o in O.OCCUPATIONS}
    names = ["Major", "Minor", "Broad", "Detailed"]
    grid = [*title_rows, ["SOC Group", "SOC Code", "SOC Title", "SOC Definition"]]
    for level, code, title in entries:
        grid.append([names[level], code, title, descs.get(code, "") if level == 3 else ""])
    write_xlsx(d / "soc_2018_definitions.xlsx", [("2018 SOC", grid)])
    counts["soc_2018_definitions.xlsx"] = len(entries)

    grid = [
        ["O*NET-SOC 2019 Occupation Listings"],
        ["O*NET-SOC and SOC structure"],
        [],
        [
            "Major Group",
            "Minor Group",
            "Broad Occupation",
            "Detailed Occupation",
            "Detailed O*NET-SOC",
            "SOC or O*NET-SOC 2019 Title",
        ],
    ]
    for level, code, title in entries:
        row = [None] * 6
        row[level], row[5] = code, title
        grid.append(row)
    write_xlsx(d / "SOC_Structure.xlsx", [("O-NET-SOC 2019 Occupation Listi", grid)])
    counts["SOC_Structure.xlsx"] = len(entries)

    counts["isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv"] = write_csv(
        d / "isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv",
        [
            "ISCO-08 Code",
            "ISCO-08 Title EN",
            "part",
            "2010 SOC Code",
            "2010 SOC Title",
            "Comment 8/17/11",
        ],
        [[*row, ""] for row in X.ISCO_TO_SOC2010],
        terminator="\r\n",
    )
    return counts


def _soc_outline(detailed_titles: dict[str, str]) -> list[tuple[int, str, str]]:
    """(level, code, title) for every group above the demo's detailed codes, in SOC order."""
    nodes: dict[str, tuple[int, str]] = {}
    for soc, (minor, broad) in X.SOC_PARENTS.items():
        major = soc[:2] + "-0000"
        nodes[major] = (0, X.SOC_GROUPS[major])
        nodes[minor] = (1, X.SOC_GROUPS[minor])
        nodes[broad] = (2, X.SOC_GROUPS[broad])
        nodes[soc] = (3, detailed_titles[soc])

    # sort key: major, minor, broad, then the code itself gives outline order
    def key(code: str) -> tuple[str, ...]:
        level = nodes[code][0]
        if level == 3:
            minor, broad = X.SOC_PARENTS[code]
            return (code[:2], minor, broad, code)
        if level == 2:
            minor = next(m for s, (m, b) in X.SOC_PARENTS.items() if b == code)
            return (code[:2], minor, code, "")
        if level == 1:
            return (code[:2], code, "", "")
        return (code[:2], "", "", "")

    return [(nodes[c][0], c, nodes[c][1]) for c in sorted(nodes, key=key)]


# ----------------------------------------------------------------------------- programs

ETPL_HEADER = (
    "providerid,officialname,cipcode,approvingagencyid,otheragency,submittedtowib,tuition,fees,"
    "booksmaterialscost,suppliestoolscost,othercosts,totalcost,prerequisites,wiaeligible,"
    "leadtodegree,degreeawarded,degreeawardedname,leadtolicense,licenseawarded,licenseawardedname,"
    "leadtoindustrycredential,industrycredential,industrycredentialname,financialaid,description,"
    "credit,totalclockhours,calendarlengthid,featuresdescription,wibcomment,statecomment,submitted,"
    "approved,contactname,contactphone,contactphoneextension,programid,statusname,credentialtype,"
    "name,schoolidentificationnumber,street1,street2,city,state,zip,county,mstreet1,mstreet2,mcity,"
    "mstate,mzip,contactfirstname,contactlastname,contacttitle,phone,phoneextension,fax,website,"
    "email,licensingagencyid,typeid,nongovapproval,certapprovalexp,customized,distancelearning,"
    "speakspanish,otherlanguages,languages,careerassist,onestopcareer,personalassist,accessajbatb,"
    "childcare,assistobtainingchildcare,eveningcourses,accessfordisabled,busroute1,busroute2,"
    "trnroute1,trnroute2,providerwibcomment,providerstatecomment,dtsubmitted,providerstatusname,"
    "standardized_name,standardized_name_1,standardized_description,"
    "standardized_featuresdescription,mentions_wioa,default_job_search_duration,"
    "mentioned_job_search_duration,google_direction_url,mention_hybrid,mention_inperson,"
    "mention_remote,commented_suspended_program_status,standardized_nongovapproval"
).split(",")


def _cip6(cip: str) -> str:
    """NJ files: 6 digits without the dot, leading zeros dropped ("51.3902" -> "513902")."""
    return str(int(cip.replace(".", "")))


def _excel_guard(value: str) -> str:
    return f'="{value}"'


def _quote_once(value: str) -> str:
    """The ETPL's extra quote layer: a value with a comma, quote or newline is CSV-quoted once
    more before the file itself is written (so after parsing it still has literal quotes)."""
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def build_programs(out: Path) -> dict[str, int]:
    d = out / "programs"
    counts: dict[str, int] = {}
    lines = [
        '"CIPFamily","CIPCode","Action","TextChange","CIPTitle","CIPDefinition",'
        '"CrossReferences","Examples"'
    ]
    for code in sorted(PR.CIP_CODES, key=lambda c: (c[:2], c)):
        action, change, title, definition = PR.CIP_CODES[code]
        examples = ""
        if len(code) == 7:
            names = [p[2] for p in PR.PROGRAMS if p[3] == code][:3]
            if names:
                examples = '"Examples: - ' + ", - ".join(names).replace('"', '""') + '"'
        lines.append(
            ",".join(
                [
                    _excel_guard(code[:2]),
                    _excel_guard(code),
                    f'"{action}"',
                    change,
                    '"' + title.replace('"', '""') + '"',
                    '"' + definition.replace('"', '""') + '"',
                    '""',
                    examples,
                ]
            )
        )
    (d).mkdir(parents=True, exist_ok=True)
    (d / "CIPCode2020.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    counts["CIPCode2020.csv"] = len(lines) - 1

    xw = [
        [cip, PR.CIP_CODES[cip][2], soc, title]
        for cip in sorted(PR.CIP_SOC)
        for soc, title in PR.CIP_SOC[cip]
    ]
    counts["CIP2020_SOC2018_Crosswalk.csv"] = write_csv(
        d / "CIP2020_SOC2018_Crosswalk.csv",
        ["CIP2020Code", "CIP2020Title", "SOC2018Code", "SOC2018Title"],
        xw,
        terminator="\r\n",
        bom=True,
    )

    counts["NJ_standardized_etpl_demo.csv"] = _write_etpl(d / "NJ_standardized_etpl_demo.csv")
    counts["NJ_outcomes_schcip.csv"] = _write_outcomes(d / "NJ_outcomes_schcip.csv")
    counts["FieldOfStudyData1516_1617_PP_CREDLEV1-2.csv"] = _write_fos(
        d / "FieldOfStudyData1516_1617_PP_CREDLEV1-2.csv"
    )
    return counts


def _etpl_row(program: tuple, index: int) -> dict[str, str]:
    (
        pid,
        prov_id,
        name,
        cip,
        tuition,
        fees,
        books,
        supplies,
        other,
        hours,
        callen,
        ctype,
        license_name,
        cred_name,
        prereq,
        evening,
        mode,
        desc,
    ) = program
    prov = PR.PROVIDERS[prov_id]
    r = rng(pid)
    has_provider = bool(prov["street"])
    total = tuition + fees + books + supplies + other
    contact = " ".join(x for x in prov["contact"][:2] if x)
    features = (
        f"Classes meet at our {prov['city']} location"
        if has_provider
        else "Classes are held at partner employers in the Hopewell Valley"
    )
    if mode == "online":
        features += " and online through live virtual sessions."
    elif mode == "hybrid":
        features += " with part of the coursework online."
    else:
        features += "."
    if evening:
        features += " Evening and weekend sections are available for working adults."
    features += " Career services help graduates apply to local employers."
    submitted = datetime(2016, 1, 4) + timedelta(
        days=r.randint(0, 2400), seconds=r.randint(0, 86000)
    )
    approved_until = f"{2023 + r.randint(0, 2)}-{r.choice(['06', '08', '09', '12'])}-30 00:00:00"
    month, day = r.randint(1, 12), r.randint(1, 28)
    statecomment = (
        (
            f"{month:02d}/{day:02d}/2022 - ETPL renewal approved. JH\n"
            f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/2021 - tuition updated per "
            "Section J. SAZ"
        )
        if index % 3
        else ""
    )
    busroute = ", ".join(x for x in prov["bus"] if x) if has_provider else ""
    row = {
        "providerid": prov_id,
        "officialname": name,
        "cipcode": _cip6(cip),
        "approvingagencyid": "1" if has_provider else "39",
        "otheragency": "",
        "submittedtowib": str(r.choice([1, 1, 1, 9, 13, 16])),
        "tuition": str(tuition),
        "fees": str(fees),
        "booksmaterialscost": str(books),
        "suppliestoolscost": str(supplies),
        "othercosts": str(other),
        "totalcost": str(total),
        "prerequisites": prereq,
        "wiaeligible": "True",
        "leadtodegree": "True" if ctype == "AssociateDegree" else "False",
        "degreeawarded": "" if ctype == "AssociateDegree" else "101",
        "degreeawardedname": (
            "Associate in Applied Science"
            if ctype == "AssociateDegree"
            else "Certificate of Completion"
        ),
        "leadtolicense": "t" if license_name else "f",
        "licenseawarded": str(1000 + r.randint(0, 99)) if license_name else "",
        "licenseawardedname": license_name,
        "leadtoindustrycredential": "True" if cred_name else "False",
        "industrycredential": str(1500 + r.randint(0, 2500)) if cred_name else "",
        "industrycredentialname": cred_name,
        "financialaid": "1" if prov_id in ("9901", "9903", "9904") else "2",
        "description": desc,
        "credit": "",
        "totalclockhours": str(hours),
        "calendarlengthid": str(callen),
        "featuresdescription": features,
        "wibcomment": "",
        "statecomment": statecomment,
        "submitted": submitted.strftime("%Y-%m-%d %H:%M:%S"),
        "approved": "1",
        "contactname": contact,
        "contactphone": prov["phone"],
        "contactphoneextension": "",
        "programid": pid,
        "statusname": "Approved",
        "credentialtype": ctype,
        "name": prov["name"] if has_provider else "",
        "schoolidentificationnumber": f"3637{int(prov_id):04d}{r.randint(1000, 9999)}"
        if has_provider
        else "",
        "street1": prov["street"],
        "street2": "",
        "city": prov["city"],
        "state": "NJ" if has_provider else "",
        "zip": prov["zip"],
        "county": "Mercer" if has_provider else "",
        "mstreet1": prov["street"],
        "mstreet2": "",
        "mcity": prov["city"],
        "mstate": "NJ" if has_provider else "",
        "mzip": prov["zip"],
        "contactfirstname": prov["contact"][0],
        "contactlastname": prov["contact"][1],
        "contacttitle": prov["contact"][2],
        "phone": prov["phone"],
        "phoneextension": "",
        "fax": "",
        "website": prov["web"],
        "email": (
            f"{prov['contact'][0][0].lower()}{prov['contact'][1].lower()}@"
            f"{prov['web'].removeprefix('www.')}"
        )
        if has_provider
        else "",
        "licensingagencyid": "1" if has_provider else "",
        "typeid": prov["typeid"],
        "nongovapproval": prov["approval"],
        "certapprovalexp": approved_until if has_provider else "",
        "customized": "2" if has_provider else "",
        "distancelearning": ("1" if mode == "online" else "2") if has_provider else "",
        "speakspanish": prov["spanish"],
        "otherlanguages": "2" if has_provider else "",
        "languages": ("Spanish, Haitian Creole" if prov["spanish"] == "1" else "")
        if has_provider
        else "",
        "careerassist": "1" if has_provider else "",
        "onestopcareer": "1" if has_provider else "",
        "personalassist": "1" if has_provider else "",
        "accessajbatb": "1" if has_provider else "",
        "childcare": "2" if has_provider else "",
        "assistobtainingchildcare": prov["childcare"],
        "eveningcourses": ("1" if evening else "2") if has_provider else "",
        "accessfordisabled": "1" if has_provider else "",
        "busroute1": busroute,
        "busroute2": "",
        "trnroute1": prov["train"],
        "trnroute2": "",
        "providerwibcomment": "",
        "providerstatecomment": (
            "01/10/2023 - ETPL renewal application approved. SH\n\n"
            "06/30/2021 - provider information updated. SAZ"
        )
        if has_provider
        else "",
        "dtsubmitted": "2015-03-02 09:15:00" if has_provider else "",
        "providerstatusname": "Approved" if has_provider else "",
        "standardized_name": name,
        "standardized_name_1": prov["short"] if has_provider else "",
        "standardized_description": desc,
        "standardized_featuresdescription": features,
        "mentions_wioa": "False",
        "default_job_search_duration": "0",
        "mentioned_job_search_duration": "",
        "google_direction_url": _directions_url(prov) if has_provider else "",
        "mention_hybrid": "True" if mode in ("hybrid", "online") else "False",
        "mention_inperson": "False",
        "mention_remote": "True" if mode == "online" else "False",
        "commented_suspended_program_status": "False",
        "standardized_nongovapproval": ("," + prov["approval"]) if prov["approval"] else "",
    }
    # the official export quotes some text fields one extra time; the standardized_* copies not
    extra = {
        "officialname",
        "prerequisites",
        "description",
        "featuresdescription",
        "statecomment",
        "contactname",
        "name",
        "street1",
        "mstreet1",
        "languages",
        "busroute1",
        "trnroute1",
        "providerstatecomment",
        "nongovapproval",
    }
    return {k: (_quote_once(v) if k in extra else v) for k, v in row.items()}


def _directions_url(prov: dict) -> str:
    city = prov["city"].replace(" ", "+")
    return (
        f"https://www.google.pl/maps/dir//{prov['short'].replace(' ', '+')}"
        f"%2B+{city}%2B+NJ%2B+{prov['zip']}"
    )


def _write_etpl(path: Path) -> int:
    rows = [_etpl_row(p, i) for i, p in enumerate(PR.PROGRAMS)]
    for row in rows:
        assert list(row) == ETPL_HEADER
    return write_csv(path, ETPL_HEADER, [list(r.values()) for r in rows])


def _fmt_rate(value: float) -> str:
    text = f"{value:.15g}"
    return text


def _write_outcomes(path: Path) -> int:
    header = [
        "providerid",
        "cipcode",
        "PerEmployed2",
        "PerEmployed4",
        "PerEmployed8",
        "AvgQuarterlyWage2",
        "AvgQuarterlyWage4",
        "AvgQuarterlyWage8",
        "PerRetention4",
        "PerRetention8",
        "NumCompleted2",
        "NumCompleted4",
        "NumCompleted8",
        "NumUsedWageCalc2",
        "NumUsedWageCalc4",
        "NumUsedWageCalc8",
        "NumUsedRetentionCalc4",
        "NumUsedRetentionCalc8",
    ]
    rows = []
    for prov, cip, e2, e4, e8, w2, w4, w8, r4, r8, n2, n4, n8 in sorted(
        PR.OUTCOMES, key=lambda o: (int(o[0]), int(o[1]))
    ):

        def rate(value: float | None, n: int) -> tuple[str, int]:
            if value is None or n == 0:
                return "-99999", 0
            k = round(value * n)
            return ("0" if k == 0 else _fmt_rate(k / n)), k

        pe2, k2 = rate(e2, n2)
        pe4, k4 = rate(e4, n4)
        pe8, k8 = rate(e8, n8)
        pr4, kr4 = rate(r4, k2)
        pr8, kr8 = rate(r8, k4)

        def wage(value: float | None) -> str:
            return "-99999" if value is None else (f"{value:g}")

        rows.append(
            [
                prov,
                cip,
                pe2,
                pe4,
                pe8,
                wage(w2),
                wage(w4),
                wage(w8),
                pr4,
                pr8,
                n2,
                n4,
                n8,
                k2 if w2 else 0,
                k4 if w4 else 0,
                k8 if w8 else 0,
                k2 if r4 else 0,
                k4 if r8 else 0,
            ]
        )
    return write_csv(path, header, rows, terminator="\r\n")


def _write_fos(path: Path) -> int:
    header = [
        "P_UNITID",
        "P_OPEID6",
        "P_INSTNM",
        "P_CONTROL",
        "P_MAIN",
        "P_CIPCODE",
        "P_CIPDESC",
        "P_CREDLEV",
        "P_CREDDESC",
        "P_COUNT",
        "P_DEBTMEDIAN",
        "P_DEBTPAYMENT10YR",
        "P_DEBTMEAN",
        "P_TITLEIVCOUNT",
        "P_EARNINGSCOUNT",
        "P_MD_EARN_WNE",
        "P_IPEDSCOUNT1",
        "P_IPEDSCOUNT2",
    ]
    creddesc = {"1": "Undergraduate Certificate or Diploma", "2": "Associate's Degree"}
    base_earn = {
        "5139": 36000,
        "5138": 58000,
        "5108": 29000,
        "5110": 31000,
        "5107": 30000,
        "5126": 24000,
        "4805": 38000,
        "4703": 44000,
        "4902": 41000,
        "1110": 37000,
        "1109": 42000,
        "1108": 33000,
        "5203": 34000,
        "5204": 28000,
        "5202": 35000,
    }
    rows = []
    for unitid, opeid, name, control, spec in PR.FOS_INSTITUTIONS:
        for item in spec.split():
            cip, lev = item.split(":")
            r = rng(f"{unitid}:{item}")
            count = r.randint(3, 160)
            ipeds1, ipeds2 = r.randint(2, 90), r.randint(0, 90)
            if count < 20 or r.random() < 0.35:
                vals = ["PrivacySuppressed"] * 7
                if r.random() < 0.4:
                    ipeds1 = ipeds2 = None
            else:
                debt = r.randint(40, 140) * 100
                earn_n = max(11, count - r.randint(5, 30))
                earnings = base_earn[cip] + (6000 if lev == "2" else 0) + r.randint(-40, 40) * 100
                vals = [
                    str(count),
                    str(debt),
                    str(round(debt * 0.0105)),
                    str(debt + r.randint(5, 30) * 100),
                    str(max(0, count - r.randint(0, 20))),
                    str(earn_n),
                    str(earnings) if r.random() < 0.7 else "PrivacySuppressed",
                ]
            rows.append(
                [
                    unitid,
                    opeid,
                    name,
                    control,
                    "1",
                    cip,
                    PR.FOS_CIP[cip],
                    lev,
                    creddesc[lev],
                    *vals,
                    "NULL" if ipeds1 is None else str(ipeds1),
                    "NULL" if ipeds2 is None else str(ipeds2),
                ]
            )
    return write_csv(path, header, rows, terminator="\r\n", bom=True)


# ----------------------------------------------------------------------------- labor market

OEWS_COLUMNS = [
    "AREA",
    "AREA_TITLE",
    "AREA_TYPE",
    "PRIM_STATE",
    "NAICS",
    "NAICS_TITLE",
    "I_GROUP",
    "OWN_CODE",
    "OCC_CODE",
    "OCC_TITLE",
    "O_GROUP",
    "TOT_EMP",
    "EMP_PRSE",
    "JOBS_1000",
    "LOC_QUOTIENT",
    "PCT_TOTAL",
    "PCT_RPT",
    "H_MEAN",
    "A_MEAN",
    "MEAN_PRSE",
    "H_PCT10",
    "H_PCT25",
    "H_MEDIAN",
    "H_PCT75",
    "H_PCT90",
    "A_PCT10",
    "A_PCT25",
    "A_MEDIAN",
    "A_PCT75",
    "A_PCT90",
    "ANNUAL",
    "HOURLY",
]
PCT_FACTORS = (-0.30, -0.15, 0.0, 0.18, 0.42)


def _wages(median: float, spread: float) -> dict[str, float]:
    hourly = [round(median * (1 + f * spread), 2) for f in PCT_FACTORS]
    mean = round(median * (1 + 0.06 * spread), 2)
    out = {"H_MEAN": mean, "A_MEAN": round(mean * 2080, -1)}
    for name, value in zip(("PCT10", "PCT25", "MEDIAN", "PCT75", "PCT90"), hourly, strict=True):
        out[f"H_{name}"] = value
        out[f"A_{name}"] = round(value * 2080, -1)
    return out


def _oews_rows(area: str) -> list[list[object]]:
    rows: list[list[object]] = []
    us_total = L.OEWS["00-0000"][2]
    nj_total = L.OEWS["00-0000"][5]
    for code in sorted(L.OEWS):
        title, group, us_emp, us_med, spread, nj_emp, nj_med = L.OEWS[code]
        r = rng(f"oews:{area}:{code}")
        emp, median = (us_emp, us_med) if area == "US" else (nj_emp, nj_med)
        wages = _wages(median, spread)
        cells: dict[str, object] = {
            "AREA": "99" if area == "US" else "34",
            "AREA_TITLE": "U.S." if area == "US" else "New Jersey",
            "AREA_TYPE": "1" if area == "US" else "2",
            "PRIM_STATE": area,
            "NAICS": "000000",
            "NAICS_TITLE": "Cross-industry",
            "I_GROUP": "cross-industry",
            "OWN_CODE": "1235",
            "OCC_CODE": code,
            "OCC_TITLE": title,
            "O_GROUP": group,
            "TOT_EMP": emp,
            "EMP_PRSE": round(0.2 + r.random() * (1.5 if area == "US" else 4), 1),
            "JOBS_1000": None,
            "LOC_QUOTIENT": None,
            "PCT_TOTAL": None,
            "PCT_RPT": None,
            "MEAN_PRSE": round(0.1 + r.random() * (0.8 if area == "US" else 2.5), 1),
            "ANNUAL": None,
            "HOURLY": None,
            **wages,
        }
        if area == "NJ" and code != "00-0000":
            cells["JOBS_1000"] = round(nj_emp / nj_total * 1000, 3)
            cells["LOC_QUOTIENT"] = round((nj_emp / nj_total) / (us_emp / us_total), 2)
        for (a, c, col), marker in L.OEWS_MARKERS.items():
            if a == area and c == code:
                cells[col] = marker
        row = [cells[col] for col in OEWS_COLUMNS]
        if code in L.OEWS_BROAD_TWICE:
            broad = list(row)
            broad[OEWS_COLUMNS.index("O_GROUP")] = "broad"
            rows.append(broad)
        rows.append(row)
    return rows


def build_labor(out: Path) -> dict[str, int]:
    d = out / "labor_market"
    notes = [
        ["pathmatch demo OEWS-layout extract"],
        [],
        ["Occupational Employment and Wage Statistics (OEWS) layout, May 2024 column set"],
        ["Values are demo figures written for pathmatch, not BLS estimates."],
        [],
        ["Notes:"],
        ["*  = indicates that a wage estimate is not available"],
        ["**  = indicates that an employment estimate is not available"],
        ["#  = indicates a wage equal to or greater than $115.00 per hour or $239,200 per year "],
    ]
    counts = {}
    for area, name in (("US", "national_M2024_dl"), ("NJ", "state_M2024_dl")):
        rows = _oews_rows(area)
        write_xlsx(
            d / f"{name}.xlsx", [(name, [OEWS_COLUMNS, *rows]), ("Field Descriptions", notes)]
        )
        counts[f"{name}.xlsx"] = len(rows)
    counts["ep_occupation_2024-34.xlsx"] = _write_ep(d / "ep_occupation_2024-34.xlsx")
    return counts


EP_HEADER = [
    "2024 National Employment Matrix title",
    "2024 National Employment Matrix code",
    "Occupation type",
    "Employment, 2024",
    "Employment, 2034",
    "Employment distribution, percent, 2024",
    "Employment distribution, percent, 2034",
    "Employment change, numeric, 2024\u201334",
    "Employment change, percent, 2024\u201334",
    "Percent self employed, 2024",
    "Occupational openings, 2024\u201334 annual average",
    "Median annual wage, dollars, 2024[1]",
    "Typical education needed for entry",
    "Work experience in a related occupation",
    "Typical on-the-job training needed to attain competency in the occupation",
    "Related Occupational Outlook Handbook (OOH) content xlsx",
]


def _write_ep(path: Path) -> int:
    total24, total34 = L.EP["00-0000"][2], L.EP["00-0000"][3]
    grid: list[list[object]] = [
        [
            "Table 1.2 Occupational projections, 2024\u20132034, and worker characteristics, 2024 "
            "(Employment in thousands)"
        ],
        EP_HEADER,
    ]
    for code in sorted(L.EP):
        title, level, e24, e34, selfemp, openings, _wage, chars = L.EP[code]
        median = round(L.OEWS[code][3] * 2080, -1)
        indent = {0: "", 1: "  ", 3: "      "}[level]
        dash = L.DASH
        grid.append(
            [
                indent + title,
                code,
                "Line item" if level == 3 else "Summary",
                e24,
                e34,
                round(e24 / total24 * 100, 1),
                round(e34 / total34 * 100, 1),
                round(e34 - e24, 1),
                round((e34 - e24) / e24 * 100, 1),
                dash if selfemp is None else selfemp,
                openings,
                int(median),
                *(chars if chars else (dash, dash, dash)),
                "OOH Content" if chars else dash,
            ]
        )
    n = len(grid) - 2
    grid += [
        ["Footnotes:"],
        [
            "[1] Wage data are demo values in the layout of the Occupational Employment and "
            "Wage Statistics program, U.S. Bureau of Labor Statistics."
        ],
        ['Note: Data is unavailable for values denoted with a "\u2014".'],
        [
            "Source: pathmatch demo data in the Employment Projections program layout, U.S. "
            "Bureau of Labor Statistics"
        ],
    ]
    index = [
        ["Employment Projections occupation tables (pathmatch demo extract)"],
        [],
        ["Table 1.2", "Occupational projections, 2024\u201334, and worker characteristics, 2024"],
    ]
    write_xlsx(path, [("Index", index), ("Table 1.2", grid)])
    return n


# ----------------------------------------------------------------------------- postings

POSTING_COLUMNS = [
    "job_id",
    "company_name",
    "title",
    "description",
    "max_salary",
    "pay_period",
    "location",
    "company_id",
    "views",
    "med_salary",
    "min_salary",
    "formatted_work_type",
    "applies",
    "original_listed_time",
    "remote_allowed",
    "job_posting_url",
    "application_url",
    "application_type",
    "expiry",
    "closed_time",
    "formatted_experience_level",
    "skills_desc",
    "listed_time",
    "posting_domain",
    "sponsored",
    "work_type",
    "currency",
    "compensation_type",
]
WORK_TYPE = {
    "FULL_TIME": "Full-time",
    "PART_TIME": "Part-time",
    "CONTRACT": "Contract",
    "TEMPORARY": "Temporary",
}
PERIOD_WORD = {
    "HOURLY": "per hour",
    "YEARLY": "per year",
    "WEEKLY": "per week",
    "MONTHLY": "per month",
    "DAILY": "per day",
}
TOWN_ZIP = {
    "Trenton": "08608",
    "Hamilton": "08619",
    "Robbinsville": "08691",
    "Ewing": "08618",
    "Lawrenceville": "08648",
    "Princeton": "08540",
}


def _money(value: float, period: str) -> str:
    return f"${value:,.2f}" if period == "HOURLY" else f"${value:,.0f}"


def _posting_text(posting: tuple) -> tuple[str, str]:
    key, role, employer, title, location, pay, work_type, _exp, _opts = posting
    company, _domain, about, benefit_kind = PO.EMPLOYERS[employer]
    onet, summary, duties, reqs = PO.ROLES[role]
    town = location.split(",")[0] if location and location != "United States" else "central NJ"
    r = rng(key)
    chosen_duties = r.sample(duties, k=min(len(duties), r.randint(4, 6)))
    chosen_reqs = r.sample(reqs, k=min(len(reqs), r.randint(3, 5)))
    benefits = r.sample(PO.BENEFITS[benefit_kind], k=min(4, len(PO.BENEFITS[benefit_kind])))
    shift = {
        "FULL_TIME": "Full-time",
        "PART_TIME": "Part-time",
        "CONTRACT": "Contract",
        "TEMPORARY": "Temporary",
    }[work_type]
    if isinstance(pay, tuple):
        lo, hi, med, period = pay
        if lo is not None:
            pay_line = f"{_money(lo, period)} - {_money(hi, period)} {PERIOD_WORD[period]}"
        else:
            pay_line = f"{_money(med, period)} {PERIOD_WORD[period]}"
    elif isinstance(pay, str):
        pay_line = (
            pay
            if pay[0] == "$"
            else ("Competitive pay" if pay == "Competitive" else f"${pay} per hour")
        )
    else:
        pay_line = "Pay based on experience"
    text = "\n\n".join(
        [
            f"About {company}\n{about}",
            summary.format(town=town, company=company),
            "Responsibilities:\n" + "\n".join(f"- {x}" for x in chosen_duties),
            "Requirements:\n" + "\n".join(f"- {x}" for x in chosen_reqs),
            f"Schedule and pay: {shift}. {pay_line}.",
            "Benefits:\n" + "\n".join(f"- {x}" for x in benefits),
            r.choice(PO.EEO).format(company=company),
        ]
    )
    skills = "; ".join(chosen_reqs)
    return text, skills


def build_postings(out: Path) -> dict[str, int]:
    d = out / "postings"
    texts: dict[str, tuple[str, str]] = {}
    rows = []
    base = datetime(2024, 4, 5, 8, 0, tzinfo=UTC)
    company_ids = {k: f"{104200 + i * 37}.0" for i, k in enumerate(sorted(PO.EMPLOYERS))}
    for n, posting in enumerate(PO.POSTINGS):
        key, role, employer, title, location, pay, work_type, exp, opts = posting
        options = dict(o.split("=") if "=" in o else (o, "1") for o in opts.split())
        original = options.get("dup")
        if original:
            texts[key] = texts[original]
        else:
            texts[key] = _posting_text(posting)
        description, skills = texts[key]
        r = rng(key)
        job_id = str(3_905_100_000 + n * 7919 + r.randint(0, 900))
        listed = base + timedelta(days=r.randint(0, 14), minutes=r.randint(0, 600))
        if original:
            listed += timedelta(days=1)
        listed_ms = f"{int(listed.timestamp() * 1000)}.0"
        expiry_ms = f"{int((listed + timedelta(days=30)).timestamp() * 1000)}.0"
        company, domain, _about, _kind = PO.EMPLOYERS[employer]
        offsite = "offsite" in options
        max_s = min_s = med_s = period = currency = comp = ""
        if isinstance(pay, tuple):
            lo, hi, med, period = pay
            max_s = "" if hi is None else f"{hi:.1f}"
            min_s = "" if lo is None else f"{lo:.1f}"
            med_s = "" if med is None else f"{med:.1f}"
            currency, comp = "USD", "BASE_SALARY"
        elif isinstance(pay, str):
            max_s, period, currency, comp = pay, "HOURLY", "USD", "BASE_SALARY"
        views = f"{float(r.randint(3, 240))}"
        applies = f"{float(r.randint(1, 40))}" if r.random() < 0.55 else ""
        rows.append(
            [
                job_id,
                company,
                title,
                description,
                max_s,
                period,
                location,
                company_ids[employer],
                views,
                med_s,
                min_s,
                WORK_TYPE[work_type],
                applies,
                listed_ms,
                "1.0" if "remote" in options else "",
                f"https://www.linkedin.com/jobs/view/{job_id}/?trk=jobs_biz_prem_srch",
                f"https://careers.{domain}/jobs/{job_id}" if offsite else "",
                "OffsiteApply"
                if offsite
                else r.choice(["ComplexOnsiteApply", "SimpleOnsiteApply"]),
                expiry_ms,
                "",
                exp,
                f"Requirements: {skills}" if "skills" in options else "",
                listed_ms,
                f"careers.{domain}" if offsite else "",
                "0",
                work_type,
                currency,
                comp,
            ]
        )
    counts = {
        "linkedin_postings_demo.csv": write_csv(
            d / "linkedin_postings_demo.csv", POSTING_COLUMNS, rows
        )
    }
    counts["demo_jobposting.jsonld"] = _write_jsonld(d / "demo_jobposting.jsonld", texts)
    return counts


def _write_jsonld(path: Path, texts: dict[str, tuple[str, str]]) -> int:
    by_key = {p[0]: p for p in PO.POSTINGS}
    docs = []
    for i, key in enumerate(PO.JSONLD_POSTINGS):
        _, role, employer, title, location, pay, work_type, _exp, _opts = by_key[key]
        company, domain, _about, _kind = PO.EMPLOYERS[employer]
        town = location.split(",")[0]
        posted = datetime(2024, 4, 8 + i)
        doc: dict[str, object] = {
            "@context": "https://schema.org/",
            "@type": "JobPosting",
            "title": title,
            "description": texts[key][0],
            "identifier": {
                "@type": "PropertyValue",
                "name": company,
                "value": f"{employer.upper()}-{2024100 + i}",
            },
            "datePosted": posted.strftime("%Y-%m-%d"),
            "validThrough": (posted + timedelta(days=45)).strftime("%Y-%m-%dT%H:%M"),
            "employmentType": work_type,
            "hiringOrganization": {
                "@type": "Organization",
                "name": company,
                "sameAs": f"https://www.{domain}",
            },
            "jobLocation": {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": town,
                    "addressRegion": "NJ",
                    "postalCode": TOWN_ZIP.get(town, ""),
                    "addressCountry": "US",
                },
            },
            "occupationalCategory": PO.ROLES[role][0],
            "skills": texts[key][1],
        }
        if isinstance(pay, tuple) and pay[0] is not None:
            unit = {"HOURLY": "HOUR", "YEARLY": "YEAR", "WEEKLY": "WEEK"}[pay[3]]
            doc["baseSalary"] = {
                "@type": "MonetaryAmount",
                "currency": "USD",
                "value": {
                    "@type": "QuantitativeValue",
                    "minValue": pay[0],
                    "maxValue": pay[1],
                    "unitText": unit,
                },
            }
        docs.append(doc)
    path.write_text(json.dumps(docs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(docs)


# ----------------------------------------------------------------------------- courses

TERM_DATES = {
    "15 weeks": "Sep 03 to Dec 16",
    "10 weeks": "Sep 03 to Nov 08",
    "8 weeks": "Sep 03 to Oct 25",
    "2 weeks": "Sep 07 to Sep 14",
}


def _units(n: float) -> str:
    text = f"{n:g}"
    return f"{text} UNIT" if n == 1 else f"{text} UNITS"


def build_courses(out: Path) -> dict[str, int]:
    d = out / "courses" / "mercer_catalog_demo"
    d.mkdir(parents=True, exist_ok=True)
    total = 0
    for slug, (name, description, courses) in C.PROGRAMS.items():
        items = []
        for code, title, units, prereq, desc, sections in courses:
            subject, number = code.split()
            items.append(
                {
                    "course_id": f"{subject}-{number}-{units:g}UNIT",
                    "course_code": code,
                    "course_title": title,
                    "units": _units(units),
                    "transfer_info": ["NJ Transfer"] if units >= 3 else [],
                    "c_id": None,
                    "cal_getc_area": None,
                    "special_notes": [],
                    "prerequisites": prereq,
                    "prerequisite_notes": None,
                    "corequisites": None,
                    "advisory": None,
                    "advisory_notes": None,
                    "formerly": None,
                    "description": desc,
                    "same_as": None,
                    "sections": [_section(s) for s in sections],
                }
            )
        doc = {"program_name": name, "program_description": description, "courses": items}
        (d / f"{slug}.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        total += len(items)
    return {"mercer_catalog_demo/*.json": total}


def _section(section: tuple) -> dict[str, object]:
    number, days, time, location, instructor, weeks, modality = section
    duration = f"{weeks}, {TERM_DATES[weeks]}"
    if location == "ONLINE":
        note = (
            f"Above section {number} meets for {duration} and is taught entirely online. "
            "For additional information, go to mercercc-demo.edu/online."
        )
    else:
        note = f"Above section {number} meets for {duration}. Above section modality is {modality}."
    return {
        "section_number": number,
        "schedule": [{"time": time, "days": days, "location": location, "instructor": instructor}],
        "notes": [note],
        "duration": duration,
        "modality": modality,
        "co_enrollment_with": None,
    }


# ----------------------------------------------------------------------------- participants

EDUCATION = {
    "none",
    "high_school",
    "high_school_equivalency",
    "some_postsecondary",
    "certificate",
    "associate",
    "bachelor",
    "graduate",
}


def build_participants(out: Path) -> dict[str, int]:
    rows = []
    for (
        pid,
        titles,
        intake,
        edu,
        zip_code,
        wage,
        max_cost,
        max_weeks,
        schedule,
        radius,
        sex,
        disability,
        race,
        veteran,
        barriers,
        funding,
        age,
    ) in PA.PARTICIPANTS:
        assert edu in EDUCATION, edu
        flags = PA.RACE[race].split()
        b = {
            code: ("1" if ch in barriers else "0")
            for ch, code in zip(
                "hxlebsd",
                ("PIRL800", "PIRL801", "PIRL802", "PIRL803", "PIRL804", "PIRL806", "PIRL807"),
                strict=True,
            )
        }
        rows.append(
            [
                pid,
                titles,
                intake,
                edu,
                STATE,
                zip_code,
                f"{wage:.2f}",
                str(max_cost),
                str(max_weeks),
                schedule,
                str(radius),
                str(sex),
                str(disability),
                *flags,
                str(veteran),
                b["PIRL800"],
                b["PIRL801"],
                b["PIRL802"],
                b["PIRL803"],
                b["PIRL804"],
                b["PIRL806"],
                b["PIRL807"],
                "1" if funding == "A" else "0",
                "1" if funding == "D" else "0",
                "1" if funding == "Y" else "0",
                str(age),
            ]
        )
    return {
        "demo_caseload.csv": write_csv(out / "participants" / "demo_caseload.csv", PA.COLUMNS, rows)
    }


# ----------------------------------------------------------------------------- transitions


def build_transitions(out: Path) -> dict[str, int]:
    d = out / "transitions"
    codes = sorted(TR.NODES)
    emp_ly = {c: TR.NODES[c][1] * (38 + rng(c).randint(0, 20)) + rng(c).random() for c in codes}
    prob: dict[tuple[str, str], float] = {}
    for src in codes:
        stay = TR.NODES[src][3]
        moves = [(t, float(w)) for t, w in (x.split(":") for x in TR.EDGES[src].split())]
        total = sum(w for _, w in moves)
        prob[(src, src)] = stay
        for tgt, w in moves:
            prob[(src, tgt)] = (1 - stay) * w / total
    inflow: dict[str, float] = {}
    for (src, tgt), p in prob.items():
        inflow[tgt] = inflow.get(tgt, 0.0) + emp_ly[src] * p
    rows = []
    for src, tgt in sorted(prob):
        p = prob[(src, tgt)]
        rows.append(
            [
                src,
                tgt,
                repr(p),
                repr(emp_ly[src] * p / inflow[tgt]),
                TR.NODES[tgt][0],
                TR.NODES[src][0],
                repr(emp_ly[src]),
                repr(emp_ly[tgt]),
                TR.NODES[tgt][1],
                TR.NODES[tgt][2],
                TR.NODES[src][1],
            ]
        )
    counts = {
        "cps_asec_occ_mobility_edgelist.csv": write_csv(
            d / "cps_asec_occ_mobility_edgelist.csv",
            [
                "OCC_source",
                "OCC_target",
                "transition_prob_BLS_ASECnorm_corr",
                "transition_prob_BLS_ASECnorm_in_corr",
                "OCC_TITLE_OCC",
                "OCC_TITLE_OCCLY",
                "EMPOCCLY_unadj_BLS",
                "EMPOCC_unadj_BLS",
                "TOT_EMP_OCC",
                "A_MEAN_OCC",
                "TOT_EMP_OCCLY",
            ],
            rows,
        )
    }
    counts["mobility_network_nodes.csv"] = write_csv(
        d / "mobility_network_nodes.csv",
        ["", "node_id", "OCC_code", "OCC_title"],
        [[i, i, c, TR.NODES[c][0]] for i, c in enumerate(codes)],
    )
    return counts


# ----------------------------------------------------------------------------- checks

# demo file -> (real counterpart, how to read its header)
HEADER_CHECKS: dict[str, tuple[str, str]] = {
    **{
        f"onet/{n}": (f"onet/{n}", "tsv")
        for n in [
            "Occupation Data.txt",
            "Alternate Titles.txt",
            "Sample of Reported Titles.txt",
            "Job Zones.txt",
            "Technology Skills.txt",
            "Tools Used.txt",
            "Task Statements.txt",
            "Tasks to DWAs.txt",
            "DWA Reference.txt",
            "Education, Training, and Experience.txt",
            "Related Occupations.txt",
        ]
    },
    **{
        f"esco/{n}": (f"esco/{n}", "csv")
        for n in [
            "skills_en.csv",
            "occupations_en.csv",
            "occupationSkillRelations.csv",
            "skillGroups_en.csv",
            "broaderRelationsSkillPillar.csv",
            "digitalSkillsCollection_en.csv",
            "conceptSchemes_en.csv",
        ]
    },
    "crosswalks/ESCO_to_ONET-SOC.xlsx": ("crosswalks/ESCO_to_ONET-SOC.xlsx", "xlsx:3"),
    "crosswalks/2019_to_SOC_Crosswalk.xlsx": ("crosswalks/2019_to_SOC_Crosswalk.xlsx", "xlsx:3"),
    "crosswalks/2010_to_2018_SOC_Crosswalk.xlsx": (
        "crosswalks/2010_to_2018_SOC_Crosswalk.xlsx",
        "xlsx:3",
    ),
    "crosswalks/SOC_Structure.xlsx": ("crosswalks/SOC_Structure.xlsx", "xlsx:3"),
    "crosswalks/soc_structure_2018.xlsx": ("crosswalks/soc_structure_2018.xlsx", "xlsx:7"),
    "crosswalks/soc_2018_definitions.xlsx": ("crosswalks/soc_2018_definitions.xlsx", "xlsx:7"),
    "crosswalks/isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv": (
        "crosswalks/isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv",
        "csv",
    ),
    "programs/CIPCode2020.csv": ("programs/CIPCode2020.csv", "csv"),
    "programs/CIP2020_SOC2018_Crosswalk.csv": ("programs/CIP2020_SOC2018_Crosswalk.csv", "csv"),
    "programs/NJ_standardized_etpl_demo.csv": (
        "programs/NJ_standardized_etpl_2023-04-28.csv",
        "csv",
    ),
    "programs/NJ_outcomes_schcip.csv": ("programs/NJ_outcomes_schcip.csv", "csv"),
    "programs/FieldOfStudyData1516_1617_PP_CREDLEV1-2.csv": (
        "programs/FieldOfStudyData1516_1617_PP_CREDLEV1-2.csv",
        "csv",
    ),
    "labor_market/national_M2024_dl.xlsx": ("labor_market/national_M2024_dl.xlsx", "xlsx:0"),
    # the real state file is not in the shared data: compare with the national one (same columns)
    "labor_market/state_M2024_dl.xlsx": ("labor_market/national_M2024_dl.xlsx", "xlsx:0"),
    "labor_market/ep_occupation_2024-34.xlsx": (
        "labor_market/ep_occupation_2024-34.xlsx",
        "xlsx:1:Table 1.2",
    ),
    "postings/linkedin_postings_demo.csv": (
        "postings/linkedin_postings_2024_sample1000.csv",
        "csv",
    ),
    "transitions/cps_asec_occ_mobility_edgelist.csv": (
        "transitions/cps_asec_occ_mobility_edgelist.csv",
        "csv",
    ),
    "transitions/mobility_network_nodes.csv": ("transitions/mobility_network_nodes.csv", "csv"),
}


def read_header(path: Path, how: str) -> list[str]:
    if how == "tsv":
        with path.open(encoding="utf-8") as f:
            return f.readline().rstrip("\r\n").split("\t")
    if how == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f))
    import fastexcel

    parts = how.split(":")
    row = int(parts[1])
    reader = fastexcel.read_excel(str(path))
    sheet = parts[2] if len(parts) > 2 else reader.sheet_names[0]
    frame = reader.load_sheet_by_name(sheet, header_row=None, n_rows=row + 1).to_polars()
    return ["" if v is None else str(v) for v in frame.row(row)]


def check_headers(out: Path, shared: Path) -> list[str]:
    """Compare each demo file's header with the real file's; return the mismatches."""
    problems = []
    for demo_rel, (real_rel, how) in HEADER_CHECKS.items():
        demo, real = out / demo_rel, shared / real_rel
        if not real.exists():
            problems.append(f"{demo_rel}: real counterpart {real_rel} not found (skipped)")
            continue
        a, b = read_header(demo, how), read_header(real, how)
        if a != b:
            problems.append(f"{demo_rel}: header differs from {real_rel}: demo={a} real={b}")
    smc = shared / "courses" / "smc_catalog_2025" / "nursing.json"
    if smc.exists():
        real_doc = json.loads(smc.read_text(encoding="utf-8"))
        for f in sorted((out / "courses" / "mercer_catalog_demo").glob("*.json")):
            doc = json.loads(f.read_text(encoding="utf-8"))
            if list(doc) != list(real_doc):
                problems.append(f"{f.name}: program keys {list(doc)} != {list(real_doc)}")
            for course in doc["courses"]:
                if list(course) != list(real_doc["courses"][0]):
                    problems.append(f"{f.name}: course keys differ for {course['course_code']}")
                for s in course["sections"]:
                    if list(s) != list(real_doc["courses"][0]["sections"][0]):
                        problems.append(f"{f.name}: section keys differ")
    return problems


def check_open(out: Path) -> list[str]:
    """Every CSV and workbook must open with polars / fastexcel."""
    import fastexcel
    import polars as pl

    problems = []
    for path in sorted(out.rglob("*")):
        try:
            if path.suffix == ".csv":
                pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
            elif path.suffix == ".txt" and path.name != "Read Me.txt":
                pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)
            elif path.suffix == ".xlsx":
                reader = fastexcel.read_excel(str(path))
                for name in reader.sheet_names:
                    reader.load_sheet_by_name(name, header_row=None).to_polars()
        except Exception as exc:  # report any reader failure
            problems.append(f"{path.relative_to(out)}: cannot be opened: {exc}")
    return problems


# demo files whose names the brief fixed; if a loader's patterns miss them, load them directly
DIRECT_FILES = {
    "courses": "courses/mercer_catalog_demo/*.json",
    "participants": "participants/demo_caseload.csv",
}


def check_loaders(out: Path) -> list[str]:
    """Load the demo with the project's loaders, when they exist; report failures."""
    repo = HERE.parent
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    lines = []
    try:
        from matching.ingest.loaders.source import all_sources

        sources = list(all_sources())
    except Exception as exc:  # loaders are written in parallel
        return [f"loaders not importable yet ({type(exc).__name__}: {exc})"]
    try:  # participant files are not in all_sources() (personal data); check them too
        from matching.ingest.loaders import participants

        sources += [s for s in participants.SOURCES if s not in sources]
    except Exception as exc:
        lines.append(f"participants loader not importable ({type(exc).__name__}: {exc})")
    for source in sources:
        paths = source.discover(out)
        note = ""
        if not paths and source.table in DIRECT_FILES:
            paths = sorted(out.glob(DIRECT_FILES[source.table]))
            note = (
                f" [patterns {source.patterns} do not match {DIRECT_FILES[source.table]}; "
                "loaded directly]"
            )
        if not paths:
            lines.append(f"{source.table}: no demo file matches {source.folder}/{source.patterns}")
            continue
        try:
            loaded = source.load(paths)
        except Exception as exc:
            lines.append(
                f"{source.table}: LOAD FAILED on {[p.name for p in paths]}: "
                f"{type(exc).__name__}: {exc}{note}"
            )
            continue
        rep = loaded.report
        lines.append(
            f"{source.table}: {rep.rows_kept}/{rep.rows_read} rows kept, "
            f"{rep.rows_rejected} rejected, version={source.taxonomy_version(out)}"
            f"{note}"
        )
        for rej in rep.rejects[:6]:
            lines.append(
                f"    {rej.severity}: {Path(rej.file).name}:{rej.line} {rej.field}: {rej.reason}"
            )
    return lines


# ----------------------------------------------------------------------------- main

BUILDERS: list[tuple[str, Callable[[Path], dict[str, int]]]] = [
    ("onet", build_onet),
    ("esco", build_esco),
    ("crosswalks", build_crosswalks),
    ("programs", build_programs),
    ("labor_market", build_labor),
    ("postings", build_postings),
    ("courses", build_courses),
    ("participants", build_participants),
    ("transitions", build_transitions),
]


def build_geo(out: Path) -> dict[str, int]:
    """Census Gazetteer ZCTA layout: tab-separated, the last header padded with spaces."""
    header = [
        "GEOID",
        "ALAND",
        "AWATER",
        "ALAND_SQMI",
        "AWATER_SQMI",
        "INTPTLAT",
        "INTPTLONG" + " " * 50,
    ]
    rows = [
        [z, round(area * 2_589_988), 0, area, 0.0, f"{lat:.6f}", f"{lon:.6f}"]
        for z, (lat, lon, area) in sorted(GEO.ZCTAS.items())
    ]
    return {
        "2023_Gaz_zcta_national.txt": write_tsv(
            out / "geo" / "2023_Gaz_zcta_national.txt", header, rows
        )
    }


BUILDERS.append(("geo", build_geo))


def build_all(out: Path) -> dict[str, dict[str, int]]:
    return {folder: build(out) for folder, build in BUILDERS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--no-loaders", action="store_true")
    args = parser.parse_args(argv)
    out: Path = args.out
    if not args.check_only:
        for folder, counts in build_all(out).items():
            for name, n in counts.items():
                print(f"{folder}/{name}: {n} rows")
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"total size: {size / 1024:.0f} KiB")
    problems = check_open(out)
    if args.shared.is_dir():
        problems += check_headers(out, args.shared)
    else:
        print(f"{args.shared} not found: header comparison skipped")
    print("header/open checks:", "all OK" if not problems else f"{len(problems)} problem(s)")
    for p in problems:
        print("  -", p)
    if not args.no_loaders:
        for line in check_loaders(out):
            print("loader:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
