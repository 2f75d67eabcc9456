"""Sheets → records (projects, milestones, progress reports) and every problem in them.

Nothing here touches the database. What needs it (is this project new? does that
milestone exist?) is checked by :mod:`engine.ledger.load` on these records, and both
lists of problems are reported together, so a person fixes the file once.

Rules the ledgers' own habits call for:

- A blank cell gives nothing: it never erases a stored value. A new project or
  milestone must give what it cannot do without (:data:`REQUIRED_FOR_NEW`).
- In a milestone or progress sheet a blank 项目编号 is the one of the row above: that is
  how a project's cells merged down over its milestones read.
- A milestone sheet may carry project columns (a flat ledger, one row per milestone);
  every row that names a project must then agree with the others about it. The same
  holds for a project's investment columns (本月完成投资, 累计完成投资, 到位资金, 实际开工时间):
  one report per project per file.
- Rows with 合计/总计/小计 in a cell are totals, not data; blank rows are passed over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple

from engine.config import Config
from engine.i18n import VALUE_LABELS
from engine.ledger import gc_pause
from engine.ledger import values as v
from engine.ledger.columns import BY_KEY, COLUMNS, INVESTMENT_FIGURES, REQUIRED_FOR_NEW
from engine.ledger.headers import (
    SCAN_ROWS,
    Placed,
    column_letter,
    find_header,
    kind_by_name,
    layout,
)
from engine.ledger.problems import Problem, Where, shown
from engine.ledger.read import Row, Sheet, Unreadable, read_sheets
from engine.ledger.words import say
from engine.store.tables import (
    CATEGORIES,
    LEVELS,
    NATURES,
    REPORTS,
    M,
    P,
)

CellParser = Callable[[Any, "str | None"], Any]
FAILED = object()  # a cell that could not be read (its problem is noted)
BLANK = object()  # what a column's memo reads from a blank cell
_NONE_FAILED: frozenset[str] = frozenset()
# Columns whose text may hold line breaks (Alt+Enter in an Excel cell).
_LINES = frozenset({"note", "delay_reason", "handling", "problem_title"})
TOTALS = frozenset({"合计", "总计", "小计", "合 计", "总 计"})
# Sheets that are known not to be ledger sheets (the template's notes and lists).
QUIET_SHEETS = frozenset({"说明", "填表说明", "选项", "notes", "lists"})
_TABLES = {"project": P, "milestone": M, "report": REPORTS}
_KEY_COLUMNS = {"code": P.c.code, "milestone": M.c.name}


class Cell(NamedTuple):
    """A cell's value and what was in it; where it is, worked out only when needed. A
    tuple: a ledger makes one for each of its cells, made in C by :data:`_cell`."""

    value: Any
    raw: Any
    file: str
    sheet: str
    row: int
    placed: Placed

    @property
    def where(self) -> Where:
        return Where(self.file, self.sheet, self.row, self.placed.letter, self.placed.header)


_cell = tuple.__new__  # _cell(Cell, (value, raw, file, sheet, row, placed)): no Python call


@dataclass(slots=True)
class Record:
    """Values read for one project, milestone or report, and where each came from."""

    row: Where
    placed: dict[str, Placed]
    values: dict[str, Cell] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # columns whose cell could not be read

    def get(self, key: str, default: Any = None) -> Any:
        cell = self.values.get(key)
        return default if cell is None else cell.value

    def where(self, key: str, lang: str) -> Where:
        """The cell of ``key`` on this record's row (its column named even when absent)."""
        if key in self.values:
            return self.values[key].where
        placed = self.placed.get(key)
        if placed is not None:
            return replace(self.row, letter=placed.letter, header=placed.header)
        return replace(self.row, header=BY_KEY[key].header(lang))


@dataclass(slots=True)
class ProjectIn(Record):
    code: str = ""
    listed: Where | None = None  # its row in a projects sheet, if it has one


@dataclass(slots=True)
class MilestoneIn(Record):
    code: str = ""
    name: str = ""

    @property
    def ref(self) -> str:
        return f"{self.code}/{self.name}"


