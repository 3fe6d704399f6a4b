"""Training referrals for one person.

Constraints, ranking, pathways, distance and the disparity audit.
"""
