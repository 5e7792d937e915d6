"""File feeds from the landing folder: CSV (UTF-8, UTF-8 BOM, GBK/GB18030), XLSX and JSON lines.

Layout (an SFTP drop folder in production): ``<landing root>/<feed>/<YYYY-MM-DD>/<files>``.
Every reader streams: memory stays flat however large the file (XLSX is bounded by its size limit,
because calamine reads a sheet whole), and every line and field has a bound.

The landing folder is written by outsiders (an SFTP drop), so a file is refused before any byte is read
when its name could mislead a path or a terminal (path separators, "..", control or invisible
formatting characters, undecodable bytes) or when it is a symbolic link leading out of its folder.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import json
import os
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from credit_warehouse.feeds.errors import FeedInputError
from credit_warehouse.feeds.headers import Row, map_header, record_to_row, rows_in_registry_order
from credit_warehouse.feeds.registry import Feed
from credit_warehouse.settings import state_dir

ENV_LANDING = "CREDIT_WAREHOUSE_LANDING"
SUFFIX_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CHUNK = 1 << 20
BOM = codecs.BOM_UTF8
# a single CSV field larger than this is surely a broken quote, not data
CSV_FIELD_LIMIT = 1 << 20
# a field may run over its registry max_length (the gate quarantines it), but not by this factor
FIELD_LIMIT_FACTOR = 4
HEADER_LINE_LIMIT = 1 << 16  # characters; a header longer than this is not a header
JSONL_LINE_LIMIT = 1 << 20  # characters; one JSON record longer than this is a missing line break
# control (Cc), invisible formatting such as right-to-left overrides (Cf), undecodable bytes (Cs), line
# and paragraph separators (Zl, Zp): none belongs in a file name a person reads in an alert
UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def landing_root() -> Path:
    return Path(os.environ.get(ENV_LANDING) or state_dir() / "landing")


def landing_folder(feed: Feed, logical_date: date) -> Path:
    return landing_root() / feed.name / logical_date.isoformat()


def landing_files(feed: Feed, logical_date: date) -> list[Path]:
    """The delivered files of one feed and date, by name; hidden and in-transfer files (.part, .tmp) skipped.

    A file with an unsafe name is listed even when it looks hidden or in transfer: it is refused (and
    alerted) rather than silently passed over.
    """
    folder = landing_folder(feed, logical_date)
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and (unsafe_name_reason(p.name) or (
            not p.name.startswith(".") and p.suffix.lower() not in (".part", ".tmp", ".filepart")))
    )


def unsafe_name_reason(name: str) -> str | None:
    """Why a delivered file's name is refused, or None when it is safe."""
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if ".." in name:
        return "contains '..'"
    if any(unicodedata.category(c) in UNSAFE_NAME_CATEGORIES for c in name):
        return "contains control, invisible or undecodable characters"
    return None


def check_landing_path(feed: Feed, path: Path) -> None:
    """Refuses a file whose name is unsafe, or which leads out of its landing folder: a symbolic link to
    elsewhere, or a file in a date folder (or feed folder) that is itself a link to elsewhere."""
    where = f"feed {feed.name}, file {display_name(path)}"
    reason = unsafe_name_reason(path.name)
    if reason:
        raise FeedInputError(f"{where}: refused because the file name {reason}; rename it and deliver it again.")
    try:  # where the file must really lie: its folder as named, under the real landing root
        expected = landing_root().resolve() / path.parent.relative_to(landing_root())
    except ValueError:  # a path given outside the landing root (tools, tests): its own folder
        expected = path.parent.resolve()
    if path.resolve().parent != expected:
        if path.is_symlink():
            raise FeedInputError(f"{where}: refused because it is a symbolic link pointing outside its landing "
                                 "folder.")
        raise FeedInputError(f"{where}: refused because its folder is a symbolic link pointing outside the landing "
                             "folder.")


def _printable(text: str) -> str:
    """The text with unsafe characters written as escapes (\\x1b, \\u202e; undecodable bytes as \\xff)."""
    out = []
    for char in text:
        if unicodedata.category(char) not in UNSAFE_NAME_CATEGORIES:
            out.append(char)
        elif 0xDC80 <= ord(char) <= 0xDCFF:  # a byte the file system name did not decode (surrogateescape)
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def display_name(path: Path) -> str:
    """The file as the user knows it: relative to the landing root when it lies inside, unsafe characters
    escaped (the name goes into messages, alerts and the ledger)."""
    try:
        return _printable(str(path.relative_to(landing_root())))
    except ValueError:
        return _printable(str(path))


