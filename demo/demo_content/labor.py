"""Demo wage, employment and projection figures (rounded approximations written for the demo).

Codes and titles are the official SOC 2018 / OEWS / Employment Projections ones, including the
OEWS and EP aggregations the real files use (31-1120 for home health aides, 51-2090 for team
assemblers). The numbers are round demo values in the right range, NOT the published estimates.

OEWS rows: code -> (title, group, US employment, US median hourly, spread, NJ employment,
NJ median hourly). Percentiles are derived from the median and ``spread`` by the builder.
"""

from __future__ import annotations

# fmt: off
# ruff: noqa: E501  (data literals: long strings and rows are kept on one line)

OEWS = {
    "00-0000": ("All Occupations", "total", 154_200_000, 23.80, 1.6, 4_200_000, 27.10),
    "11-0000": ("Management Occupations", "major", 10_970_000, 58.70, 1.9, 318_000, 72.40),
    "13-0000": ("Business and Financial Operations Occupations", "major", 10_150_000, 38.90, 1.3,
                318_000, 45.20),
    "13-1081": ("Logisticians", "detailed", 218_000, 38.70, 1.0, 7_900, 44.10),
    "15-0000": ("Computer and Mathematical Occupations", "major", 5_190_000, 50.90, 1.2, 171_000,
                56.80),
    "15-1231": ("Computer Network Support Specialists", "detailed", 146_000, 35.30, 1.1, 5_200, 39.40),
    "15-1232": ("Computer User Support Specialists", "detailed", 697_000, 29.00, 1.0, 21_800, 32.20),
    "15-1244": ("Network and Computer Systems Administrators", "detailed", 318_000, 46.50, 1.0, 10_300,
                52.60),
    "15-1254": ("Web Developers", "detailed", 79_000, 43.70, 1.3, 2_300, 45.80),
    "29-0000": ("Healthcare Practitioners and Technical Occupations", "major", 9_590_000, 40.00, 1.4,
                260_000, 45.30),
    "29-1141": ("Registered Nurses", "detailed", 3_282_000, 45.00, 0.8, 84_500, 51.70),
    "29-2052": ("Pharmacy Technicians", "detailed", 488_000, 20.90, 0.6, 12_100, 21.40),
    "29-2055": ("Surgical Technologists", "detailed", 111_000, 29.60, 0.5, 2_900, 33.10),
    "29-2061": ("Licensed Practical and Licensed Vocational Nurses", "detailed", 632_000, 30.00, 0.6,
                14_300, 33.90),
    "29-2072": ("Medical Records Specialists", "detailed", 188_000, 24.20, 0.9, 4_600, 25.80),
    "31-0000": ("Healthcare Support Occupations", "major", 7_450_000, 17.90, 0.7, 183_000, 19.20),
    "31-1120": ("Home Health and Personal Care Aides", "detailed", 3_988_000, 16.80, 0.5, 78_000,
                17.90),
    "31-1131": ("Nursing Assistants", "detailed", 1_388_000, 19.00, 0.5, 32_500, 20.60),
    "31-9092": ("Medical Assistants", "detailed", 793_000, 21.30, 0.5, 20_400, 22.10),
    "31-9097": ("Phlebotomists", "detailed", 139_000, 21.00, 0.5, 4_900, 22.80),
    "35-0000": ("Food Preparation and Serving Related Occupations", "major", 13_610_000, 16.40, 0.7,
                290_000, 17.10),
    "35-3023": ("Fast Food and Counter Workers", "detailed", 3_781_000, 14.70, 0.5, 76_000, 15.60),
    "35-3031": ("Waiters and Waitresses", "detailed", 2_303_000, 16.20, 1.2, 50_500, 16.90),
    "41-0000": ("Sales and Related Occupations", "major", 13_350_000, 18.00, 1.5, 395_000, 18.90),
    "41-2011": ("Cashiers", "detailed", 3_148_000, 15.00, 0.5, 82_000, 15.80),
    "41-2031": ("Retail Salespersons", "detailed", 3_800_000, 16.60, 0.7, 103_000, 17.10),
    "43-0000": ("Office and Administrative Support Occupations", "major", 18_220_000, 22.30, 0.8,
                560_000, 24.10),
    "43-3031": ("Bookkeeping, Accounting, and Auditing Clerks", "detailed", 1_456_000, 23.70, 0.7,
                36_000, 25.90),
    "43-4051": ("Customer Service Representatives", "detailed", 2_726_000, 20.60, 0.7, 77_500, 21.90),
    "43-5071": ("Shipping, Receiving, and Inventory Clerks", "detailed", 858_000, 20.80, 0.6, 31_200,
                21.70),
    "43-6013": ("Medical Secretaries and Administrative Assistants", "detailed", 831_000, 21.50, 0.6,
                21_900, 22.70),
    "43-9061": ("Office Clerks, General", "detailed", 2_511_000, 21.00, 0.8, 68_800, 22.40),
    "49-0000": ("Installation, Maintenance, and Repair Occupations", "major", 6_045_000, 28.00, 0.9,
                136_000, 31.50),
    "49-9041": ("Industrial Machinery Mechanics", "detailed", 422_000, 30.70, 0.7, 6_700, 33.80),
    "51-0000": ("Production Occupations", "major", 8_743_000, 22.10, 0.8, 147_000, 21.90),
    "51-1011": ("First-Line Supervisors of Production and Operating Workers", "detailed", 685_000, 34.20,
                0.8, 11_300, 37.60),
    "51-2090": ("Miscellaneous Assemblers and Fabricators", "detailed", 1_458_000, 20.30, 0.6, 17_800,
                19.80),
    "51-4041": ("Machinists", "detailed", 299_000, 27.00, 0.7, 3_900, 26.40),
    "51-4121": ("Welders, Cutters, Solderers, and Brazers", "detailed", 424_000, 24.50, 0.7, 4_300,
                25.90),
    "51-9161": ("Computer Numerically Controlled Tool Operators", "detailed", 177_000, 24.00, 0.7, 2_100,
                23.60),
    "53-0000": ("Transportation and Material Moving Occupations", "major", 13_650_000, 20.60, 0.8,
                470_000, 21.80),
    "53-3032": ("Heavy and Tractor-Trailer Truck Drivers", "detailed", 2_070_000, 27.60, 0.7, 48_000,
                29.40),
    "53-3033": ("Light Truck Drivers", "detailed", 994_000, 21.20, 0.8, 36_400, 21.70),
    "53-7051": ("Industrial Truck and Tractor Operators", "detailed", 806_000, 22.30, 0.5, 26_300, 22.10),
    "53-7062": ("Laborers and Freight, Stock, and Material Movers, Hand", "detailed", 2_983_000, 18.70,
                0.5, 129_000, 18.90),
    "53-7065": ("Stockers and Order Fillers", "detailed", 2_780_000, 17.80, 0.5, 88_500, 17.60),
}

