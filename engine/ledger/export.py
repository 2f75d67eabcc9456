"""The ledger written out with its lights: a styled .xlsx, or a flat .csv.

The .xlsx has a 项目 sheet and a 节点 sheet (or one milestone sheet per level or region
on request): frozen header, auto-filter, widths that fit Chinese text, coloured light
cells, dates as date cells, percentages as percent cells. A .csv holds one sheet, so it
is flat: one row per milestone with its project's columns (UTF-8 with a BOM, which
Excel opens correctly, or GB18030). Either imports back unchanged: every value the
import reads is written, and the light columns are ones the import ignores.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine

from engine.atomic import write_atomically
from engine.bulletins.rates import snapshot
from engine.bulletins.words import invest_reason
from engine.config import Config
from engine.delays import latest_reasons
from engine.i18n import light_label, value_label
from engine.investment import latest_reports
from engine.ledger.columns import BY_KEY, INVESTMENT_FIGURES, Column, export_columns
from engine.ledger.problem_sheet import problem_rows
from engine.ledger.words import say
from engine.queries import StatusFilter, status
from engine.store.db import read_only
from engine.store.lookups import latest_as_of
from engine.store.tables import M, P

Split = Literal["level", "region"]
CHUNK = 500
MAX_WIDTH = 50
REASON_WIDTH = 60
LEVEL_ORDER = ("provincial", "city", "county")

# Fill and font colour of each light's cell (the colours of the wall charts).
LIGHT_COLOURS: dict[str, tuple[str, str]] = {
    "red": ("FFFF0000", "FFFFFFFF"),
    "yellow": ("FFFFFF00", "FF000000"),
    "green": ("FF00B050", "FFFFFFFF"),
    "done": ("FFC6EFCE", "FF006100"),
    "done_late": ("FFFFC7CE", "FF9C0006"),
    "planned": ("FFF2F2F2", "FF595959"),
    "suspended": ("FFE4DFEC", "FF5F497A"),
    "cancelled": ("FFD9D9D9", "FF7F7F7F"),
}
# Columns written as a coloured light, and as a wrapped reason.
LIGHT_KEYS = frozenset({"light", "invest_light"})
REASON_KEYS = frozenset({"reason", "invest_reason"})
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
HEADER_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass
class ExportSummary:
    projects: int
    milestones: int
    sheets: list[str]


def display_width(text: str) -> int:
    """Columns a text takes in Excel: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _percent_format(fraction: float) -> str:
    points = round(fraction * 100, 6)
    if points == int(points):
        return "0%"
    return "0.0%" if round(points, 1) == points else "0.00%"