@dataclass(frozen=True)
class FileFacts:
    path: Path
    name: str  # for messages and raw._source
    format: str
    size: int
    sha256: str
    encoding: str | None  # text formats only
    encoding_verified: bool = True  # False: picked after UTF-8 failed, not yet decoded end to end


def file_format(feed: Feed, path: Path) -> str:
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    where = f"feed {feed.name}, file {display_name(path)}"
    if fmt is None:
        raise FeedInputError(f"{where}: unsupported file type {path.suffix or '(none)'!r} (expected .csv, .xlsx "
                             "or .jsonl).")
    if fmt not in feed.formats:
        raise FeedInputError(f"{where}: format {fmt} is not accepted for this feed (accepted: "
                             f"{', '.join(feed.formats)}).")
    return fmt


def inspect_file(feed: Feed, path: Path) -> FileFacts:
    """Checks size and format, hashes the bytes and (for text) picks the encoding, in one streaming pass.

    Detection: a UTF-8 BOM means UTF-8; otherwise UTF-8 (the first registry encoding) is checked over the
    whole file in the same pass as the hash; if it fails, the next registry encoding (GB18030, a superset
    of GBK) is taken unverified: COPY checks it at C speed, and the Python path calls verify_encoding
    first, whose error names the line.
    """
    name = display_name(path)
    where = f"feed {feed.name}, file {name}"
    check_landing_path(feed, path)
    fmt = file_format(feed, path)
    size = path.stat().st_size
    if size == 0:
        raise FeedInputError(f"{where}: the file is empty.")
    if size > feed.limits.max_file_bytes:
        raise FeedInputError(f"{where}: {size} bytes is over the feed's limit of {feed.limits.max_file_bytes} bytes.")
    if fmt == "xlsx":
        check_xlsx_size(feed, path, where)
        return FileFacts(path, name, fmt, size, file_sha256(path), None)
    with path.open("rb") as handle:
        candidates = _candidate_encodings(feed, handle.read(len(BOM)))
    digest = hashlib.sha256()
    survivors, _, _, _ = _decode_pass(path, candidates[:1], digest)
    facts = FileFacts(path, name, fmt, size, digest.hexdigest(), candidates[0], encoding_verified=bool(survivors))
    if survivors:
        return facts
    if len(candidates) == 1:  # a UTF-8 BOM before bytes that are not UTF-8 (a GB18030 body, say)
        return verify_encoding(feed, facts)  # raises, naming the line
    return dataclasses.replace(facts, encoding=candidates[1], encoding_verified=False)


def verify_encoding(feed: Feed, facts: FileFacts) -> FileFacts:
    """The facts with an encoding that decodes the whole file, or an error naming the line where each fails."""
    if facts.encoding_verified or facts.encoding is None:
        return facts
    where = f"feed {feed.name}, file {facts.name}"
    with facts.path.open("rb") as handle:
        candidates = _candidate_encodings(feed, handle.read(len(BOM)))
    survivors, failures, cut_short, lines = _decode_pass(facts.path, candidates)
    if not survivors and cut_short:
        raise FeedInputError(f"{where}, line {lines}: the file ends inside a {cut_short[0]} character "
                             "(truncated file).")
    if not survivors and candidates == ["utf-8-sig"]:
        raise FeedInputError(f"{where}, line {failures['utf-8-sig']}: the file starts with a UTF-8 byte-order mark "
                             "but is not UTF-8 (a GB18030 file saved with a BOM?); save it again in one encoding.")
    if not survivors:
        detail = "; ".join(f"{enc} fails at line {failures[enc]}" for enc in candidates)
        raise FeedInputError(f"{where}: the bytes cannot be decoded in any accepted encoding ({detail}).")
    return dataclasses.replace(facts, encoding=survivors[0], encoding_verified=True)