@dataclass(slots=True)
class ReportIn(Record):
    code: str = ""
    name: str = ""
    derived: bool = False  # from a milestone row's 完成进度/实际完成时间, not a progress sheet

    @property
    def ref(self) -> str:
        return f"{self.code}/{self.name}"


@dataclass(slots=True)
class ReasonIn(Record):
    """A milestone's 存在问题及原因: its unit's words, kept as its delay reason."""

    code: str = ""
    name: str = ""


@dataclass(slots=True)
class ProblemIn(Record):
    """A row of the 问题 sheet (问题清单); ``code`` is its project's."""

    code: str = ""


@dataclass
class Ledger:
    files: list[str]
    projects: dict[str, ProjectIn] = field(default_factory=dict)
    milestones: dict[tuple[str, str], MilestoneIn] = field(default_factory=dict)
    reports: list[ReportIn] = field(default_factory=list)
    reasons: list[ReasonIn] = field(default_factory=list)
    problem_rows: list[ProblemIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _options(codes: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code in codes:
        for text in (code, *VALUE_LABELS[code].values()):
            out[v.squeeze(text).lower()] = code
    return out


_SYNONYMS = {"category": {"工业": "industrial", "现代服务业": "services", "医疗": "health",
                          "卫生": "health", "基础设施建设": "infrastructure"},
             "level": {"省重点": "provincial", "市重点": "city", "县级": "county",
                       "区级": "county", "县(市)区级": "county", "县市区级": "county"},
             "nature": {"新开工": "new", "新建项目": "new", "续建项目": "continuing"}}


# A project's own columns and its investment report's: both belong to its row.
_PROJECT_RECORDS = frozenset({"project", "investment"})


class Parsers:
    """Reads one cell of a column: the value, or :class:`values.Invalid`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.regions = config.ledger.regions
        self.from_month = 0  # planned dates read from a month (2026年10月), for a warning
        kinds: dict[str, str] = {}
        for kind in config.milestone_kinds:
            for text in (kind.code, kind.zh, kind.en):
                kinds[v.squeeze(text).lower()] = kind.code
        self.choices: dict[str, dict[str, str]] = {
            "kind": kinds,
            "category": _options(CATEGORIES) | _SYNONYMS["category"],
            "level": _options(LEVELS) | _SYNONYMS["level"],
            "nature": _options(NATURES) | _SYNONYMS["nature"]}
        self.labels: dict[str, dict[str, str]] = {
            name: {lang: ("、" if lang == "zh" else ", ").join(
                dict.fromkeys(self._label(name, code, lang) for code in opts.values()))
                for lang in ("zh", "en")}
            for name, opts in self.choices.items()}

    def _label(self, name: str, code: str, lang: str) -> str:
        if name == "kind":
            return self.config.kind_label(code, lang)
        return VALUE_LABELS[code][lang]

    def for_column(self, placed: Placed) -> CellParser:
        """The function that reads this column's cells (chosen once per sheet)."""
        parse = placed.column.parse
        if parse == "date" and placed.column.month:
            return self._planned(placed.column.month == "end")
        simple: dict[str, Callable[[Any], Any]] = {
            "text": v.text, "code": v.code, "email": v.email, "date": v.day,
            "int": v.integer, "weight": v.weight, "bool": v.boolean, "pause": v.pause}
        if parse in simple:
            one = simple[parse]

            def read(raw: Any, _fmt: str | None) -> Any:
                return one(raw)
        elif parse == "region":
            regions = frozenset(self.regions)
            listed = "、".join(self.regions)

            def read(raw: Any, _fmt: str | None) -> Any:
                found = v.text(raw)
                if regions and found is not None and found not in regions:
                    raise v.Invalid("region", options=listed)
                return found
        elif parse == "amount":
            unit = placed.unit

            def read(raw: Any, _fmt: str | None) -> Any:
                return v.amount(raw, unit)
        elif parse == "percent":
            read = v.percent
        else:
            options, labels = self.choices[parse], self.labels[parse]

            def read(raw: Any, _fmt: str | None) -> Any:
                try:
                    return v.choice(raw, options)
                except v.Invalid:
                    raise v.Invalid("choice", options=labels) from None
        limit = _max_length(placed.column.key)
        if limit is None:
            return read

        def checked(raw: Any, fmt: str | None) -> Any:
            found = read(raw, fmt)
            if isinstance(found, str) and len(found) > limit:
                raise v.Invalid("too_long", max=limit)
            return found
        return checked

    def memo(self, placed: Placed) -> CellParser:
        """This column's reader for a sheet, each distinct cell read once: ledgers repeat
        their values (dates, percents, kinds, units, codes over a project's milestones),
        and reading one is most of reading a ledger. Returns the value, :data:`BLANK` for
        a blank cell, or the :class:`values.Invalid` saying why the cell cannot be read
        (a control character in its text included)."""
        read = self.for_column(placed)
        lines = placed.column.key in _LINES
        seen: dict[Any, tuple[Any, int]] = {}

        def once(raw: Any, fmt: str | None) -> Any:
            if isinstance(raw, str):
                if not raw.strip():
                    return BLANK
                if bad := v.control_character(raw, lines):
                    return v.Invalid("control", char=bad)
            try:
                return read(raw, fmt)
            except v.Invalid as exc:
                return exc.with_traceback(None)  # kept: not its frames

        def cell(raw: Any, fmt: str | None) -> Any:
            key = raw if fmt is None and type(raw) is str else (type(raw), raw, fmt)
            hit = seen.get(key)
            if hit is not None:
                if hit[1]:
                    self.from_month += hit[1]
                return hit[0]
            before = self.from_month
            value = once(raw, fmt)
            if _memorable(raw):
                seen[key] = (value, self.from_month - before)
            return value
        return cell

    def _planned(self, end: bool) -> CellParser:
        """A planned date, which may be a month: its last day (``end``) or its first."""

        def read(raw: Any, fmt: str | None) -> Any:
            found = v.month_day(raw, fmt, end=end)
            if found is None and v.shows_month(raw, fmt):
                # A date cell showing only its month (Excel stores 2026年10月 typed into
                # a cell as its 1st): the person sees and means the month.
                found = v.last_day(raw.year, raw.month) if end else v.day(raw)
            if found is not None:
                self.from_month += 1
                return found
            return v.day(raw)
        return read


def _memorable(raw: Any) -> bool:
    """True for a cell whose reading is the same for every cell equal to it and of its
    type: not -0.0 (equal to 0.0), an aware time (equal to the same instant elsewhere)
    or a Decimal (1.0 equals 1.00 but reads as other text)."""
    kind = type(raw)
    if kind is str or kind is int or kind is date or kind is bool:
        return True
    if kind is float:
        return raw != 0
    return kind is datetime and raw.tzinfo is None


def _max_length(key: str) -> int | None:
    column = BY_KEY[key]
    if key in _KEY_COLUMNS:
        return getattr(_KEY_COLUMNS[key].type, "length", None)
    table = _TABLES.get(column.record)
    if table is None or column.target not in table.c:
        return None
    return getattr(table.c[column.target].type, "length", None)


class LedgerReader:
    """Reads files into one :class:`Ledger`, noting every problem on the way."""

    def __init__(self, config: Config, lang: str, today: date) -> None:
        self.table = config.ledger.headers()
        self.parse = Parsers(config)
        self.records = {c.key: c.record for c in COLUMNS}
        self.lang = lang
        self.today = today
        self.ledger = Ledger(files=[])
        # the current row's columns that could not be read
        self.failed: AbstractSet[str] = _NONE_FAILED

    def problem(self, where: Where, why: str, value: Any = None, /, **params: Any) -> None:
        self.ledger.problems.append(Problem(where, why, value, params))

    # -- files and sheets -----------------------------------------------------------------
    def read(self, path: Path, shown_as: str | None = None) -> None:
        shown_as = shown_as or path.name
        self.ledger.files.append(shown_as)
        recognised = False
        try:
            for sheet in read_sheets(path, shown_as):
                recognised = self.sheet(sheet) or recognised
        except Unreadable as exc:
            self.problem(Where(exc.file), exc.why, detail=exc.detail, **exc.params)
            return
        if not recognised:
            self.problem(Where(shown_as), "no_sheet")

    def sheet(self, sheet: Sheet) -> bool:
        """Read one sheet; False when it is not a ledger sheet."""
        rows = iter(sheet.rows)
        head = list(islice(rows, SCAN_ROWS))
        header = find_header([(r.number, r.values) for r in head], self.table)
        here = Where(sheet.file, sheet.name)
        if header is None:
            if kind_by_name(sheet.name):
                self.problem(here, "no_header", n=SCAN_ROWS)
                return True
            if v.squeeze(sheet.name).lower() not in QUIET_SHEETS and \
                    any(not v.is_blank(x) for r in head for x in r.values):
                self.ledger.warnings.append(say("warn.skipped", self.lang,
                                                where=here.text(self.lang)))
            return False
        number = header.row
        lay = layout(sheet.name, number, header.values, self.table, header.rows)
        if lay.ignored:
            self.ledger.warnings.append(say("warn.ignored", self.lang, where=here.text(self.lang),
                                            columns="、".join(lay.ignored)))
        for first, again in lay.duplicates:
            self.problem(replace(here, row=again.row, letter=again.letter, header=again.header),
                         "duplicate_column", letter=first.letter)
        missing = lay.missing()
        for key in missing:
            why = "missing_progress" if lay.kind == "progress" and key == "percent" \
                else "missing_column"
            self.problem(replace(here, row=number, header=BY_KEY[key].header(self.lang)), why)
        if missing:
            return True
        placed = {p.column.key: p for p in lay.placed}
        readers = [(p.index, p.column.key, p, self.parse.memo(p)) for p in lay.placed
                   if p.column.record != "info"]
        # A CSV row longer than its header: the cells past it belong to no column.
        width = max((i + 1 for i, x in enumerate(header.values) if not v.is_blank(x)),
                    default=0) if sheet.csv else None
        previous_code: str | None = None
        counted = self.parse.from_month
        for row in chain((r for r in head if r.number > header.last), rows):
            if width is not None:
                self._extra_cells(here, row, width)
            found = self.cells(sheet, readers, row)
            if found is None:
                continue
            cells, self.failed = found
            if lay.kind != "projects" and "code" not in cells and "code" not in self.failed \
                    and previous_code is not None:
                cells["code"] = Cell(previous_code, None, sheet.file, sheet.name, row.number,
                                     placed["code"])
            record_row = Where(sheet.file, sheet.name, row.number)
            if lay.kind == "projects":
                self.project_row(record_row, placed, cells)
            elif lay.kind == "milestones":
                self.milestone_row(record_row, placed, cells)
            elif lay.kind == "problems":
                self.problem_row(record_row, placed, cells)
            else:
                self.progress_row(record_row, placed, cells)
            if "code" in cells:
                previous_code = cells["code"].value
        self.failed = _NONE_FAILED
        self._month_warnings(here, counted)
        return True

    def _month_warnings(self, here: Where, counted: int) -> None:
        """How many of the sheet's planned dates were months: nobody should be surprised."""
        months = self.parse.from_month - counted
        if months:
            self.ledger.warnings.append(say("warn.months", self.lang, where=here.text(self.lang),
                                            n=months))

    def _extra_cells(self, here: Where, row: Row, width: int) -> None:
        for index in range(width, len(row.values)):
            if not v.is_blank(row.values[index]):
                self.problem(replace(here, row=row.number, letter=column_letter(index),
                                     header="—"), "extra_cell", row.values[index],
                             last=column_letter(width - 1) if width else "—")

    def cells(self, sheet: Sheet, readers: list[tuple[int, str, Placed, CellParser]],
              row: Row) -> tuple[dict[str, Cell], AbstractSet[str]] | None:
        """The row's parsed cells by column key and the keys of those that could not be
        read (each a problem); None for a blank or a totals row."""
        raw_values = row.values
        if any(isinstance(x, str) and x.strip() in TOTALS for x in raw_values):
            return None
        out: dict[str, Cell] = {}
        failed: AbstractSet[str] = _NONE_FAILED
        content = False
        width = len(raw_values)
        formats = row.formats
        file, name, number = sheet.file, sheet.name, row.number
        for index, key, placed, read in readers:
            raw = raw_values[index] if index < width else None
            if raw is None:
                continue
            value = read(raw, formats[index] if formats is not None and index < len(formats)
                         else None)
            if value is BLANK:
                continue
            if key != "seq":
                content = True
            if value is None:
                continue
            if isinstance(value, v.Invalid):
                cell = Cell(FAILED, raw, file, name, number, placed)
                self.problem(cell.where, value.why, raw, **value.params)
                failed = {*failed, key}
                continue
            out[key] = _cell(Cell, (value, raw, file, name, number, placed))
        return (out, failed) if content else None

    # -- rows ------------------------------------------------------------------------------
    def _key(self, record_row: Where, placed: dict[str, Placed], cells: dict[str, Cell],
             key: str) -> Any:
        if key in cells:
            return cells[key].value
        if key in self.failed:
            return None
        p = placed[key]
        self.problem(replace(record_row, letter=p.letter, header=p.header), "required")
        return None

    def _project(self, code: str, record_row: Where, placed: dict[str, Placed]) -> ProjectIn:
        project = self.ledger.projects.get(code)
        if project is None:
            project = ProjectIn(record_row, placed, code=code)
            self.ledger.projects[code] = project
        project.failed |= {k for k in self.failed if self.records[k] in _PROJECT_RECORDS}
        return project

    def _merge(self, project: ProjectIn, cells: dict[str, Cell]) -> None:
        for key, cell in cells.items():
            if self.records[key] not in _PROJECT_RECORDS:
                continue
            known = project.values.get(key)
            if known is None:
                project.values[key] = cell
            elif known.value != cell.value:
                self.problem(cell.where, "conflict", cell.raw, other=shown(known.raw),
                             where=known.where)

    def project_row(self, record_row: Where, placed: dict[str, Placed],
                    cells: dict[str, Cell]) -> None:
        code = self._key(record_row, placed, cells, "code")
        if code is None:
            return
        project = self._project(code, record_row, placed)
        if project.listed is not None:
            self.problem(cells["code"].where, "duplicate_project", cells["code"].raw,
                         where=project.listed)
            return
        project.listed = cells["code"].where
        self._report_checks(cells)
        self._merge(project, cells)

    def milestone_row(self, record_row: Where, placed: dict[str, Placed],
                      cells: dict[str, Cell]) -> None:
        parts: dict[str, dict[str, Cell]] = {}  # the row's cells by the record they fill
        records = self.records
        for k, c in cells.items():
            part = parts.get(records[k])
            if part is None:
                parts[records[k]] = {k: c}
            else:
                part[k] = c
        mine = parts.get("milestone", {})
        if "milestone" not in cells and "report" not in parts and \
                not any(k != "seq" for k in mine):
            # a flat ledger's row for a project that has no milestone yet
            code = self._key(record_row, placed, cells, "code")
            if code is not None:
                self._merge(self._project(code, record_row, placed), cells)
            return
        code = self._key(record_row, placed, cells, "code")
        name = self._key(record_row, placed, cells, "milestone")
        if code is not None and ("project" in parts or "investment" in parts):
            self._merge(self._project(code, record_row, placed), cells)
        self._report_checks(cells)
        start, planned = cells.get("planned_start"), cells.get("planned_date")
        if start and planned and planned.value < start.value:
            self.problem(planned.where, "start_after_date", planned.raw,
                         start=start.value.isoformat())
        if code is None or name is None:
            return
        known = self.ledger.milestones.get((code, name))
        if known is not None:
            self.problem(cells["milestone"].where, "duplicate_milestone", name, code=code,
                         name=name, where=known.row)
            return
        self.ledger.milestones[(code, name)] = MilestoneIn(record_row, placed, mine,
                                                           set(self.failed), code=code,
                                                           name=name)
        report = parts.get("report", {})
        if "percent" in report or "completed_on" in report or "report_date" in report:
            self.ledger.reports.append(ReportIn(record_row, placed, report, code=code,
                                                name=name, derived=True))
        reason = parts.get("reason")
        if reason:
            self.ledger.reasons.append(ReasonIn(record_row, placed, reason | {
                k: c for k, c in report.items() if k == "report_date"}, code=code, name=name))

    def problem_row(self, record_row: Where, placed: dict[str, Placed],
                    cells: dict[str, Cell]) -> None:
        """A problem: its project and its words; checked against the database by the
        loader (engine.ledger.problem_sheet), where the units and states are known."""
        code = self._key(record_row, placed, cells, "code")
        title = self._key(record_row, placed, cells, "problem_title")
        for key in ("raised_on",):
            cell = cells.get(key)
            if cell and cell.value > self.today:
                self.problem(cell.where, "future", cell.raw, today=self.today.isoformat())
        if code is None or title is None:
            return
        self.ledger.problem_rows.append(ProblemIn(record_row, placed, dict(cells),
                                                  set(self.failed), code=code))

    def progress_row(self, record_row: Where, placed: dict[str, Placed],
                     cells: dict[str, Cell]) -> None:
        code = self._key(record_row, placed, cells, "code")
        name = self._key(record_row, placed, cells, "milestone")
        day = self._key(record_row, placed, cells, "report_date")
        if not {"percent", "completed_on"} & (cells.keys() | self.failed):
            self.problem(record_row, "no_progress")
        self._report_checks(cells)
        if code is None or name is None or day is None:
            return
        report = {k: c for k, c in cells.items() if self.records[k] == "report"}
        self.ledger.reports.append(ReportIn(record_row, placed, report, code=code, name=name))

    def _report_checks(self, cells: dict[str, Cell]) -> None:
        for key in ("completed_on", "report_date", "invest_date", "actual_start"):
            cell = cells.get(key)
            if cell and cell.value > self.today:
                self.problem(cell.where, "future", cell.raw, today=self.today.isoformat())
        done, pct = cells.get("completed_on"), cells.get("percent")
        if done and pct and pct.value < 100:
            self.problem(pct.where, "done_below_100", pct.raw, percent=f"{pct.value:g}")

    # -- the whole ledger ------------------------------------------------------------------
    def finish(self) -> Ledger:
        for project in self.ledger.projects.values():
            total, annual = project.values.get("total_investment"), \
                project.values.get("annual_plan")
            if total and annual and total.value > 0 and annual.value > total.value:
                self.problem(annual.where, "annual_over_total", annual.raw,
                             total=f"{total.value:f}")
            self._investment_checks(project)
        return self.ledger

    def _investment_checks(self, project: ProjectIn) -> None:
        """A report date needs figures. (The figures against each other and against the
        previous report are checked where that report is known: the loader.)"""
        day = project.values.get("invest_date")
        if day and not (project.values.keys() | project.failed) & set(INVESTMENT_FIGURES):
            self.problem(day.where, "invest_date_alone", day.raw)


def read_ledger(paths: Sequence[Path], config: Config, lang: str, today: date,
                shown_as: Sequence[str] | None = None) -> Ledger:
    """Every file's ledger sheets as one set of records, and every problem in them."""
    reader = LedgerReader(config, lang, today)
    with gc_pause.paused(freeze=True):
        for i, path in enumerate(paths):
            reader.read(path, shown_as[i] if shown_as else None)
        return reader.finish()


def required_for_new(record: Record, what: str) -> list[str]:
    """The values a new project or milestone lacks."""
    return [k for k in REQUIRED_FOR_NEW[what]
            if k not in record.values and k not in record.failed]