# OEWS publishes these aggregates at the broad level, flagged "broad" AND "detailed" (two rows)
OEWS_BROAD_TWICE = {"31-1120", "51-2090"}

# top-coded and unavailable markers, as BLS prints them: (area, code, column) -> marker
OEWS_MARKERS = {
    ("US", "11-0000", "H_PCT90"): "#",
    ("US", "11-0000", "A_PCT90"): "#",
    ("NJ", "11-0000", "H_PCT90"): "#",
    ("NJ", "11-0000", "A_PCT90"): "#",
    ("NJ", "51-9161", "H_PCT10"): "*",
    ("NJ", "51-9161", "A_PCT10"): "*",
    ("NJ", "15-1254", "TOT_EMP"): "**",
    ("NJ", "15-1254", "EMP_PRSE"): "**",
}

# Employment Projections 2024-34, Table 1.2:
# code -> (title, level, emp 2024 (k), emp 2034 (k), % self-employed, openings/yr (k),
#          median annual wage, education, work experience, on-the-job training)
# level: 0 = total, 1 = major group (Summary rows), 3 = line item (indentation of the title)
NO_CRED = "No formal educational credential"
HS = "High school diploma or equivalent"
PSND = "Postsecondary nondegree award"
SOME = "Some college, no degree"
ASSOC = "Associate's degree"
BACH = "Bachelor's degree"
SHORT = "Short-term on-the-job training"
MOD = "Moderate-term on-the-job training"
LONG = "Long-term on-the-job training"
DASH = "\u2014"

