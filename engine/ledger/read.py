"""Ledger files → sheets of raw cells, each row with its number as Excel shows it.

.xlsx/.xlsm are read by calamine (:mod:`engine.ledger.excel`: formulas as their last
computed values, every cell as openpyxl read it), once the archive is known not to be a
zip bomb (:func:`check_archive`) nor to declare XML entities; a workbook its format scan
cannot follow is read with openpyxl in read-only mode (defusedxml refusing entities).
A .csv file is one sheet named after the file; it may be UTF-8, UTF-8 with a BOM (what
Excel's "CSV UTF-8" writes) or GB18030 (what Chinese Excel's plain "CSV" writes), comma-
or tab-separated.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError

from engine.ledger import excel

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
# What a ledger workbook may unpack to. 100,000 milestones unpack to about 40 MB, their
# sheet compressed about 12:1; a zip bomb's part of zeros is 200:1 to 1000:1.
MAX_UNPACKED_MB = 500
MAX_CSV_MB = 200  # a CSV is read whole (to detect its encoding); 100,000 rows are ~30 MB
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed : compressed, for a part over RATIO_FROM_MB
RATIO_FROM_MB = 10
_MB = 1024 * 1024


@dataclass(slots=True)
class Row:
    number: int
    values: Sequence[Any]
    formats: Sequence[str | None] | None = None  # number formats of numeric and date cells

    def fmt(self, index: int) -> str | None:
        if self.formats is None or index >= len(self.formats):
            return None
        return self.formats[index]


@dataclass
class Sheet:
    file: str
    name: str
    rows: Iterator[Row]
    csv: bool = False  # a CSV row may run past its header: every cell it has is read


class Unreadable(Exception):
    """A file that cannot be read as a ledger; ``why`` names the reason."""

    def __init__(self, file: str, why: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{file}: {why} {detail}".strip())
        self.file, self.why, self.detail, self.params = file, why, detail, params


def read_sheets(path: Path, shown: str | None = None) -> Iterator[Sheet]:
    """Every sheet of the file, streamed; the workbook is closed when the caller is done."""
    shown = shown or path.name
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        yield from _excel(path, shown)
    elif suffix in CSV_SUFFIXES:
        yield Sheet(shown, path.stem, _csv_rows(path, shown), csv=True)
    elif suffix == ".xls":
        raise Unreadable(shown, "xls")
    else:
        raise Unreadable(shown, "suffix")


def check_archive(path: Path, shown: str) -> None:
    """Refuse a workbook that would unpack to far more than a ledger: in all, or in one
    part compressed beyond any real sheet, or in the number of parts. The sizes are those
    the archive declares; Python's zipfile never unpacks a part beyond its declared size
    (it stops there, and the CRC check fails), so they bound what openpyxl can read."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    if len(parts) > MAX_MEMBERS:
        raise Unreadable(shown, "zip_members", n=len(parts), limit=MAX_MEMBERS)
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FROM_MB * _MB and ratio > MAX_RATIO:
            raise Unreadable(shown, "zip_ratio", member=part.filename, ratio=int(ratio),
                             limit=MAX_RATIO)
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_MB * _MB:
        raise Unreadable(shown, "zip_size", size=total // _MB, limit=MAX_UNPACKED_MB)


def _excel(path: Path, shown: str) -> Iterator[Sheet]:
    try:
        check_archive(path, shown)
        special = excel.scan(path)
    except excel.NotFollowed:
        yield from _openpyxl(path, shown)
        return
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise _unreadable(shown, exc) from None
    try:
        for name, rows in excel.sheets(path, special):
            yield Sheet(shown, name, (Row(number, values, formats) for number, (values, formats)
                                      in enumerate(rows, start=1)))
    except (CalamineError, OSError, ValueError) as exc:
        raise _unreadable(shown, exc) from None


def _unreadable(shown: str, exc: Exception) -> Unreadable:
    return Unreadable(shown, "excel", str(exc).splitlines()[0] if str(exc) else "")


def _openpyxl(path: Path, shown: str) -> Iterator[Sheet]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            SyntaxError) as exc:
        raise _unreadable(shown, exc) from None
    try:
        for sheet in book.worksheets:
            yield Sheet(shown, sheet.title, _excel_rows(sheet, shown))
    finally:
        book.close()


def _excel_rows(sheet: Any, shown: str) -> Iterator[Row]:
    try:
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [c.value for c in cells]
            formats = [getattr(c, "number_format", None) if isinstance(v, int | float | date)
                       else None for c, v in zip(cells, values, strict=True)]
            yield Row(number, values, formats)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        # a damaged sheet (ElementTree's ParseError is a SyntaxError)
        raise _unreadable(shown, exc) from None


def decode(data: bytes, shown: str) -> str:
    """UTF-8 (with or without BOM), else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(shown, "encoding") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise Unreadable(shown, "encoding") from None


def _csv_rows(path: Path, shown: str) -> Iterator[Row]:
    try:
        size = path.stat().st_size
        if size > MAX_CSV_MB * _MB:
            raise Unreadable(shown, "csv_size", size=size // _MB, limit=MAX_CSV_MB)
        content = decode(path.read_bytes(), shown)
    except OSError as exc:
        raise Unreadable(shown, "io", exc.strerror or "") from None
    first = content.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield Row(number, values)
    except csv.Error:  # a cell over csv.field_size_limit() (131,072 characters)
        raise Unreadable(shown, "csv_field", row=number + 1,
                         limit=f"{csv.field_size_limit():,}") from None
