"""Write the demo region's career-cluster crosswalks (``demo/data/clusters/``).

Hand-written rows for the demo's occupations and programs, in the layout of Advance CTE's
National Career Clusters Framework crosswalks (an ``Overview`` sheet of notes, then the long
``SOC - CC - Sub-Clusters`` / ``CIP - CC - Sub-Clusters`` sheet and the wide sheet with its
interdisciplinary flag). The cluster and sub-cluster names are the framework's (National
Career Clusters Framework, Advance CTE); which code sits where is the demo's own choice, not
copied from the official files. Run ``python -m demo.build_demo_clusters``.
"""

from __future__ import annotations

from pathlib import Path

from demo.build_demo_data import write_xlsx

OUT = Path(__file__).parent / "data" / "clusters"
HEALTH, IT = "Healthcare & Human Services", "Digital Technology"
SUPPLY = "Supply Chain & Transportation"
MANUF, MGMT, SALES = "Advanced Manufacturing", "Management & Entrepreneurship", "Marketing & Sales"
FIN, HOSP = "Financial Services", "Hospitality, Events, & Tourism"

SOC_ROWS: list[tuple[str, str, str, str]] = [
    ("13-1081", "Logisticians", SUPPLY, "Planning & Logistics"),
    ("13-1081", "Logisticians", MGMT, "Leadership & Operations"),
    ("15-1231", "Computer Network Support Specialists", IT, "Network Systems & Cybersecurity"),
    ("15-1232", "Computer User Support Specialists", IT, "IT Support & Services"),
    (
        "15-1244",
        "Network and Computer Systems Administrators",
        IT,
        "Network Systems & Cybersecurity",
    ),
    ("15-1254", "Web Developers", IT, "Web & Cloud"),
    ("29-1141", "Registered Nurses", HEALTH, "Physical Health"),
    ("29-2052", "Pharmacy Technicians", HEALTH, "Physical Health"),
    ("29-2055", "Surgical Technologists", HEALTH, "Physical Health"),
    ("29-2061", "Licensed Practical and Licensed Vocational Nurses", HEALTH, "Physical Health"),
    ("29-2072", "Medical Records Specialists", HEALTH, "Health Data & Administration"),
    ("31-1121", "Home Health Aides", HEALTH, "Personal Care Services"),
    ("31-1131", "Nursing Assistants", HEALTH, "Physical Health"),
    ("31-9092", "Medical Assistants", HEALTH, "Physical Health"),
    ("31-9097", "Phlebotomists", HEALTH, "Physical Health"),
    ("35-3023", "Fast Food and Counter Workers", HOSP, "Culinary & Food Services"),
    ("35-3031", "Waiters and Waitresses", HOSP, "Culinary & Food Services"),
    ("41-2011", "Cashiers", SALES, "Retail & Customer Experience"),
    ("41-2031", "Retail Salespersons", SALES, "Retail & Customer Experience"),
    ("43-3031", "Bookkeeping, Accounting, and Auditing Clerks", FIN, "Accounting"),
    ("43-4051", "Customer Service Representatives", SALES, "Retail & Customer Experience"),
    ("43-4051", "Customer Service Representatives", MGMT, "Business Information Management"),
    ("43-5071", "Shipping, Receiving, and Inventory Clerks", SUPPLY, "Purchasing & Warehousing"),
    (
        "43-6013",
        "Medical Secretaries and Administrative Assistants",
        HEALTH,
        "Health Data & Administration",
    ),
    ("43-9061", "Office Clerks, General", MGMT, "Business Information Management"),
    ("49-9041", "Industrial Machinery Mechanics", MANUF, "Industrial Machinery"),
    (
        "51-1011",
        "First-Line Supervisors of Production and Operating Workers",
        MANUF,
        "Production & Automation",
    ),
    (
        "51-1011",
        "First-Line Supervisors of Production and Operating Workers",
        MGMT,
        "Leadership & Operations",
    ),
    ("51-2092", "Team Assemblers", MANUF, "Production & Automation"),
    ("51-4041", "Machinists", MANUF, "Production & Automation"),
    ("51-4121", "Welders, Cutters, Solderers, and Brazers", MANUF, "Production & Automation"),
    ("51-9161", "Computer Numerically Controlled Tool Operators", MANUF, "Production & Automation"),
    ("53-3032", "Heavy and Tractor-Trailer Truck Drivers", SUPPLY, "Ground & Rail Transportation"),
    ("53-3033", "Light Truck Drivers", SUPPLY, "Ground & Rail Transportation"),
    ("53-7051", "Industrial Truck and Tractor Operators", SUPPLY, "Purchasing & Warehousing"),
    (
        "53-7062",
        "Laborers and Freight, Stock, and Material Movers, Hand",
        SUPPLY,
        "Purchasing & Warehousing",
    ),
    ("53-7065", "Stockers and Order Fillers", SUPPLY, "Purchasing & Warehousing"),
]
CIP_ROWS: list[tuple[str, str, str, str]] = [
    (
        "11.0801",
        "Web Page, Digital/Multimedia and Information Resources Design.",
        IT,
        "Web & Cloud",
    ),
    (
        "11.0901",
        "Computer Systems Networking and Telecommunications.",
        IT,
        "Network Systems & Cybersecurity",
    ),
    (
        "11.1001",
        "Network and System Administration/Administrator.",
        IT,
        "Network Systems & Cybersecurity",
    ),
    ("11.1006", "Computer Support Specialist.", IT, "IT Support & Services"),
    (
        "47.0303",
        "Industrial Mechanics and Maintenance Technology/Technician.",
        MANUF,
        "Industrial Machinery",
    ),
    ("48.0508", "Welding Technology/Welder.", MANUF, "Production & Automation"),
    (
        "48.0510",
        "Computer Numerically Controlled (CNC) Machinist Technology/CNC Machinist.",
        MANUF,
        "Production & Automation",
    ),
    (
        "49.0205",
        "Truck and Bus Driver/Commercial Vehicle Operator and Instructor.",
        SUPPLY,
        "Ground & Rail Transportation",
    ),
    ("49.0209", "Forklift Operation/Operator.", SUPPLY, "Purchasing & Warehousing"),
    (
        "51.0713",
        "Medical Insurance Coding Specialist/Coder.",
        HEALTH,
        "Health Data & Administration",
    ),
    (
        "51.0714",
        "Medical Insurance Specialist/Medical Biller.",
        HEALTH,
        "Health Data & Administration",
    ),
    ("51.0801", "Medical/Clinical Assistant.", HEALTH, "Physical Health"),
    ("51.0805", "Pharmacy Technician/Assistant.", HEALTH, "Physical Health"),
    ("51.1009", "Phlebotomy Technician/Phlebotomist.", HEALTH, "Physical Health"),
    ("51.2602", "Home Health Aide/Home Attendant.", HEALTH, "Personal Care Services"),
    ("51.3801", "Registered Nursing/Registered Nurse.", HEALTH, "Physical Health"),
    ("51.3901", "Licensed Practical/Vocational Nurse Training.", HEALTH, "Physical Health"),
    (
        "51.3902",
        "Nursing Assistant/Aide and Patient Care Assistant/Aide.",
        HEALTH,
        "Physical Health",
    ),
    (
        "52.0203",
        "Logistics, Materials, and Supply Chain Management.",
        SUPPLY,
        "Planning & Logistics",
    ),
    ("52.0205", "Operations Management and Supervision.", MGMT, "Leadership & Operations"),
    ("52.0205", "Operations Management and Supervision.", MANUF, "Production & Automation"),
    ("52.0302", "Accounting Technology/Technician and Bookkeeping.", FIN, "Accounting"),
    (
        "52.0408",
        "General Office Occupations and Clerical Services.",
        MGMT,
        "Business Information Management",
    ),
    (
        "52.0411",
        "Customer Service Support/Call Center/Teleservice Operation.",
        SALES,
        "Retail & Customer Experience",
    ),
]


