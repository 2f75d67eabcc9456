""".xlsx/.xlsm → rows of cells: calamine (Rust) reads the values, ten times as fast as
openpyxl's streaming reader; this module adds back the little it does not tell.

A cell reads as openpyxl read it: whole numbers as ints, blanks as None, error cells
(#N/A, #DIV/0!) as their text, and, for the numeric and date cells whose number format
changes their reading (:func:`engine.ledger.values.format_matters`: a percentage, a
month, fixed decimals), that format. Those few cells are found in the sheet's XML by
their style; when a workbook does something this scan cannot follow (a cell without
its address, a default style that matters), openpyxl reads the whole workbook instead.

Like defusedxml under openpyxl, a part that declares a DTD (how XML entity bombs work)
makes the workbook unreadable; calamine itself never expands entities.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml.ElementTree import fromstring
from openpyxl.styles.numbers import BUILTIN_FORMATS
from python_calamine import SheetTypeEnum
from python_calamine import load_workbook as open_book

from engine.ledger.values import format_matters

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ADDRESS = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ROOT = re.compile(rb"<[A-Za-z_]")
_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_INT_LIMIT = 1e15  # Excel writes whole numbers below this without an exponent

Cells = dict[tuple[int, int], tuple[str, Any]]  # (row, column) from 0 → ("fmt"|"error", …)


class NotFollowed(Exception):
    """A workbook the format scan cannot follow: read it with openpyxl instead."""


def scan(path: Path) -> dict[str, Cells]:
    """Each sheet's cells that calamine does not read as openpyxl did, by sheet name.

    Raises :class:`NotFollowed` when openpyxl must read the workbook, and
    ``zipfile.BadZipFile``, ``KeyError``, ``ValueError`` (a DTD) or ``SyntaxError``
    (damaged XML) for one that cannot be read."""
    with zipfile.ZipFile(path) as archive:
        _refuse_dtd(archive)
        matter = _styles_that_matter(archive)
        if "0" in matter:
            raise NotFollowed("cells without a style have a format that matters")
        return {name: _special_cells(archive, part, matter)
                for name, part in _sheet_parts(archive).items()}


def sheets(path: Path, special: dict[str, Cells]
           ) -> Iterator[tuple[str, Iterator[tuple[list[Any], list[Any] | None]]]]:
    """(name, rows as (values, formats)) for every worksheet in order, one in memory at
    a time; :class:`CalamineError` for a sheet that cannot be read."""
    book = open_book(str(path))
    try:
        for meta in book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            yield meta.name, _rows(grid, special.get(meta.name, {}))
    finally:
        book.close()


def _rows(grid: list[list[Any]], special: Cells
          ) -> Iterator[tuple[list[Any], list[Any] | None]]:
    by_row: dict[int, list[tuple[int, str, Any]]] = {}
    for (r, c), (kind, what) in special.items():
        by_row.setdefault(r, []).append((c, kind, what))
    for index, raw in enumerate(grid):
        values = [None if x == "" else int(x) if type(x) is float and x.is_integer()
                  and -_INT_LIMIT < x < _INT_LIMIT else x for x in raw]  # as openpyxl: 60.0 → 60
        cells = by_row.get(index)
        if cells is None:
            yield values, None
            continue
        formats: list[Any] = [None] * len(values)
        for c, kind, what in cells:
            if c >= len(values):
                continue
            if kind == "error":
                values[c] = what
            elif isinstance(values[c], int | float | date) and not isinstance(values[c], bool):
                formats[c] = what
        yield values, formats


def _refuse_dtd(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as part:
            head = part.read(65536)
        root = _ROOT.search(head)
        prolog = head if root is None else head[:root.start()]
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise ValueError(f"{info.filename}: a DTD (entities are not read)")


def _styles_that_matter(archive: zipfile.ZipFile) -> dict[str, str]:
    """Style index (a cell's s="…") → its number format, for the formats that change a
    cell's reading; each format named as openpyxl names it (custom, else built in)."""
    try:
        tree = fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return {}
    custom = {n.get("numFmtId"): n.get("formatCode", "")
              for n in tree.iter(f"{_MAIN}numFmt")}
    xfs = tree.find(f"{_MAIN}cellXfs")
    found: dict[str, str] = {}
    for index, xf in enumerate(() if xfs is None else xfs.iter(f"{_MAIN}xf")):
        number = xf.get("numFmtId", "0")
        code = custom.get(number) or BUILTIN_FORMATS.get(int(number), "General")
        if format_matters(code):
            found[str(index)] = code
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive (xl/worksheets/sheet1.xml)."""
    book = fromstring(archive.read("xl/workbook.xml"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    out: dict[str, str] = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") \
            else str(PurePosixPath("xl", target))
    return out


def _special_cells(archive: zipfile.ZipFile, part: str, matter: dict[str, str]) -> Cells:
    """The sheet's error cells and its numeric cells styled with a format that matters,
    found in its XML by regular expression (in C: a fraction of a parse)."""
    try:
        data = archive.read(part)
    except KeyError:
        return {}
    if not matter and b't="e"' not in data:
        return {}
    wanted = [rb't="e"']
    if matter:
        wanted.append(rb's="(?:' + b"|".join(k.encode() for k in matter) + rb')"')
    tags = re.compile(rb"<(?:\w+:)?c\s[^>]*?\b(?:" + b"|".join(wanted) + rb")[^>]*>")
    out: Cells = {}
    for found in tags.finditer(data):
        tag = found.group()
        address = _ADDRESS.search(tag)
        if address is None:
            raise NotFollowed("a cell without its address")
        at = (int(address.group(2)) - 1, _column(address.group(1)))
        if b't="e"' in tag:
            close = _CLOSE.search(data, found.end())
            value = None if tag.endswith(b"/>") or close is None else \
                _VALUE.search(data, found.end(), close.start())
            if value is not None:
                out[at] = ("error", value.group(1).decode())
            continue
        style = _STYLE.search(tag)
        if style is not None and style.group(1).decode() in matter:
            out[at] = ("fmt", matter[style.group(1).decode()])
    return out


def _column(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1
