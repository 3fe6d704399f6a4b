"""Demo occupational mobility network in the CPS ASEC edge-list layout (OES/SOC 2010 codes).

Node codes and titles are the real OES-2010 aggregates used by the mobility network files;
employment, wages and all transition weights are demo values written to be plausible (people
mostly stay put; moves follow common career ladders such as cashier -> stocker -> forklift,
CNA -> LPN -> RN, help desk -> network support -> systems administration).
"""

from __future__ import annotations

# fmt: off

# OES code -> (title, employment, annual mean wage, probability of staying in the occupation)
NODES = {
    "13-1080": ("Logisticians", 148_000, 78_500, 0.93),
    "15-1134": ("Web Developers", 127_000, 72_400, 0.92),
    "15-1142": ("Network and Computer Systems Administrators", 376_000, 81_300, 0.94),
    "15-1150": ("Computer Support Specialists", 790_000, 55_200, 0.91),
    "29-1140": ("Registered Nurses", 2_750_000, 71_000, 0.96),
    "29-2050": ("Health Practitioner Support Technologists and Technicians", 620_000, 34_900, 0.90),
    "29-2060": ("Licensed Practical and Licensed Vocational Nurses", 700_000, 44_100, 0.92),
    "29-2070": ("Medical Records and Health Information Technicians", 188_000, 39_200, 0.92),
    "31-1010": ("Nursing, Psychiatric, and Home Health Aides", 2_260_000, 25_300, 0.90),
    "31-9092": ("Medical Assistants", 591_000, 31_500, 0.90),
    "31-9097": ("Phlebotomists", 112_000, 32_300, 0.89),
    "35-3021": ("Combined Food Preparation and Serving Workers, Including Fast Food", 3_130_000,
                19_400, 0.87),
    "35-3030": ("Waiters and Waitresses", 2_440_000, 21_900, 0.88),
    "41-2010": ("Cashiers", 3_350_000, 20_700, 0.86),
    "41-2030": ("Retail Salespersons", 4_560_000, 25_900, 0.88),
    "43-3030": ("Bookkeeping, Accounting, and Auditing Clerks", 1_580_000, 38_400, 0.93),
    "43-4050": ("Customer Service Representatives", 2_580_000, 34_500, 0.89),
    "43-5070": ("Shipping, Receiving, and Traffic Clerks", 670_000, 32_400, 0.89),
    "43-5080": ("Stock Clerks and Order Fillers", 2_010_000, 24_500, 0.87),
    "43-6010": ("Secretaries and Administrative Assistants", 3_620_000, 38_800, 0.93),
    "43-9060": ("Office Clerks, General", 2_940_000, 31_500, 0.89),
    "49-9041": ("Industrial Machinery Mechanics", 330_000, 50_900, 0.94),
    "51-1010": ("First-Line Supervisors of Production and Operating Workers", 590_000, 60_600,
                0.93),
    "51-2090": ("Miscellaneous Assemblers and Fabricators", 1_380_000, 31_700, 0.89),
    "51-4010": ("Computer Control Programmers and Operators", 150_000, 41_100, 0.91),
    "51-4040": ("Machinists", 390_000, 43_300, 0.93),
    "51-4120": ("Welding, Soldering, and Brazing Workers", 400_000, 40_600, 0.93),
    "53-3030": ("Driver/Sales Workers and Truck Drivers", 2_770_000, 37_700, 0.94),
    "53-7050": ("Industrial Truck and Tractor Operators", 530_000, 33_200, 0.90),
    "53-7062": ("Laborers and Freight, Stock, and Material Movers, Hand", 2_430_000, 27_100, 0.88),
}

# source -> "target:weight ..." (relative weights of the moves out of the source)
EDGES = {
    "13-1080": "43-5070:3 51-1010:2 43-6010:2 43-3030:1",
    "15-1134": "15-1150:3 15-1142:2",
    "15-1142": "15-1150:3 15-1134:1",
    "15-1150": "15-1142:5 43-4050:3 15-1134:2 43-9060:1",
    "29-1140": "29-2060:2 43-6010:1",
    "29-2050": "41-2010:3 31-9092:2 29-2060:1 43-4050:1",
    "29-2060": "29-1140:6 31-1010:3 31-9092:1",
    "29-2070": "43-6010:3 43-9060:2 43-3030:1",
    "31-1010": "29-2060:4 31-9092:2 35-3021:2 41-2010:2 29-1140:1 43-4050:1",
    "31-9092": "31-9097:3 29-2060:3 43-6010:2 29-2070:1 31-1010:1",
    "31-9097": "31-9092:3 29-2060:2 29-2050:1",
    "35-3021": "41-2010:5 35-3030:4 43-5080:3 31-1010:2 53-7062:2 43-4050:1",
    "35-3030": "35-3021:3 41-2030:3 43-4050:2 41-2010:2",
    "41-2010": "41-2030:5 43-5080:4 35-3021:3 43-4050:3 31-1010:2 53-7062:2 29-2050:1",
    "41-2030": "41-2010:4 43-4050:4 43-5080:3 43-9060:2 53-7062:1 15-1150:1",
    "43-3030": "43-9060:3 43-6010:3 13-1080:1",
    "43-4050": "43-9060:4 43-6010:3 15-1150:2 41-2030:2 43-3030:1",
    "43-5070": "43-5080:3 53-7050:3 13-1080:2 53-7062:2",
    "43-5080": "53-7062:5 53-7050:3 41-2010:3 43-5070:2 41-2030:2",
    "43-6010": "43-9060:3 43-3030:2 29-2070:1 43-4050:1",
    "43-9060": "43-6010:4 43-4050:3 43-3030:2 29-2070:1",
    "49-9041": "51-1010:2 51-4040:1 51-4120:1",
    "51-1010": "49-9041:1 51-2090:2 13-1080:1",
    "51-2090": "53-7062:4 51-4010:2 51-1010:2 51-4120:2 53-7050:2",
    "51-4010": "51-4040:4 51-2090:2 51-1010:1",
    "51-4040": "51-4010:3 49-9041:2 51-1010:2",
    "51-4120": "51-2090:3 49-9041:2 51-4040:1 51-1010:1",
    "53-3030": "53-7050:3 53-7062:2 43-5070:1 13-1080:1",
    "53-7050": "53-7062:4 53-3030:3 43-5070:2 51-1010:1",
    "53-7062": "53-7050:4 43-5080:4 53-3030:3 51-2090:2 43-5070:1",
}
