"""Shared machinery for every loader: raw records with line numbers, typed columns, load reports.

Official public files are messy in known ways (title rows above headers, ragged rows,
suppression markers, mixed encodings). Every loader goes through the same two steps so that
each of those problems is handled once and reported the same way:

1. ``read_csv_records`` / ``read_excel_records`` turn a file into string records, each tagged
   with the physical line (or spreadsheet row) it started on. Structural problems (truncated
   rows, missing required columns) become ``Reject`` entries. A byte-order mark (UTF-8,
   UTF-16 LE/BE, UTF-32) decides the encoding; without one, bytes that are not UTF-8 are
   repaired as Windows-1252 and reported as ``repaired`` (``decode_lines``).
2. ``build_table`` coerces those strings into a typed polars DataFrame from a list of ``Col``
   specs. Suppression markers become nulls (or flags), and a value that fails its type or
   pattern rejects its row with the field name and the reason.

Reject reasons describe the problem, never the raw value: a value can be personal data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

Kind = Literal["str", "int", "float", "bool"]
ColumnTypes = dict[str, pl.DataType | type[pl.DataType]]
"""Column name to polars type, as schemas spell types: ``pl.String`` or ``pl.List(pl.String)``."""
Severity = Literal["rejected", "repaired", "missing"]
Quoting = Literal[0, 1, 2, 3]
"""``csv.QUOTE_MINIMAL``, ``QUOTE_ALL``, ``QUOTE_NONNUMERIC`` or ``QUOTE_NONE``."""

LINE = "_line"
"""Name of the column carrying each record's source line through the pipeline."""

NULL_MARKERS: frozenset[str] = frozenset(
    {"", "NULL", "null", "NA", "N/A", "n/a", "PrivacySuppressed", "-99999", "*", "—", "-", "**"}
)
"""Values that official files use for 'not available' or 'suppressed'; never numbers."""

csv.field_size_limit(64 * 1024 * 1024)


class LoaderError(Exception):
    """A file that cannot be read at all (absent, empty, or not the format claimed)."""


@dataclass(frozen=True)
class Reject:
    """One problem in one record: where it is, which field, and what is wrong with it."""

    file: str
    line: int | None
    field: str | None
    reason: str
    severity: Severity = "rejected"
    record: str | None = None


@dataclass
class LoadReport:
    """What a loader read, what it kept and why it dropped the rest."""

    source: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_kept: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(1 for r in self.rejects if r.severity == "rejected")

    def reject(
        self,
        file: str | Path,
        line: int | None,
        field_name: str | None,
        reason: str,
        *,
        severity: Severity = "rejected",
        record: str | None = None,
    ) -> None:
        self.rejects.append(Reject(Path(file).name, line, field_name, reason, severity, record))

    def merge(self, other: LoadReport) -> None:
        """Fold another report (e.g. one file of a multi-file source) into this one."""
        self.files.extend(f for f in other.files if f not in self.files)
        self.rows_read += other.rows_read
        self.rows_kept += other.rows_kept
        self.rejects.extend(other.rejects)

    def summary(self) -> dict[str, object]:
        return {
            "source": self.source,
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected,
            "rows_repaired": sum(1 for r in self.rejects if r.severity == "repaired"),
        }


@dataclass
class Loaded:
    """A loader's result: the typed table and the report that explains it."""

    table: pl.DataFrame
    report: LoadReport