class LedgerData:
    """The rows to write: projects and milestones as plain values keyed by column key."""

    def __init__(self, conn: Connection, config: Config, flt: StatusFilter, lang: str) -> None:
        self.config, self.lang = config, lang
        as_of = self.as_of = latest_as_of(conn) or config.today()
        lit = status(conn, replace(flt, limit=None), lang, as_of)
        stored = self._milestones(conn, [r["id"] for r in lit])
        reasons = latest_reasons(conn, [r["id"] for r in lit])
        codes = {r["project"] for r in lit}
        self.projects = self._projects(conn, flt, codes)
        self.problems = problem_rows(conn, config, set(self.projects), as_of, lang)
        self.milestones: list[dict[str, Any]] = []
        for r in lit:
            m = stored[r["id"]]
            project = self.projects[r["project"]]
            late = r["days_late"] if r["light"] in ("red", "done_late") else 0
            self.milestones.append({
                **project, "seq": m.seq, "milestone": m.name,
                "kind": config.kind_label(m.kind, lang), "planned_start": m.planned_start,
                "planned_date": m.planned_date, "baseline_date": m.baseline_date,
                "percent": m.percent, "completed_on": m.actual_date,
                "report_date": m.last_report_date, "owner": m.owner,
                "owner_email": m.owner_email, "owner_mobile": m.owner_mobile,
                "weight": m.weight, "light": r["light"],
                "reason": r["reason"], "days_late": late or None,
                "delay_reason": reasons[m.id].text if m.id in reasons else None,
                "_level": project["_level"], "_sort": (r["project"], m.seq, m.planned_date, m.id)})
        self.milestones.sort(key=lambda row: row["_sort"])

    @staticmethod
    def _milestones(conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        ordered = sorted(ids)
        for i in range(0, len(ordered), CHUNK):
            for row in conn.execute(select(M).where(M.c.id.in_(ordered[i:i + CHUNK]))):
                out[row.id] = row
        return out

    def _projects(self, conn: Connection, flt: StatusFilter,
                  codes: set[str]) -> dict[str, dict[str, Any]]:
        """The exported milestones' projects; with only project filters, also those
        projects that have no milestone yet."""
        rows: dict[str, Any] = {}
        ordered = sorted(codes)
        for i in range(0, len(ordered), CHUNK):
            for row in conn.execute(select(P).where(P.c.code.in_(ordered[i:i + CHUNK]))):
                rows[row.code] = row
        milestone_filters = (flt.lights, flt.kind, flt.due_before, flt.due_after, flt.open_only)
        if not any(milestone_filters):
            query = select(P)
            for column, value in ((P.c.region, flt.region), (P.c.department, flt.department),
                                  (P.c.leader, flt.leader), (P.c.level, flt.level),
                                  (P.c.category, flt.category), (P.c.code, flt.project)):
                if value:
                    query = query.where(column == value)
            for row in conn.execute(query):
                rows.setdefault(row.code, row)
        invested = self._investment(conn, [rows[code].id for code in rows])
        out = {code: self._project(rows[code], invested.get(rows[code].id))
               for code in sorted(rows)}
        if out:
            self._investment_lights(conn, out)
        return out

    def _investment_lights(self, conn: Connection, projects: dict[str, dict[str, Any]]) -> None:
        """Each project's investment light and its reason, as ``lights investment`` and
        the bulletins give them (the same snapshot, as of the same date)."""
        snap = snapshot(conn, self.config, self.as_of, (self.as_of, self.as_of))
        for p in snap.projects:
            row = projects.get(p.code)
            if row is not None and p.invest_light:
                row["invest_light"] = p.invest_light
                row["invest_reason"] = invest_reason(p.invest_findings, self.lang)

    def _investment(self, conn: Connection, ids: list[int]) -> dict[int, Any]:
        """Each project's latest investment report this year (written, it imports back
        as the same report: nothing new). The latest filed, even after the last night's
        run that dates the lights: the ledger carries the figures as they are."""
        latest = latest_reports(max(self.as_of, self.config.today()))
        out: dict[int, Any] = {}
        ordered = sorted(ids)
        for i in range(0, len(ordered), CHUNK):
            out.update((row.project_id, row) for row in conn.execute(
                select(latest).where(latest.c.project_id.in_(ordered[i:i + CHUNK]))))
        return out

    def _project(self, row: Any, invested: Any) -> dict[str, Any]:
        lang = self.lang
        out: dict[str, Any] = {col.key: getattr(row, col.target)
                               for col in export_columns("projects")
                               if col.record in ("key", "project")}
        if invested is not None:
            out["invest_date"] = invested.report_date
            out.update({key: getattr(invested, key) for key in INVESTMENT_FIGURES})
        for key in ("category", "level", "nature"):
            out[key] = value_label(getattr(row, key), lang)
        out["outdoor"] = say("yes" if row.outdoor else "no", lang)
        if row.winter_pause and row.winter_pause.strip().lower() == "none":
            out["winter_pause"] = say("none", lang)
        out["_level"] = row.level
        return out


def _title(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet title (31 characters, none of []:*?/\\)."""
    base = _SHEET_TITLE_BAD.sub("_", text)[:31] or "_"
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _widths(columns: list[Column], rows: list[dict[str, Any]], lang: str) -> list[int]:
    widths = []
    sample = rows[:2000]
    for col in columns:
        if col.key in REASON_KEYS:
            widths.append(REASON_WIDTH)
            continue
        longest = display_width(col.header(lang))
        for row in sample:
            value = row.get(col.key)
            if isinstance(value, date):
                longest = max(longest, 10)
            elif value is not None:
                longest = max(longest, display_width(str(value)))
        widths.append(min(longest + 2, MAX_WIDTH))
    return widths


class _XlsxWriter:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.book = Workbook(write_only=True)
        self.titles: set[str] = set()
        self.fills = {k: (PatternFill("solid", fgColor=f), Font(bold=True, color=c))
                      for k, (f, c) in LIGHT_COLOURS.items()}
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(self, title: str, columns: list[Column], rows: list[dict[str, Any]]) -> str:
        title = _title(title, self.titles)
        ws = self.book.create_sheet(title)
        for i, width in enumerate(_widths(columns, rows, self.lang), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
        ws.auto_filter.ref = ref
        # openpyxl's write-only sheets leave out <dimension>; without it every reader
        # (openpyxl's included) must scan the whole sheet first to learn its size.
        ws.calculate_dimension = lambda: ref
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, col.header(self.lang))
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([self._cell(ws, col, row.get(col.key)) for col in columns])
        return title

    def _cell(self, ws: Any, col: Column, value: Any) -> Any:
        if value is None or value == "":
            return None
        if col.key in LIGHT_KEYS:
            cell = WriteOnlyCell(ws, light_label(value, self.lang))
            if value in self.fills:
                cell.fill, cell.font = self.fills[value]
            return cell
        if col.parse == "percent":
            cell = WriteOnlyCell(ws, value / 100)
            cell.number_format = _percent_format(value / 100)
            return cell
        if isinstance(value, date):
            return value  # openpyxl gives a date its yyyy-mm-dd format (DATE_FORMAT) itself
        if isinstance(value, Decimal):
            cell = WriteOnlyCell(ws, value)
            cell.number_format = AMOUNT_FORMAT
            return cell
        if col.key in REASON_KEYS:
            cell = WriteOnlyCell(ws, value)
            cell.alignment = self.wrap
            return cell
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"  # text as typed, never a formula
            return cell
        return value

    def save(self, path: Path) -> None:
        self.book.save(path)


FORMULA_STARTS = ("=", "+", "-", "@")


def formula_safe(value: str) -> str:
    """Text that Excel must not run: "=HYPERLINK(...)" typed into a project name is
    written with a leading quote, so a CSV cell keeps it as text (the bulletin's CSV
    uses it too)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_value(col: Column, value: Any, lang: str) -> str:
    if value is None:
        return ""
    if col.key in LIGHT_KEYS:
        return light_label(value, lang)
    if col.parse == "percent":
        return f"{round(value, 6):.15g}%"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return formula_safe(value)
    return str(value)


def write_ledger(data: LedgerData, path: Path, *, split: Split | None = None,
                 encoding: str = "utf-8-sig") -> ExportSummary:
    """Write the ledger as .xlsx or .csv (by the file's suffix), whole or not at all
    (:mod:`engine.atomic`: a full disk leaves no truncated file)."""
    return write_atomically(path, lambda part: _write_ledger(data, path, part, split, encoding))


def _write_ledger(data: LedgerData, path: Path, part: Path, split: Split | None,
                  encoding: str) -> ExportSummary:
    lang = data.lang
    if path.suffix.lower() == ".csv":
        columns = export_columns("milestones", flat=True)
        columns += [BY_KEY["invest_light"], BY_KEY["invest_reason"]]
        with_milestones = {row["code"] for row in data.milestones}
        rows = data.milestones + [p for code, p in data.projects.items()
                                  if code not in with_milestones]
        rows.sort(key=lambda r: r.get("_sort") or (r["code"],))
        with part.open("w", encoding=encoding, newline="", errors="strict") as out:
            writer = csv.writer(out)
            writer.writerow([c.header(lang) for c in columns])
            for row in rows:
                writer.writerow([_csv_value(c, row.get(c.key), lang) for c in columns])
        return ExportSummary(len(data.projects), len(data.milestones), [path.stem])
    book = _XlsxWriter(lang)
    sheets = [book.sheet(say("sheet.projects", lang), export_columns("projects"),
                         list(data.projects.values()))]
    milestone_columns = export_columns("milestones")
    for title, rows in _groups(data, split):
        sheets.append(book.sheet(title, milestone_columns, rows))
    if data.problems:  # the problem list (问题清单) of these projects
        sheets.append(book.sheet(say("sheet.problems", lang), export_columns("problems"),
                                 data.problems))
    book.save(part)
    return ExportSummary(len(data.projects), len(data.milestones), sheets)


def _groups(data: LedgerData, split: Split | None) -> list[tuple[str, list[dict[str, Any]]]]:
    lang = data.lang
    if split is None:
        return [(say("sheet.milestones", lang), data.milestones)]
    groups: dict[str, list[dict[str, Any]]] = {}
    if split == "level":
        for level in LEVEL_ORDER:
            groups[value_label(level, lang)] = []
        for row in data.milestones:
            groups.setdefault(value_label(row["_level"], lang), []).append(row)
    else:
        for row in sorted(data.milestones, key=lambda r: r["region"]):
            groups.setdefault(row["region"], []).append(row)
        for key in groups:
            groups[key].sort(key=lambda r: r["_sort"])
    return [(title, rows) for title, rows in groups.items() if rows] or \
        [(say("sheet.milestones", lang), [])]


def export_ledger(engine: Engine, config: Config, path: Path, flt: StatusFilter, *,
                  lang: str, split: Split | None = None,
                  encoding: str = "utf-8-sig") -> ExportSummary:
    """The ledger of the milestones matching ``flt``, with their current lights."""
    with read_only(engine).connect() as conn:
        data = LedgerData(conn, config, flt, lang)
    return write_ledger(data, path, split=split, encoding=encoding)

