"""``pathmatch import``: official files in, a reproducible data bundle out.

An import that would write an unusable bundle fails instead of exiting 0 and leaving the
crash to whichever command reads the bundle next. After loading, each table whose source
files were found is checked:

- a table that **ends empty** fails the import, whatever the table: a file was there and
  nothing usable came out of it (a missing column, a garbage or mis-encoded file);
- a **core table** (``CORE_TABLES``: the ones later stages read with no fallback) also
  fails when more than half of its rows read were rejected (``MAX_REJECTED_SHARE``) or one
  of its files could not be read at all (a posting file in an unknown encoding loses every
  row it held without them ever being counted);
- for the other tables those two problems are warnings, printed and kept in the manifest.

The message names the table, its file and the main reject reason. A failed import leaves
any existing bundle in place and writes its rejects to ``<out>.partial/rejects.csv``.
``allow_partial`` (``pathmatch import --allow-partial``) writes the bundle anyway, with every
problem recorded under ``warnings`` in its manifest. Sources whose files are absent are
not problems: they are listed as ``missing_sources``, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from matching.ingest.bundle import (
    BundleError,
    ImportResult,
    ProgressHook,
    load_sources,
    normalize_codes,
    write_bundle,
    write_rejects_only,
)
from matching.ingest.loaders.base import LoadReport, Reject
from matching.ingest.normalize import NORMALIZERS

CORE_TABLES: dict[str, str] = {
    "onet_occupations": "occupation codes and titles (titles, demand, programs, referrals)",
    "onet_alternate_titles": "the job titles the title normalizer learns from",
    "xwalk_onet_soc2018": "the SOC 2018 code of every occupation",
    "esco_skills": "the skill taxonomy of extraction and gaps",
    "esco_occupations": "ESCO occupations for titles and skill profiles",
    "postings": "regional demand",
    "etpl_programs": "the training programs referred to",
    "xwalk_cip_soc": "the occupations each program leads to",
    "cip_codes": "program fields of study",
}
"""Tables the later stages cannot do without, and what each is for."""

MAX_REJECTED_SHARE = 0.5
"""A core table losing more than this share of its rows read fails the import."""


class UnusableImportError(BundleError):
    """The data would make a bundle later stages cannot use; nothing was written."""

    def __init__(self, problems: Sequence[str], rejects_file: Path) -> None:
        self.problems = list(problems)
        self.rejects_file = rejects_file
        super().__init__(
            f"import failed, bundle not written: {'; '.join(self.problems)} (every rejected "
            f"record is listed in {rejects_file}; fix the files, or pass --allow-partial to "
            "write the bundle anyway)"
        )


@dataclass(frozen=True)
class Problem:
    """One table's reason to fail the import (``fatal``) or to warn about it."""

    table: str
    message: str
    fatal: bool


def import_bundle(
    data_dir: Path,
    out_dir: Path,
    progress: ProgressHook | None = None,
    *,
    allow_partial: bool = False,
) -> dict:
    """Load every source under ``data_dir``, normalize codes across tables, write the bundle.

    Raises ``UnusableImportError`` (a ``BundleError``) when a table fails the checks of the
    module docstring, unless ``allow_partial``; the manifest's ``warnings`` list what was
    let through.
    """
    result = load_sources(Path(data_dir), progress=progress)
    normalize_report = normalize_codes(result, NORMALIZERS)
    extra = [
        (r.file, _with_source_file(r, result.files.get(r.file))) for r in normalize_report.rejects
    ]
    problems = check_usable(result)
    if any(p.fatal for p in problems) and not allow_partial:
        rejects = write_rejects_only(result, Path(out_dir), extra_rejects=extra)
        raise UnusableImportError([p.message for p in problems if p.fatal], rejects)
    warnings = [p.message for p in problems]
    return write_bundle(
        result, Path(data_dir), Path(out_dir), extra_rejects=extra, warnings=warnings
    )


def check_usable(result: ImportResult) -> list[Problem]:
    """Every problem of every loaded table, in table order (see the module docstring)."""
    problems: list[Problem] = []
    for name in sorted(result.tables):
        report = result.reports.get(name) or LoadReport(name)
        problem = _table_problem(name, result.tables[name].height, report)
        if problem is not None:
            problems.append(problem)
    return problems


def _table_problem(name: str, rows: int, report: LoadReport) -> Problem | None:
    files = ", ".join(report.files) or "no readable file"
    unreadable = [r for r in report.rejects if r.severity == "rejected" and r.line is None]
    row_rejects = [r for r in report.rejects if r.severity == "rejected" and r.line is not None]
    core = name in CORE_TABLES
    if rows == 0:
        read = f" of {report.rows_read:,} read" if report.rows_read else ""
        return Problem(
            name, f"{name}: no rows kept{read} ({_main_reason(report.rejects, files)})", fatal=True
        )
    if report.rows_read and len(row_rejects) > MAX_REJECTED_SHARE * report.rows_read:
        return Problem(
            name,
            f"{name}: {len(row_rejects):,} of {report.rows_read:,} rows "
            f"rejected ({_main_reason(row_rejects, files)})",
            fatal=core,
        )
    if unreadable:
        return Problem(
            name,
            f"{name}: {len(unreadable)} file(s) could not be read, "
            f"{rows:,} rows kept from the rest "
            f"({_main_reason(unreadable, files)})",
            fatal=core,
        )
    return None


def _main_reason(rejects: Sequence[Reject], files: str) -> str:
    """The most frequent rejected reason, with its file and how many rows it hit."""
    rejected = [r for r in rejects if r.severity == "rejected"]
    if not rejected:
        return f"{files}: no rows in the file"
    # a file-level problem (line None) explains more than any single row's
    pool = [r for r in rejected if r.line is None] or rejected
    (file, reason), count = Counter((r.file, r.reason) for r in pool).most_common(1)[0]
    times = f", {count:,} rows" if count > 1 else ""
    return f"{file}: {reason.removeprefix(f'{file}: ')}{times}"


def _with_source_file(reject: Reject, files: list[Path] | None) -> Reject:
    """Normalizers name the table; the rejects file names the file a person would open."""
    if not files:
        return reject
    return replace(reject, file=files[-1].name)
