"""Sector views for sector partnerships: regional career-cluster profiles
(``matching.sectors.profile``) and training supply against openings
(``matching.sectors.supply``). Plain functions over polars frames; the Engine feeds them."""
