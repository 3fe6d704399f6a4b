"""Getting public data in: source loaders, the normalized bundle they fill, and the importer.

``loaders/`` reads each official format (O*NET, ESCO, BLS, ETPL, Scorecard, GeoNames, CTDL,
postings, courses, caseloads) into typed polars tables, reporting malformed rows;
``importer`` runs them and writes the verified :mod:`~matching.ingest.bundle`.
"""