def _wide(rows: list[tuple[str, str, str, str]], kind: str) -> list[list[object]]:
    """One row per code: the interdisciplinary flag, then each cluster once."""
    clusters: dict[tuple[str, str], list[str]] = {}
    for code, title, cluster, _ in rows:
        found = clusters.setdefault((code, title), [])
        if cluster not in found:
            found.append(cluster)
    width = max(len(v) for v in clusters.values())
    code_header = "SOC Code" if kind == "SOC" else "CIP Code (2020)"
    title_header = "Occupation Title" if kind == "SOC" else "CIP Title (2020)"
    header: list[object] = [code_header, title_header, f"Interdisciplinary {kind}? (Yes/No)"]
    grid: list[list[object]] = [header + ["Career Cluster"] * width]
    for (code, title), names in clusters.items():
        grid.append([code, title, "Yes" if len(names) > 1 else "No", *names])
    return grid


def write(kind: str, rows: list[tuple[str, str, str, str]]) -> None:
    code_header = "SOC Code" if kind == "SOC" else "CIP Code (2020)"
    title_header = "Occupation Title" if kind == "SOC" else "CIP Title (2020)"
    overview: list[list[object]] = [
        [None] * 6
        + [
            f"National Career Clusters Framework Crosswalk: {kind}, Cluster, and "
            "Sub-Cluster (pathmatch demo rows)"
        ],
        [None] * 6 + ["Cluster names: National Career Clusters Framework, Advance CTE."],
    ]
    long: list[list[object]] = [[code_header, title_header, "Career Cluster", "Sub-Cluster"]]
    long += [list(r) for r in rows]
    write_xlsx(
        OUT / f"{kind}_Career_Clusters_Crosswalk.xlsx",
        [
            ("Overview", overview),
            (f"{kind} - CC - Sub-Clusters", long),
            (f"{kind} - CC (Wide)", _wide(rows, kind)),
        ],
    )


def main() -> None:
    write("SOC", SOC_ROWS)
    write("CIP", CIP_ROWS)


if __name__ == "__main__":
    main()