def _decode_pass(
    path: Path, candidates: list[str], digest=None
) -> tuple[list[str], dict[str, int], list[str], int]:
    """Streams the file through an incremental decoder per candidate (and the digest, when given).

    Returns the candidates that decode everything, the line where each other one failed, those that
    failed only on an incomplete last character (a truncated file), and the number of the last line.
    """
    decoders = {enc: codecs.getincrementaldecoder(enc)() for enc in candidates}
    failures: dict[str, int] = {}
    lines_before = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if digest is not None:
                digest.update(chunk)
            for enc in list(decoders):
                try:
                    decoders[enc].decode(chunk)
                except UnicodeDecodeError as exc:
                    failures[enc] = lines_before + exc.object[: exc.start].count(b"\n") + 1
                    del decoders[enc]
            if not decoders and digest is None:
                break
            lines_before += chunk.count(b"\n")
    cut_short = []
    for enc in list(decoders):
        try:
            decoders[enc].decode(b"", final=True)
        except UnicodeDecodeError:
            cut_short.append(enc)
            failures[enc] = lines_before + 1
            del decoders[enc]
    return [enc for enc in candidates if enc in decoders], failures, cut_short, lines_before + 1


def _candidate_encodings(feed: Feed, head: bytes) -> list[str]:
    if head == BOM:
        return ["utf-8-sig"]
    # without a BOM, utf-8-sig decodes exactly like utf-8: keep the list short
    return [enc for enc in feed.encodings if enc != "utf-8-sig"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")  # an encrypted (password-protected) workbook is an OLE file


def check_xlsx_size(feed: Feed, path: Path, where: str) -> None:
    """Refuses a zip bomb before any parser sees it: the sum of the declared entry sizes is checked."""
    with path.open("rb") as handle:
        if handle.read(len(OLE_SIGNATURE)) == OLE_SIGNATURE:
            raise FeedInputError(f"{where}: the workbook is protected by a password (encrypted); deliver it "
                                 "without one.")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, EOFError):
        raise FeedInputError(f"{where}: not a valid XLSX file (the zip container is damaged or truncated).") from None
    limit = feed.limits.max_xlsx_uncompressed_bytes
    if total > limit:
        raise FeedInputError(f"{where}: the workbook would decompress to {total} bytes, over the limit of {limit}.")


def read_rows(feed: Feed, facts: FileFacts, on_layout: Callable[[str], None] | None = None) -> Iterator[Row]:
    """The file's data rows in registry column order (header checked first); ``on_layout`` hears which
    national format the header is written in before the first row."""
    where = f"feed {feed.name}, file {facts.name}"
    facts = verify_encoding(feed, facts)
    heard = on_layout or (lambda _layout: None)
    if facts.format == "csv":
        return _csv_rows(feed, facts, where, heard)
    if facts.format == "xlsx":
        return _xlsx_rows(feed, facts, where, heard)
    return _jsonl_rows(feed, facts, where)


@dataclass(frozen=True)
class CsvLayout:
    positions: list[int | None]  # registry column index of each source column (None: empty header)
    delimiter: str
    layout: str  # the national format of the header (registry layouts)

    @property
    def clean(self) -> bool:
        """Every source column maps to a registry column: PostgreSQL can COPY the bytes as they are."""
        return None not in self.positions


def csv_layout(feed: Feed, facts: FileFacts) -> CsvLayout:
    """The header line: which registry column each source column is, and the delimiter."""
    where = f"feed {feed.name}, file {facts.name}"
    with facts.path.open("r", encoding=facts.encoding, newline="") as handle:
        return _read_layout(feed, _header_line(handle, where), where)


def _header_line(handle, where: str) -> str:
    first = handle.readline(HEADER_LINE_LIMIT + 1)
    if len(first) > HEADER_LINE_LIMIT:
        raise FeedInputError(f"{where}, line 1: the header line is longer than {HEADER_LINE_LIMIT} characters "
                             "(not a header row, or no line breaks).")
    return first


def csv_field_limit(feed: Feed) -> int:
    """The longest CSV field read: FIELD_LIMIT_FACTOR times the feed's longest registry max_length."""
    longest = max((c.max_length for c in feed.columns if c.max_length), default=None)
    return CSV_FIELD_LIMIT if longest is None else min(FIELD_LIMIT_FACTOR * longest, CSV_FIELD_LIMIT)


