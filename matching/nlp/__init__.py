"""Language: the skill taxonomy, job-title normalization and the spaCy skill-extraction pipeline."""