@dataclass
class RawRecords:
    """String records from one file, with the line each started on and the header seen."""

    file: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def frame(self, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """All fields as strings, plus ``_line``; columns named by the file's header."""
        names = list(self.header)
        data: dict[str, list[str | None]] = {n: [] for n in names}
        for row in self.rows:
            for i, n in enumerate(names):
                data[n].append(row[i] if i < len(row) else None)
        df = pl.DataFrame(data, schema={n: pl.String for n in names})
        df = df.with_columns(pl.Series(LINE, self.lines, dtype=pl.Int64))
        return df if columns is None else df.select([*columns, LINE])


# --------------------------------------------------------------------------- decoding


_C1_CONTROLS = re.compile("[\u0080-\u009f]")


def _cp1252_char(ch: str) -> str:
    try:
        return bytes([ord(ch)]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def fix_c1_controls(text: str) -> str:
    """Map C1 control characters to their Windows-1252 glyphs.

    Files that went through Excel on Windows carry bytes such as C2 92 (U+0092) where a right
    single quote belongs ("Bachelor\\x92s" in College Scorecard). They are valid UTF-8 but
    never meant as controls, so they are read as the Windows-1252 characters they were.
    """
    return _C1_CONTROLS.sub(lambda m: _cp1252_char(m.group()), text)


_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one.
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def byte_order_mark(raw: bytes) -> tuple[str | None, int]:
    """The encoding a byte-order mark announces and the mark's length; (None, 0) without one."""
    for mark, encoding in _BOMS:
        if raw.startswith(mark):
            return encoding, len(mark)
    return None, 0


def decode_lines(raw: bytes) -> tuple[str, list[int]]:
    """Decode a text file's bytes; return the text and the lines that needed repair.

    The one decoder every text loader goes through (via ``read_decoded``), so each encoding
    problem is handled once. A byte-order mark decides the encoding: Excel's "Unicode text"
    export is UTF-16 LE with a mark, "CSV UTF-8" is UTF-8 with one, and UTF-16 BE / UTF-32
    files say so the same way. Those are decoded strictly (``UnicodeDecodeError`` when the
    bytes contradict the mark). Without a mark the bytes are read as UTF-8, and a line that
    is not UTF-8 is decoded as Windows-1252, the encoding such files nearly always turn out
    to be in; its number is returned so the caller can report it.
    """
    encoding, skip = byte_order_mark(raw)
    if encoding is not None and encoding != "utf-8":
        return fix_c1_controls(raw[skip:].decode(encoding)), []
    raw = raw[skip:]
    try:
        return fix_c1_controls(raw.decode("utf-8")), []
    except UnicodeDecodeError:
        pass
    parts = raw.split(b"\n")
    repaired: list[int] = []
    out: list[str] = []
    for number, part in enumerate(parts, start=1):
        try:
            out.append(part.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(part.decode("cp1252", errors="replace"))
            repaired.append(number)
    return fix_c1_controls("\n".join(out)), repaired


def decode_file(path: Path) -> tuple[str, list[int]]:
    """``decode_lines`` of a file, with the problems no loader can work around as LoaderError.

    Those are: a file that is absent, bytes contradicting their byte-order mark, and NUL
    bytes in a file without a mark (UTF-16/32 saved without one, or not a text file at all),
    which would otherwise surface as a misleading "no header row found".
    """
    path = Path(path)
    if not path.is_file():
        raise LoaderError(f"{path}: file not found")
    raw = path.read_bytes()
    encoding, _ = byte_order_mark(raw)
    try:
        text, repaired = decode_lines(raw)
    except UnicodeDecodeError as exc:
        raise LoaderError(
            f"{path.name}: byte-order mark says {encoding} but the bytes are "
            f"not valid {encoding} (at byte {exc.start})"
        ) from None
    if "\x00" in text:
        raise LoaderError(
            f"{path.name}: holds NUL bytes: UTF-16/UTF-32 text without a "
            "byte-order mark, or not a text file (save it as UTF-8)"
        )
    return text, repaired


def _norm_header(name: str) -> str:
    return re.sub(r"[^a-z0-9*]+", " ", name.strip().lower()).strip()


# --------------------------------------------------------------------------- raw records


def read_csv_records(
    path: Path,
    report: LoadReport,
    *,
    delimiter: str = ",",
    quoting: Quoting = csv.QUOTE_MINIMAL,
    pad_short_rows: bool = False,
    header_must_contain: Iterable[str] = (),
) -> RawRecords:
    """Read a delimited text file into string records tagged with their starting line.

    A row with fewer fields than the header is truncated: rejected, unless the format is known
    to drop empty trailing fields (``pad_short_rows``). A row with more fields is rejected.
    Lines holding bytes that are not UTF-8 are repaired and reported as such.
    ``header_must_contain`` lets a loader skip title rows above the real header.
    """
    path = Path(path)
    text, repaired_lines = read_decoded(path, report)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    wanted = {_norm_header(h) for h in header_must_contain}
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    prev_end = 0
    repaired = set(repaired_lines)
    for row in reader:
        start, prev_end = prev_end + 1, reader.line_num
        if header is None:
            if wanted and not wanted <= {_norm_header(c) for c in row}:
                continue
            header = [c.strip() for c in row]
            continue
        if not any(c.strip() for c in row):
            continue
        report.rows_read += 1
        if len(row) < len(header) and not pad_short_rows:
            report.reject(
                path,
                start,
                header[len(row)] if row else header[0],
                f"truncated row: {len(row)} of {len(header)} fields",
            )
            continue
        if len(row) > len(header):
            if any(c.strip() for c in row[len(header) :]):
                report.reject(
                    path, start, None, f"row has {len(row)} fields, header has {len(header)}"
                )
                continue
            row = row[: len(header)]
        if repaired and any(n in repaired for n in range(start, prev_end + 1)):
            report.reject(
                path,
                start,
                _non_ascii_field(header, row),
                "bytes not valid UTF-8; decoded as Windows-1252",
                severity="repaired",
            )
        rows.append(row + [""] * (len(header) - len(row)))
        lines.append(start)
    if header is None:
        raise LoaderError(f"{path.name}: no header row found")
    return RawRecords(path, header, rows, lines)


def read_decoded(path: Path, report: LoadReport) -> tuple[str, list[int]]:
    """A text file's contents and the lines repaired from Windows-1252; names it in report.

    Raises ``LoaderError`` for a file that is absent, empty or undecodable (see
    ``decode_file``), the cases no loader can work around.
    """
    path = Path(path)
    text, repaired = decode_file(path)
    if not text.strip():
        raise LoaderError(f"{path.name}: file is empty")
    report.files.append(path.name)
    return text, repaired


def _non_ascii_field(header: list[str], row: list[str]) -> str | None:
    for name, value in zip(header, row, strict=False):
        if not value.isascii():
            return name
    return None


def read_excel_records(
    path: Path,
    report: LoadReport,
    *,
    sheet: str | int = 0,
    header_must_contain: Iterable[str],
    stop_at_blank: bool = False,
) -> RawRecords:
    """Read one sheet of an .xlsx/.xls workbook, finding the header below any title rows.

    Lines are spreadsheet row numbers (1-based), so a reject points at the row a person
    would look at in Excel. Footnotes below the data end it when ``stop_at_blank`` is set.
    """
    import fastexcel

    path = Path(path)
    if not path.exists():
        raise LoaderError(f"{path}: file not found")
    try:
        workbook = fastexcel.read_excel(str(path))
        names = workbook.sheet_names
        target = sheet if isinstance(sheet, int) else _match_sheet(names, sheet, path)
        frame = workbook.load_sheet(target, header_row=None, dtypes="string").to_polars()
    except LoaderError:
        raise
    except Exception as exc:  # fastexcel raises its own types for corrupt workbooks
        raise LoaderError(f"{path.name}: not a readable workbook ({type(exc).__name__})") from exc
    report.files.append(path.name)
    wanted = {_norm_header(h) for h in header_must_contain}
    cells = [[("" if v is None else str(v)) for v in row] for row in frame.iter_rows()]
    index = next(
        (i for i, row in enumerate(cells) if wanted <= {_norm_header(c) for c in row}), None
    )
    if index is None:
        raise LoaderError(f"{path.name}: no header row with {sorted(wanted)}")
    header = [c.strip() for c in cells[index]]
    rows: list[list[str]] = []
    lines: list[int] = []
    for offset, row in enumerate(cells[index + 1 :], start=index + 2):
        if not any(c.strip() for c in row):
            if stop_at_blank:
                break
            continue
        report.rows_read += 1
        rows.append([_excel_text(c) for c in row])
        lines.append(offset)
    return RawRecords(path, header, rows, lines)


def _match_sheet(names: list[str], wanted: str, path: Path) -> str:
    for name in names:
        if _norm_header(name) == _norm_header(wanted):
            return name
    raise LoaderError(f"{path.name}: no sheet named {wanted!r} (sheets: {names})")


def _excel_text(value: str) -> str:
    """Excel stores whole numbers as floats: '1234.0' is the integer cell 1234."""
    value = value.strip()
    if re.fullmatch(r"-?\d+\.0", value):
        return value[:-2]
    return value


# --------------------------------------------------------------------------- typed columns


@dataclass(frozen=True)
class Col:
    """One output column: where it comes from, its type, and what a valid value looks like.

    ``source`` lists header names accepted for it (versions of a format rename columns);
    matching ignores case, spacing and punctuation. ``normalize`` maps a raw string to its
    canonical form, or ``None`` when the value is invalid (which rejects the row if the
    column is ``required``, and otherwise nulls the value and reports it as repaired).
    ``flags`` maps a marker to a flag name: the value becomes null and a boolean column
    ``<name>_<flag>`` records that the marker was there (BLS '#' = top-coded wage).
    """

    name: str
    source: tuple[str, ...]
    kind: Kind = "str"
    required: bool = False
    normalize: Callable[[str], str | None] | None = None
    problem: str = "invalid value"
    markers: frozenset[str] = NULL_MARKERS
    flags: tuple[tuple[str, str], ...] = ()
    optional_column: bool = False


def find_column(header: Sequence[str], col: Col) -> str | None:
    """The file's header name for ``col``, by its accepted aliases."""
    normalized = {_norm_header(h): h for h in header}
    for alias in col.source:
        if _norm_header(alias) in normalized:
            return normalized[_norm_header(alias)]
    return None


_BOOL_TRUE = {"y", "yes", "true", "t", "1"}
_BOOL_FALSE = {"n", "no", "false", "f", "0"}


def _cast_value(kind: Kind, value: str) -> object:
    if kind == "str":
        return value
    if kind == "bool":
        low = value.lower()
        if low in _BOOL_TRUE:
            return True
        if low in _BOOL_FALSE:
            return False
        raise ValueError("not a yes/no value")
    cleaned = value.replace(",", "").replace("$", "").strip()
    if kind == "int":
        number = float(cleaned)
        if not number.is_integer():
            raise ValueError("not a whole number")
        return int(number)
    return float(cleaned)


_POLARS_TYPES: dict[Kind, type[pl.DataType]] = {
    "str": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
}


def empty_table(spec: Sequence[Col]) -> pl.DataFrame:
    """A zero-row table with the spec's schema, for a file that could not be read."""
    schema: ColumnTypes = {c.name: _POLARS_TYPES[c.kind] for c in spec}
    for c in spec:
        for _, flag in c.flags:
            schema[f"{c.name}_{flag}"] = pl.Boolean
    schema[LINE] = pl.Int64
    return pl.DataFrame(schema=schema)


def build_table(
    raw: RawRecords,
    spec: Sequence[Col],
    report: LoadReport,
    *,
    record_key: str | None = None,
) -> pl.DataFrame:
    """Coerce raw string records into a typed table following ``spec``.

    Missing required columns are reported once (at the header line) and produce an empty
    table; a missing optional column is reported and filled with nulls. A value that fails
    its type or pattern in a required column rejects the row; in an optional column it
    becomes null and the row is kept, reported as repaired. The kept rows carry ``_line``.
    """
    positions: dict[str, int | None] = {}
    header_index = {h: i for i, h in enumerate(raw.header)}
    for col in spec:
        found = find_column(raw.header, col)
        if found is None:
            if col.required:
                report.reject(
                    raw.file,
                    None,
                    col.name,
                    f"required column missing (expected one of {list(col.source)})",
                )
                return empty_table(spec)
            if not col.optional_column:
                report.reject(
                    raw.file,
                    None,
                    col.name,
                    "column missing; filled with nulls",
                    severity="missing",
                )
        positions[col.name] = None if found is None else header_index[found]

    key_pos = positions.get(record_key) if record_key else None
    data: dict[str, list[object]] = {c.name: [] for c in spec}
    flag_data: dict[str, list[bool]] = {f"{c.name}_{flag}": [] for c in spec for _, flag in c.flags}
    kept_lines: list[int] = []
    for row, line in zip(raw.rows, raw.lines, strict=True):
        values, flags, ok = _coerce_row(
            row,
            line,
            spec,
            positions,
            raw.file,
            report,
            None if key_pos is None else row[key_pos].strip(),
        )
        if not ok:
            continue
        for name, value in values.items():
            data[name].append(value)
        for name, value in flags.items():
            flag_data[name].append(value)
        kept_lines.append(line)
    report.rows_kept += len(kept_lines)
    columns = {c.name: pl.Series(c.name, data[c.name], dtype=_POLARS_TYPES[c.kind]) for c in spec}
    columns.update({n: pl.Series(n, v, dtype=pl.Boolean) for n, v in flag_data.items()})
    columns[LINE] = pl.Series(LINE, kept_lines, dtype=pl.Int64)
    return pl.DataFrame(columns)


def _coerce_row(
    row: list[str],
    line: int,
    spec: Sequence[Col],
    positions: dict[str, int | None],
    file: Path,
    report: LoadReport,
    key: str | None,
) -> tuple[dict[str, object], dict[str, bool], bool]:
    values: dict[str, object] = {}
    flags: dict[str, bool] = {}
    pending: list[Reject] = []
    for col in spec:
        pos = positions[col.name]
        raw_value = "" if pos is None or pos >= len(row) else row[pos].strip()
        flag_hit = dict(col.flags).get(raw_value)
        for marker, flag in col.flags:
            flags[f"{col.name}_{flag}"] = raw_value == marker
        if flag_hit or raw_value in col.markers:
            if col.required:
                report.reject(file, line, col.name, "required value missing", record=key)
                return values, flags, False
            values[col.name] = None
            continue
        try:
            value = col.normalize(raw_value) if col.normalize else raw_value
            if value is None:
                raise ValueError(col.problem)
            values[col.name] = _cast_value(col.kind, value)
        except (ValueError, OverflowError) as exc:
            reason = (
                str(exc)
                if str(exc) and "could not convert" not in str(exc)
                else (f"not a valid {'number' if col.kind in ('int', 'float') else col.kind}")
            )
            if col.required:
                report.reject(file, line, col.name, reason, record=key)
                return values, flags, False
            pending.append(
                Reject(file.name, line, col.name, f"{reason}; set to null", "repaired", key)
            )
            values[col.name] = None
    report.rejects.extend(pending)
    return values, flags, True


def load_with_spec(
    source: str,
    path: Path,
    spec: Sequence[Col],
    *,
    record_key: str | None = None,
    id_key: str | Sequence[str] | None = None,
    **read_options: object,
) -> Loaded:
    """Read a delimited file and type it by ``spec``: the common path for simple sources.

    A file that cannot be read at all yields an empty table and a file-level reject, so a
    bulk import carries on with everything else (the importer then decides whether what is
    left is usable). With ``id_key``, a row repeating an earlier id is rejected.
    """
    report = LoadReport(source)
    try:
        raw = read_csv_records(path, report, **read_options)  # type: ignore[arg-type]
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(empty_table(spec), report)
    table = build_table(raw, spec, report, record_key=record_key)
    if id_key is not None:
        table = reject_duplicate_ids(table, id_key, report, file=path)
    return Loaded(table, report)


# --------------------------------------------------------------------------- helpers


def reject_duplicate_ids(
    table: pl.DataFrame,
    key: str | Sequence[str],
    report: LoadReport,
    *,
    file: str | Path | None = None,
    file_column: str | None = None,
    what: str = "id",
) -> pl.DataFrame:
    """Keep the first row per ``key``; reject each repeat, naming the line of the first.

    An id listed twice is ambiguous (which title, which label is the URI's?), so a repeat
    is a rejected row with reason "duplicate id, first seen at line N", never kept beside
    the first. Rows are named by ``file`` or, for a table built from several files, by the
    file in ``file_column``. Rows with a null key are not ids and are kept.
    """
    keys = [key] if isinstance(key, str) else list(key)
    if table.is_empty():
        return table
    has_key = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    repeat = (has_key & ~pl.struct(keys).is_first_distinct()).alias("_repeat")
    files = pl.col(file_column) if file_column else pl.lit(str(file or report.source))
    marked = table.with_columns(
        repeat,
        files.alias("_file"),
        pl.col(LINE).first().over(keys).alias("_first_line"),
        files.first().over(keys).alias("_first_file"),
        pl.concat_str([pl.col(k).cast(pl.String) for k in keys], separator="/").alias("_id"),
    )
    repeats = marked.filter(pl.col("_repeat"))
    for line, at, first_line, first_file, value in repeats.select(
        LINE, "_file", "_first_line", "_first_file", "_id"
    ).iter_rows():
        where = "" if first_file == at else f" of {first_file}"
        report.reject(
            at,
            line,
            keys[-1],
            f"duplicate {what}, first seen at line {first_line}{where}",
            record=value,
        )
    report.rows_kept -= repeats.height
    return table.filter(~marked.get_column("_repeat"))


def text_col(name: str, *source: str, required: bool = False) -> Col:
    """A plain text column read from any of the ``source`` header names."""
    return Col(name, source, required=required)


def matches(regex: str) -> Callable[[str], str | None]:
    """A ``Col.normalize`` that accepts a value only if it matches ``regex`` in full."""
    compiled = re.compile(regex)
    return lambda value: value if compiled.fullmatch(value) else None


def line_last(table: pl.DataFrame, *exprs: pl.Expr) -> pl.DataFrame:
    """Add derived columns (if any), keeping ``_line`` the last column."""
    return table.with_columns(*exprs).select(pl.exclude(LINE), LINE)


def load_excel_with_spec(
    source: str,
    path: Path,
    spec: Sequence[Col],
    *,
    sheet: str | int = 0,
    header_must_contain: Sequence[str],
    record_key: str | None = None,
    id_key: str | Sequence[str] | None = None,
) -> Loaded:
    """The workbook twin of ``base.load_with_spec``: unreadable files give an empty table."""
    report = LoadReport(source)
    try:
        raw = read_excel_records(path, report, sheet=sheet, header_must_contain=header_must_contain)
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(empty_table(spec), report)
    table = build_table(raw, spec, report, record_key=record_key)
    if id_key is not None:
        table = reject_duplicate_ids(table, id_key, report, file=path)
    return Loaded(table, report)


def concat_loaded(
    source: str, parts: Sequence[Loaded], empty: pl.DataFrame | None = None
) -> Loaded:
    """One table from several files of the same source, with their reports merged.

    Parts' tables share a schema; ``empty`` is returned when there are no parts at all.
    """
    report = LoadReport(source)
    for part in parts:
        report.merge(part.report)
    tables = [p.table for p in parts if p.table.height] or [p.table for p in parts][:1]
    table = pl.concat(tables, how="vertical_relaxed") if tables else empty
    return Loaded(table if table is not None else pl.DataFrame(), report)


# --------------------------------------------------------------------------- code formats


ONET_SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
SOC = re.compile(r"^\d{2}-\d{4}$")


def onet_soc_code(value: str) -> str | None:
    """'29-1141.00' as is; a bare SOC '29-1141' gains '.00'; anything else is invalid."""
    value = value.strip()
    if ONET_SOC.match(value):
        return value
    if SOC.match(value):
        return value + ".00"
    return None


def soc_code(value: str) -> str | None:
    """A SOC 2010/2018 code 'NN-NNNN'; an O*NET-SOC '.00' suffix is dropped."""
    value = value.strip()
    if SOC.match(value):
        return value
    if ONET_SOC.match(value):
        return value[:7]
    return None


def cip_code(value: str) -> str | None:
    """Canonical CIP 'NN.NNNN' (or 'NN.NN' / 'NN' at family level) from any official spelling.

    Handles Excel-guarded '="01.0000"', dotted codes, and undotted codes that lost their
    leading zero: 6-digit '513501' -> '51.3501', 5-digit '90101' -> '09.0101', 4-digit
    Scorecard '5203' -> '52.03', 3-digit '100' -> '01.00'.
    """
    value = value.strip().removeprefix("=").strip('"').strip()
    if re.fullmatch(r"\d{1,2}\.\d{2}(\d{2})?", value):
        family, rest = value.split(".")
        return f"{int(family):02d}.{rest}"
    if re.fullmatch(r"\d{1,2}", value):
        return f"{int(value):02d}"
    if re.fullmatch(r"\d{5,6}", value):
        digits = value.zfill(6)
        return f"{digits[:2]}.{digits[2:]}"
    if re.fullmatch(r"\d{3,4}", value):
        digits = value.zfill(4)
        return f"{digits[:2]}.{digits[2:]}"
    return None


def strip_extra_quotes(value: str) -> str:
    """NJ ETPL text fields carry a second layer of literal quotes: '"Name"' -> 'Name'."""
    value = value.strip()
    while len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].strip()
    return value
