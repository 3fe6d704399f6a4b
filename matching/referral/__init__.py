"""Training referrals for one person: constraints, ranking, pathways, distance and disparity audit.
"""
