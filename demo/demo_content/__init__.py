"""Hand-authored content of the pathmatch demo data set (Trenton-Mercer County, NJ).

Every module here holds plain Python literals; ``demo/build_demo_data.py`` turns them into files
in the official layouts. Identifiers (O*NET-SOC, SOC, CIP, ESCO URIs, UNSPSC commodity codes, DWA
IDs) are real; descriptions, tasks, postings, programs, courses and people are written for the demo.
"""