EP = {
    "00-0000": ("Total, all occupations", 0, 169_950.0, 175_170.0, 5.8, 18_860.0, 49500, None),
    "11-0000": ("Management occupations", 1, 13_610.0, 14_440.0, 14.1, 1_148.0, 122090, None),
    "13-0000": ("Business and financial operations occupations", 1, 11_050.0, 11_640.0, 4.3, 950.0,
                80920, None),
    "13-1081": ("Logisticians", 3, 231.0, 272.0, 0.7, 25.0, 80480, (BACH, "None", "None")),
    "15-0000": ("Computer and mathematical occupations", 1, 5_417.0, 5_962.0, 2.0, 355.0, 105850,
                None),
    "15-1231": ("Computer network support specialists", 3, 153.0, 156.0, 2.0, 9.6, 73340,
                (ASSOC, "None", MOD)),
    "15-1232": ("Computer user support specialists", 3, 730.0, 703.0, 2.0, 40.8, 60340,
                (SOME, "None", MOD)),
    "15-1244": ("Network and computer systems administrators", 3, 331.0, 318.0, 0.3, 14.3, 96800,
                (BACH, "None", "None")),
    "15-1254": ("Web developers", 3, 86.0, 92.5, 5.3, 5.4, 90930, (BACH, "None", "None")),
    "29-0000": ("Healthcare practitioners and technical occupations", 1, 10_070.0, 10_790.0, 2.4,
                635.0, 83090, None),
    "29-1141": ("Registered nurses", 3, 3_391.0, 3_557.0, 0.5, 189.0, 93600, (BACH, "None", "None")),
    "29-2052": ("Pharmacy technicians", 3, 490.0, 522.0, None, 49.0, 43460, (HS, "None", MOD)),
    "29-2055": ("Surgical technologists", 3, 113.0, 118.5, 0.4, 8.6, 61570, (PSND, "None", "None")),
    "29-2061": ("Licensed practical and licensed vocational nurses", 3, 657.0, 677.0, 0.6, 54.0,
                62340, (PSND, "None", "None")),
    "29-2072": ("Medical records specialists", 3, 194.0, 207.0, 1.1, 15.0, 50250, (PSND, "None", "None")),
    "31-0000": ("Healthcare support occupations", 1, 7_983.0, 8_971.0, 2.7, 1_287.0, 37180, None),
    "31-1120": ("Home health and personal care aides", 3, 4_348.0, 5_088.0, 2.8, 766.0, 34900,
                (HS, "None", SHORT)),
    "31-1131": ("Nursing assistants", 3, 1_442.0, 1_474.0, 1.3, 204.0, 39530, (PSND, "None", "None")),
    "31-9092": ("Medical assistants", 3, 803.0, 914.0, 0.1, 119.0, 44200, (PSND, "None", "None")),
    "31-9097": ("Phlebotomists", 3, 140.0, 151.0, 0.6, 19.0, 43660, (PSND, "None", "None")),
    "35-0000": ("Food preparation and serving related occupations", 1, 14_120.0, 14_880.0, 1.1,
                2_820.0, 34130, None),
    "35-3023": ("Fast food and counter workers", 3, 3_796.0, 4_029.0, 0.1, 904.0, 30480,
                (NO_CRED, "None", SHORT)),
    "35-3031": ("Waiters and waitresses", 3, 2_330.0, 2_314.0, 0.7, 457.0, 33760,
                (NO_CRED, "None", SHORT)),
    "41-0000": ("Sales and related occupations", 1, 14_530.0, 14_230.0, 7.7, 1_787.0, 37460, None),
    "41-2011": ("Cashiers", 3, 3_157.0, 2_844.0, 0.2, 543.0, 31190, (NO_CRED, "None", SHORT)),
    "41-2031": ("Retail salespersons", 3, 3_937.0, 3_917.0, 4.0, 556.0, 34580, (NO_CRED, "None", SHORT)),
    "43-0000": ("Office and administrative support occupations", 1, 19_330.0, 18_560.0, 2.2, 1_997.0,
                46320, None),
    "43-3031": ("Bookkeeping, accounting, and auditing clerks", 3, 1_613.0, 1_519.0, 5.2, 170.0, 49210,
                (SOME, "None", MOD)),
    "43-4051": ("Customer service representatives", 3, 2_814.0, 2_660.0, 0.8, 342.0, 42830,
                (HS, "None", SHORT)),
    "43-5071": ("Shipping, receiving, and inventory clerks", 3, 862.0, 796.0, 0.6, 69.0, 43190,
                (HS, "None", SHORT)),
    "43-6013": ("Medical secretaries and administrative assistants", 3, 850.0, 885.0, 0.0, 86.0, 44640,
                (HS, "None", MOD)),
    "43-9061": ("Office clerks, general", 3, 2_646.0, 2_468.0, 0.5, 282.0, 43630, (HS, "None", SHORT)),
    "49-0000": ("Installation, maintenance, and repair occupations", 1, 6_493.0, 6_794.0, 4.6, 608.0,
                58230, None),
    "49-9041": ("Industrial machinery mechanics", 3, 440.0, 510.0, 1.7, 46.0, 63760, (HS, "None", LONG)),
    "51-0000": ("Production occupations", 1, 9_001.0, 8_902.0, 2.5, 963.0, 45960, None),
    "51-1011": ("First-line supervisors of production and operating workers", 3, 699.0, 707.0, 1.2,
                68.0, 71190, (HS, "Less than 5 years", "None")),
    "51-2090": ("Miscellaneous assemblers and fabricators", 3, 1_467.0, 1_466.0, 0.7, 156.0, 42210,
                (HS, "None", MOD)),
    "51-4041": ("Machinists", 3, 299.5, 299.6, 0.3, 29.5, 56150, (HS, "None", LONG)),
    "51-4121": ("Welders, cutters, solderers, and brazers", 3, 457.0, 467.0, 6.3, 45.6, 51000,
                (HS, "None", MOD)),
    "51-9161": ("Computer numerically controlled tool operators", 3, 177.0, 158.0, 0.2, 13.5, 49970,
                (HS, "None", MOD)),
    "53-0000": ("Transportation and material moving occupations", 1, 14_200.0, 14_780.0, 4.2,
                1_830.0, 42740, None),
    "53-3032": ("Heavy and tractor-trailer truck drivers", 3, 2_235.0, 2_324.0, 6.9, 238.0, 57440,
                (PSND, "None", SHORT)),
    "53-3033": ("Light truck drivers", 3, 1_080.0, 1_159.0, 6.8, 120.0, 44140, (HS, "None", SHORT)),
    "53-7051": ("Industrial truck and tractor operators", 3, 793.0, 802.0, 0.4, 76.0, 46390,
                (NO_CRED, "None", SHORT)),
    "53-7062": ("Laborers and freight, stock, and material movers, hand", 3, 2_989.0, 3_033.0, 1.3,
                384.0, 38940, (NO_CRED, "None", SHORT)),
    "53-7065": ("Stockers and order fillers", 3, 2_765.0, 3_000.0, 0.2, 472.0, 37090,
                (NO_CRED, "None", SHORT)),
}
