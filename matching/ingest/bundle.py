"""The data bundle: every source loaded, codes normalized, written as Parquet plus a manifest.

A bundle is the one input every later stage reads (demand, programs, models, the API), so it
has to be reproducible and auditable:

- ``tables/<name>.parquet``: one typed table per source, with ``_line`` pointing back to the
  source file's line;
- ``manifest.json``: each source file with its sha256, the taxonomy versions, each table's
  rows, bytes and sha256, rejected-row counts, the warnings of an import that was let through
  with ``--allow-partial``, and a ``bundle_hash`` that models record as their data version;
- ``rejects.csv``: every rejected or repaired record with file, line, field and reason.

The same inputs give byte-identical output: no timestamps, no absolute paths, sorted keys.
Opening a bundle verifies it against its manifest (see ``Bundle``), so a deleted, truncated
or replaced table is one ``BundleError`` naming the table, never a parquet error later.
Participant records are never part of a bundle: they are personal data and are scored from
their own files (``pathmatch score``), never copied into shared reference data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from matching.ingest.loaders.base import Loaded, LoadReport, Reject
from matching.ingest.loaders.source import Source, all_sources

BUNDLE_FORMAT = "pathmatch-bundle/1"
MANIFEST = "manifest.json"
REJECTS = "rejects.csv"
TABLES = "tables"
REJECT_COLUMNS = ("table", "file", "line", "field", "severity", "reason", "record")


class BundleError(Exception):
    """A bundle that is missing, incomplete, damaged or of another format (or an import
    that cannot produce a usable one)."""


ProgressHook = Callable[[str, int, int], None]
"""Called as (table being loaded, index, total) so a CLI can show progress."""


@dataclass
class ImportResult:
    """What an import produced: the tables, their reports, and what was not found."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    reports: dict[str, LoadReport] = field(default_factory=dict)
    files: dict[str, list[Path]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def load_sources(
    data_dir: Path,
    sources: Sequence[Source] | None = None,
    progress: ProgressHook | None = None,
) -> ImportResult:
    """Load every source found under ``data_dir``; absent sources are listed, not errors."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise BundleError(f"data directory {data_dir} does not exist")
    sources = list(sources if sources is not None else all_sources())
    result = ImportResult()
    for index, source in enumerate(sources):
        if progress:
            progress(source.table, index, len(sources))
        paths = source.discover(data_dir)
        if not paths:
            result.missing.append(source.table)
            continue
        loaded: Loaded = source.load(paths)
        result.tables[source.table] = loaded.table
        result.reports[source.table] = loaded.report
        result.files[source.table] = paths
        version = source.taxonomy_version(data_dir)
        if version:
            result.versions[source.folder] = version
    if progress:
        progress("done", len(sources), len(sources))
    return result


Normalizer = Callable[[dict[str, pl.DataFrame], LoadReport], dict[str, pl.DataFrame]]


def normalize_codes(result: ImportResult, normalizers: Iterable[Normalizer]) -> LoadReport:
    """Run the cross-table code normalizers (SOC 2018, CIP 2020) over the loaded tables."""
    report = LoadReport("normalize")
    for normalizer in normalizers:
        result.tables = normalizer(result.tables, report)
    return report


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_bundle(
    result: ImportResult,
    data_dir: Path,
    out_dir: Path,
    extra_rejects: Sequence[tuple[str, Reject]] = (),
    warnings: Sequence[str] = (),
) -> dict[str, object]:
    """Write tables, rejects and manifest to ``out_dir``; return the manifest.

    The directory is written beside the target and swapped in at the end, so an interrupted
    import never leaves a half-written bundle where a good one was.
    """
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / TABLES).mkdir(parents=True)
    table_entries: dict[str, dict[str, object]] = {}
    for name in sorted(result.tables):
        table = result.tables[name]
        target = staging / TABLES / f"{name}.parquet"
        table.write_parquet(target, compression="zstd", statistics=False)
        table_entries[name] = {
            "rows": table.height,
            "columns": table.columns,
            "bytes": target.stat().st_size,
            "sha256": sha256_file(target),
        }
    rejects = _reject_rows(result, extra_rejects)
    _write_rejects(staging / REJECTS, rejects)
    manifest = _manifest(
        result,
        Path(data_dir),
        table_entries,
        len(rejects),
        sha256_file(staging / REJECTS),
        list(warnings),
    )
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return manifest


def write_rejects_only(
    result: ImportResult, out_dir: Path, extra_rejects: Sequence[tuple[str, Reject]] = ()
) -> Path:
    """For an import that failed: its rejects in ``<out>.partial/``, the bundle untouched.

    The staging folder holds no manifest, so it can never be opened as a bundle; the next
    import clears it.
    """
    out_dir = Path(out_dir)
    staging = out_dir.with_name(out_dir.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _write_rejects(staging / REJECTS, _reject_rows(result, extra_rejects))
    return staging / REJECTS


PERSONAL_TABLES = frozenset({"participants", "pirl_records"})


def _reject_rows(
    result: ImportResult, extra: Sequence[tuple[str, Reject]]
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for table in sorted(result.reports):
        for r in result.reports[table].rejects:
            rows.append(_reject_row(table, r))
    rows.extend(_reject_row(table, r) for table, r in extra)
    return rows


def _reject_row(table: str, r: Reject) -> tuple[object, ...]:
    record = None if table in PERSONAL_TABLES else r.record
    return (table, r.file, r.line, r.field, r.severity, r.reason, record)


def _write_rejects(path: Path, rows: list[tuple[object, ...]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REJECT_COLUMNS)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _manifest(
    result: ImportResult,
    data_dir: Path,
    tables: dict[str, dict[str, object]],
    reject_count: int,
    rejects_sha: str,
    warnings: list[str],
) -> dict[str, object]:
    sources = {}
    for name in sorted(result.reports):
        report = result.reports[name]
        sources[name] = {
            **{k: v for k, v in report.summary().items() if k not in ("source", "files")},
            "files": [
                {
                    "path": str(p.relative_to(data_dir)),
                    "bytes": p.stat().st_size,
                    "sha256": sha256_file(p),
                }
                for p in result.files[name]
            ],
        }
    body: dict[str, object] = {
        "format": BUNDLE_FORMAT,
        "taxonomies": dict(sorted(result.versions.items())),
        "sources": sources,
        "tables": tables,
        "missing_sources": sorted(result.missing),
        "rejects": {"file": REJECTS, "count": reject_count, "sha256": rejects_sha},
    }
    if warnings:
        body["warnings"] = warnings
    body["bundle_hash"] = _content_hash(body)
    return body


def _content_hash(body: dict[str, object]) -> str:
    """The manifest's hash over everything but itself: the bundle's data version."""
    rest = {k: v for k, v in body.items() if k != "bundle_hash"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()[:16]


class Bundle:
    """Read access to a written bundle: tables by name, the manifest and its hash.

    Opening verifies the bundle against its manifest before anything reads it, so damage
    is one ``BundleError`` naming the table and the problem: every table file present, of
    the recorded size and with the recorded sha256; ``rejects.csv`` likewise; and the
    manifest itself unedited (its ``bundle_hash`` recomputed). Row counts need no footer
    read on that path: a file matching its sha256 is the one the import wrote, and the
    recorded rows are covered by ``bundle_hash``; only when the hash disagrees are the
    parquet footers read, to name the table whose row count was changed.

    The full sha256 of every file is checked on every open, not lazily nor from a cache:
    on the real bundle (41 tables, 12.6 MB) it costs 12-14 ms (the footers would add another
    ~20 ms through polars), next to seconds for any command; a cache keyed by size and mtime
    would miss a file rewritten in place. A manifest from before tables carried sha256
    cannot be verified and asks for a re-import.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        manifest_path = self.path / MANIFEST
        if not manifest_path.is_file():
            raise BundleError(
                f"no data bundle at {self.path}: run `pathmatch import --data DIR --out "
                f"{self.path}` first (or set PATHMATCH_BUNDLE)"
            )
        try:
            # Parsed JSON; ``verify`` checks the structure the properties below rely on.
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        except (ValueError, UnicodeDecodeError):
            raise BundleError(
                f"bundle {self.path}: manifest.json is not valid JSON; {self._reimport}"
            ) from None
        if not isinstance(self.manifest, dict) or self.manifest.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{self.path} is not a {BUNDLE_FORMAT} bundle")
        self.verify()

    @property
    def _reimport(self) -> str:
        return f"re-run `pathmatch import --data DIR --out {self.path}`"

    def verify(self) -> None:
        """Check every file the manifest lists against it; raise ``BundleError`` on the first
        problem, naming the table (or file) and what is wrong."""
        tables = self.manifest.get("tables")
        if not isinstance(tables, dict):
            raise BundleError(
                f"bundle {self.path}: manifest.json lists no tables; {self._reimport}"
            )
        for name in sorted(tables):
            self._verify_table(name, tables[name])
        rejects = self.manifest.get("rejects")
        if isinstance(rejects, dict) and rejects.get("sha256"):
            self._verify_file(
                self.path / REJECTS, f"rejects file {REJECTS}", {"sha256": rejects["sha256"]}
            )
        if self.manifest.get("bundle_hash") != _content_hash(self.manifest):
            for name in sorted(tables):
                self._verify_rows(name, tables[name])
            raise BundleError(
                f"bundle {self.path}: manifest.json was edited after import "
                f"(its contents no longer match bundle_hash); {self._reimport}"
            )

    def _verify_table(self, name: str, entry: object) -> None:
        if not isinstance(entry, dict) or not entry.get("sha256"):
            raise BundleError(
                f"bundle {self.path}: table {name!r} has no sha256 in "
                f"manifest.json (written by an older pathmatch), so it cannot "
                f"be verified; {self._reimport}"
            )
        self._verify_file(self.path / TABLES / f"{name}.parquet", f"table {name!r}", entry)

    def _verify_rows(self, name: str, entry: dict) -> None:
        """The row count in the parquet footer against the manifest's (file already verified)."""
        rows = (
            pl.scan_parquet(self.path / TABLES / f"{name}.parquet")
            .select(pl.len())
            .collect()
            .item()
        )
        if rows != entry.get("rows"):
            raise BundleError(
                f"bundle {self.path}: table {name!r} has {rows:,} rows but "
                f"manifest.json says {entry.get('rows')}; {self._reimport}"
            )

    def _verify_file(self, path: Path, what: str, entry: dict) -> None:
        relative = path.relative_to(self.path)
        if not path.is_file():
            raise BundleError(
                f"bundle {self.path}: {what} is missing ({relative} not found); {self._reimport}"
            )
        size = path.stat().st_size
        expected = entry.get("bytes")
        if expected is not None and size != expected:
            raise BundleError(
                f"bundle {self.path}: {what} is damaged ({relative} has "
                f"{size:,} bytes, manifest.json says {expected:,}: truncated or "
                f"replaced); {self._reimport}"
            )
        if sha256_file(path) != entry["sha256"]:
            raise BundleError(
                f"bundle {self.path}: {what} is damaged ({relative} does not "
                f"match its sha256 in manifest.json: changed since import); "
                f"{self._reimport}"
            )

    @property
    def hash(self) -> str:
        return str(self.manifest["bundle_hash"])

    @property
    def warnings(self) -> list[str]:
        """Problems an ``--allow-partial`` import let through (empty for a complete one)."""
        return list(self.manifest.get("warnings") or [])

    @property
    def table_names(self) -> list[str]:
        return sorted(self.manifest["tables"])

    def has(self, name: str) -> bool:
        return name in self.manifest["tables"]

    def scan(self, name: str) -> pl.LazyFrame:
        if not self.has(name):
            raise BundleError(f"bundle {self.path} has no table {name!r}")
        return pl.scan_parquet(self.path / TABLES / f"{name}.parquet")

    def table(self, name: str) -> pl.DataFrame:
        """The whole table; a file damaged since the bundle was opened is a BundleError."""
        try:
            return self.scan(name).collect()
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise BundleError(
                f"bundle {self.path}: table {name!r} could not be read "
                f"({type(exc).__name__}) though it verified when the bundle "
                f"was opened; {self._reimport}"
            ) from None
