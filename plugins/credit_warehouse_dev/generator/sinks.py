"""Where generated rows go, one row at a time: CSV (any encoding), XLSX, JSON lines.

Every sink streams (openpyxl's write-only workbook spills to a temporary file), and every output is
byte-for-byte reproducible, so regenerating a night gives files with the same checksums and the
loader's ledger sees nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

_FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = "2000-01-01T00:00:00Z"


class Sink:
    """A destination of rows; ``write`` returns the 1-based data row number within it."""

    path: Path
    rows: int = 0

    def write(self, values: list[str]) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class CsvSink(Sink):
    def __init__(self, path: Path, header: list[str], encoding: str):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("w", newline="", encoding=encoding)
        self._writer = csv.writer(self._handle, lineterminator="\r\n")
        self._writer.writerow(header)

    def write(self, values: list[str]) -> int:
        self._writer.writerow(values)
        self.rows += 1
        return self.rows

    def close(self) -> None:
        self._handle.close()


class XlsxSink(Sink):
    def __init__(self, path: Path, header: list[str], sheet_title: str = "Sheet1"):
        from openpyxl import Workbook  # a development dependency: only the generator writes XLSX

        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_title)
        self._sheet.append(header)

    def write(self, values: list[str]) -> int:
        self._sheet.append(values)
        self.rows += 1
        return self.rows

    def close(self) -> None:
        scratch = self.path.with_suffix(".xlsx.tmp")
        self._book.save(scratch)
        _make_reproducible(scratch, self.path)
        scratch.unlink()


def _make_reproducible(source: Path, target: Path) -> None:
    """Copies a zip with fixed entry times and fixed document timestamps (openpyxl stamps 'now')."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == "docProps/core.xml":
                text = original.read(info).decode()
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{_FIXED_DOC_TIME}", text)
                copy.writestr(entry, text)
                continue
            with original.open(info) as reader, copy.open(entry, "w", force_zip64=True) as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)


class JsonlSink(Sink):
    def __init__(self, path: Path, keys: list[str], integer_keys: frozenset[str] = frozenset()):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("w", encoding="utf-8", newline="\n")
        self._keys = keys
        self._integer_keys = integer_keys

    def write(self, values: list[str]) -> int:
        record = {}
        for key, value in zip(self._keys, values, strict=True):
            record[key] = int(value) if key in self._integer_keys and value.isdigit() else value
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.rows += 1
        return self.rows

    def close(self) -> None:
        self._handle.close()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
