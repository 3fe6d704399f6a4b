"""Curriculum gaps: which in-demand skills a program's courses do not teach."""