def _read_layout(feed: Feed, first: str, where: str) -> CsvLayout:
    if not first.strip():
        raise FeedInputError(f"{where}: no header row (the first line is blank).")
    # some departments export tab-separated text with a .csv name
    delimiter = "\t" if "\t" in first and "," not in first else ","
    header = next(csv.reader([first], delimiter=delimiter, strict=True))
    mapped = map_header(feed, header, where)
    return CsvLayout(mapped.positions, delimiter, mapped.layout)


def _csv_rows(feed: Feed, facts: FileFacts, where: str, on_layout: Callable[[str], None]) -> Iterator[Row]:
    # process-wide setting: set again by every reader, each task loads one file at a time
    limit = csv_field_limit(feed)
    csv.field_size_limit(limit)
    with facts.path.open("r", encoding=facts.encoding, newline="") as handle:
        layout = _read_layout(feed, _header_line(handle, where), where)
        on_layout(layout.layout)
        reader = csv.reader(handle, delimiter=layout.delimiter, strict=True)
        records = (record for record in _checked(reader, where, limit) if record)
        yield from rows_in_registry_order(feed, layout.positions, records, where)


def _checked(reader, where: str, limit: int = CSV_FIELD_LIMIT) -> Iterator[list[str]]:
    """csv.reader with its errors turned into sentences naming the line (the header is line 1)."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FeedInputError(
                    f"{where}, line {reader.line_num + 1}: a field is longer than {limit} characters, "
                    f"{FIELD_LIMIT_FACTOR} times the longest value the feed allows (an unbalanced quote?)."
                ) from None
            raise FeedInputError(
                f"{where}, line {reader.line_num + 1}: the CSV cannot be parsed ({exc}; truncated file or "
                "unbalanced quote?)."
            ) from None
        yield record


def _xlsx_rows(feed: Feed, facts: FileFacts, where: str, on_layout: Callable[[str], None]) -> Iterator[Row]:
    try:
        workbook = CalamineWorkbook.from_path(str(facts.path))
        try:
            _check_one_sheet(workbook, where)
            sheet = workbook.get_sheet_by_index(0)
            cells = sheet.iter_rows()
            header = next(cells, None)
            if header is None:
                raise FeedInputError(f"{where}: the first sheet is empty (no header row).")
            header = [_cell_text(v) or "" for v in header]
            while header and not header[-1]:
                header.pop()
            mapped = map_header(feed, header, where)
            on_layout(mapped.layout)
            positions = mapped.positions
            width = len(positions)
            records = (
                [_cell_text(v) or "" for v in row[:width]] + [""] * (width - len(row))
                for row in cells
                if any(v not in ("", None) for v in row)
            )
            yield from rows_in_registry_order(feed, positions, records, where)
        finally:
            workbook.close()
    except CalamineError as exc:
        raise FeedInputError(f"{where}: the workbook cannot be read ({type(exc).__name__}).") from None


def _check_one_sheet(workbook: CalamineWorkbook, where: str) -> None:
    """One sheet of data per file: a second sheet with rows would otherwise be left unread in silence."""
    filled = [name for name in workbook.sheet_names if workbook.get_sheet_by_name(name).height > 0]
    if len(filled) > 1:
        raise FeedInputError(f"{where}: the workbook has {len(filled)} sheets with data ({', '.join(filled)}); "
                             "only one sheet per file is read, so nothing was loaded: deliver one sheet per file.")


def _cell_text(value: object) -> str | None:
    """Cell values as the text a CSV export would carry (20190709 stays 20190709, not 20190709.0)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _jsonl_rows(feed: Feed, facts: FileFacts, where: str) -> Iterator[Row]:
    with facts.path.open("r", encoding=facts.encoding, newline="\n") as handle:
        line_number = 0
        while line := handle.readline(JSONL_LINE_LIMIT + 1):
            line_number += 1
            line_where = f"{where}, line {line_number}"
            if len(line) > JSONL_LINE_LIMIT:
                raise FeedInputError(f"{line_where}: longer than {JSONL_LINE_LIMIT} characters (not one record; "
                                     "a missing line break?).")
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FeedInputError(f"{line_where}: not valid JSON ({exc.msg} at column {exc.colno}; truncated "
                                     "file?).") from None
            except RecursionError:
                raise FeedInputError(f"{line_where}: nested too deeply to be one record.") from None
            if not isinstance(record, dict):
                raise FeedInputError(f"{line_where}: expected a JSON object, got {type(record).__name__}.")
            yield record_to_row(feed, record, line_where)
