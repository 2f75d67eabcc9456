"""An empty ledger workbook to fill in: headers, drop-down lists, one example row each.

Required headers are red; the fixed columns (category, level, nature, milestone kind,
outdoor, and the regions when configured) offer drop-down lists kept on a hidden
选项 sheet; a 说明 sheet says how values may be written. The example rows form a valid
ledger: replace them with your own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from engine.atomic import write_atomically
from engine.config import Config
from engine.i18n import value_label
from engine.ledger.columns import (
    BY_KEY,
    COLUMNS,
    REQUIRED_COLUMNS,
    REQUIRED_FOR_NEW,
    Column,
    SheetKind,
    export_columns,
)
from engine.ledger.export import AMOUNT_FORMAT, DATE_FORMAT, HEADER_FILL, display_width
from engine.ledger.words import say
from engine.problems.words import level_label, state_label
from engine.store.tables import CATEGORIES, LEVELS, NATURES

ROWS_WITH_LISTS = 2000  # data rows that get the drop-down lists
TEMPLATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "milestones": ("code", "seq", "milestone", "kind", "planned_start", "planned_date",
                   "percent", "completed_on", "report_date", "delay_reason", "owner",
                   "owner_email", "weight"),
}
REQUIRED: dict[str, set[str]] = {
    "projects": {*REQUIRED_COLUMNS["projects"], *REQUIRED_FOR_NEW["project"]},
    "milestones": {*REQUIRED_COLUMNS["milestones"], *REQUIRED_FOR_NEW["milestone"]},
    "progress": set(REQUIRED_COLUMNS["progress"]),
    "problems": {*REQUIRED_COLUMNS["problems"], "problem_category", "problem_level", "lead"},
}

NOTES: dict[str, list[str]] = {
    "zh": [
        "填表说明",
        "工作表按名称识别：项目、节点、进展（也可用 projects、milestones、progress）；"
        "其他名称的工作表按表头识别。表头可以不在第一行，上方可有标题行。",
        "项目按“项目编号”更新，节点按“项目编号 + 节点名称”更新；同一文件重复导入不会产生变化。",
        "红色表头为必填项（新项目：项目编号、项目名称、所属地区、责任单位；新节点：计划完成时间）。"
        "空白单元格表示“不修改”，不会清空已有内容。",
        "日期可写 2026-10-31、2026/10/31、2026.10.31、2026年10月31日，或使用 Excel 日期格式。"
        "计划完成时间可只写月份（2026年10月、2026-10）、旬（10月下旬）、季度（2026年三季度）或年底，"
        "按该期间最后一天；计划开始时间按第一天。"
        "实际完成时间、报送日期须写具体日期。",
        "金额单位为万元；可在单元格中写“1.5亿元”“3000万元”，或在表头注明（总投资（亿元））。",
        "完成进度：带 % 的按百分数（60%）；不带 % 的数大于 1 按百分数（60），"
        "0 到 1 之间按比例（0.6 即 60%，1 即 100%）。1% 请写作“1%”。",
        "计划完成时间有变化即“调整计划”：原计划完成时间保留，变化记录原因“由台账 文件名 导入”。",
        "进展表每行是一次进展报送；节点表中的完成进度、实际完成时间与已有记录不同，"
        "也记为一次报送（日期取“报送日期”，未填则为导入当天）。",
        "项目表的投资列（本月完成投资、累计完成投资、到位资金、实际开工时间）是一次投资报送，"
        "日期取“投资报送日期”，未填则为导入当天；空白的数字按上次报送推算"
        "（累计＝上次累计＋本月，本月＝本次累计－此前累计，到位资金与开工时间沿用）。",
        "任何一行有错误，整个文件都不会导入；错误会逐条列出文件、工作表、行、列、值和原因。",
        "节点表的“存在问题及原因”是责任单位说明的滞后原因和整改措施，导入后在通知、查询和通报中显示。",
        "问题表（问题清单）每行一个问题：问题编号空白为新问题（自动编号），已有编号则更新；"
        "新问题按提出日期交办，办理时限未填则按主办单位7个工作日计算；"
        "状态可填 待交办、办理中、已办复、已销号、已撤销，按规定流转"
        "（已办复的问题改为办理中即退回）；"
        "协办单位可填多个，用“、”分隔。",
        "示例行（项目编号 示例-001）请替换为实际数据。",
    ],
    "en": [
        "How to fill in this ledger",
        "Sheets are recognised by name: projects, milestones, progress (or 项目, 节点, 进展); "
        "others by their headers. The header row may have title rows above it.",
        "Projects are matched by Project code, milestones by Project code + Milestone; "
        "importing the same file twice changes nothing.",
        "Red headers are required (a new project: code, name, region, department; a new "
        "milestone: planned date). A blank cell changes nothing; it never erases a value.",
        "Dates: 2026-10-31, 2026/10/31, 2026.10.31, 2026年10月31日 or Excel date cells. "
        "A planned date may be a month (2026年10月, 2026-10), part of one (10月下旬), a "
        "quarter (2026年三季度) or the year's end (2026年底): its last day; a planned start "
        "its first. Actual and report dates need the day.",
        "Amounts are in 10k yuan (万元); write 1.5亿元 or 3000万元 in a cell, or put the unit "
        "in the header (Total investment (亿元)).",
        "Progress: with % it is a percentage (60%); without, a number above 1 is a "
        "percentage (60) and one from 0 to 1 a fraction (0.6 = 60%, 1 = 100%). Write 1% as 1%.",
        "A changed planned date is a re-plan: the baseline is kept and the move is recorded "
        "as imported from the file.",
        "Each progress row is a progress report; a milestone row whose progress or actual "
        "date differs from what is stored is one too (dated by its report date, else today).",
        "The projects sheet's investment columns (this month, year to date, funds in place, "
        "actual start) are an investment report dated by its investment report date, else "
        "today; blank figures follow from the previous report (year to date = previous + "
        "this month; funds and start carried forward).",
        "If any row has a problem nothing is imported; every problem is listed with file, "
        "sheet, row, column, value and why.",
        "The milestones sheet's Problems and reasons (存在问题及原因) is the unit's own word on "
        "why a node is late and what it does about it; the notices, queries and bulletins "
        "show it.",
        "The problems sheet (问题清单) has one problem a row: a blank code is a new problem "
        "(numbered for you), a known code updates it; a new problem is assigned on its "
        "raised date with the lead unit's 7 working days unless a deadline is given; the "
        "state may be pending, in progress, replied, closed or withdrawn, moving as the "
        "rules allow (a replied problem set back to in progress is sent back); several "
        "helping units are separated by 、.",
        "Replace the example rows (project code 示例-001) with your own.",
    ],
}


def _example(config: Config, lang: str) -> dict[str, dict[str, Any]]:
    region = config.ledger.regions[0] if config.ledger.regions else "双城区"
    return {
        "projects": {
            "code": "示例-001", "project_name": "年产5万吨玉米深加工项目", "region": region,
            "department": "市工信局", "owner_company": "某某农业科技有限公司",
            "category": value_label("industrial", lang), "level": value_label("city", lang),
            "nature": value_label("new", lang), "total_investment": Decimal("50000"),
            "annual_plan": Decimal("20000"), "leader": "张副市长", "secretary": "李秘书",
            "outdoor": say("yes", lang)},
        "milestones": {
            "code": "示例-001", "seq": 1, "milestone": "开工",
            "kind": config.kind_label("start", lang), "planned_start": date(2026, 3, 2),
            "planned_date": date(2026, 10, 31), "percent": 60.0,
            "report_date": date(2026, 11, 20), "owner": "王工"},
        "progress": {
            "code": "示例-001", "milestone": "开工", "report_date": date(2026, 11, 20),
            "percent": 60.0, "note": "主体基础施工中", "reporter": "王工"},
        "problems": {
            "code": "示例-001", "milestone": "开工", "problem_title": "施工用地指标尚未落实",
            "problem_category": config.problems.categories[0],
            "problem_level": level_label("county", lang), "lead": "市自然资源局",
            "assist": "市发改委、双城区政府", "raised_on": date(2026, 11, 16),
            "problem_state": state_label("in_progress", lang)},
    }


def _columns(kind: SheetKind) -> list[Column]:
    keys = TEMPLATE_COLUMNS.get(kind)
    if keys is None:
        return [c for c in export_columns(kind) if c.record != "info"]
    rest = [c for c in COLUMNS if c.record == "milestone" and c.key not in keys
            and c.key != "baseline_date"]
    return [BY_KEY[k] for k in keys] + rest


def write_template(path: Path, config: Config, lang: str) -> None:
    """Write the empty ledger workbook to ``path`` (.xlsx)."""
    book = Workbook()
    book.remove(book.active)
    lists = _list_options(config, lang)
    lists_title = say("sheet.lists", lang)
    formulas = {name: f"'{lists_title}'!${get_column_letter(i)}$2:"
                      f"${get_column_letter(i)}${len(values) + 1}"
                for i, (name, values) in enumerate(lists.items(), start=1)}
    example = _example(config, lang)
    red = Font(bold=True, color="FFC00000")
    kinds: tuple[SheetKind, ...] = ("projects", "milestones", "progress", "problems")
    for kind in kinds:
        ws = book.create_sheet(say(f"sheet.{kind}", lang))
        columns = _columns(kind)
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(1, i, col.header(lang))
            cell.fill = HEADER_FILL
            cell.font = red if col.key in REQUIRED[kind] else Font(bold=True)
            if col.key in REQUIRED[kind]:
                cell.comment = Comment("必填" if lang == "zh" else "required", "lights")
            value = example[kind].get(col.key)
            target = ws.cell(2, i, value / 100 if col.parse == "percent" and value else value)
            if col.parse == "date":
                for row in range(2, ROWS_WITH_LISTS + 2):
                    ws.cell(row, i).number_format = DATE_FORMAT
            elif col.parse == "percent":
                target.number_format = "0%"
            elif col.parse == "amount":
                target.number_format = AMOUNT_FORMAT
            letter = get_column_letter(i)
            width = max(display_width(col.header(lang)), display_width(str(value or ""))) + 4
            ws.column_dimensions[letter].width = min(max(width, 12), 40)
            listed = col.key if col.key in formulas else col.parse
            if listed in formulas:
                check = DataValidation(type="list", formula1=formulas[listed],
                                       allow_blank=True)
                check.add(f"{letter}2:{letter}{ROWS_WITH_LISTS + 1}")
                ws.add_data_validation(check)
        ws.freeze_panes = "A2"
    notes = book.create_sheet(say("sheet.notes", lang))
    notes.column_dimensions["A"].width = 110
    for i, line in enumerate(NOTES[lang], start=1):
        cell = notes.cell(i, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 1:
            cell.font = Font(bold=True, size=13)
    hidden = book.create_sheet(lists_title)
    hidden.sheet_state = "hidden"
    for col, (name, values) in enumerate(lists.items(), start=1):
        title = BY_KEY[LIST_COLUMNS[name]].header(lang)  # 项目类别, not the parser's name
        for row, value in enumerate([title, *values], start=1):
            hidden.cell(row, col, value)
    write_atomically(path, book.save)


# the column whose header titles each list of the 选项 sheet
LIST_COLUMNS = {"category": "category", "level": "level", "nature": "nature", "kind": "kind",
                "bool": "outdoor", "region": "region", "problem_category": "problem_category",
                "problem_level": "problem_level", "problem_state": "problem_state"}


def _list_options(config: Config, lang: str) -> dict[str, list[str]]:
    """The drop-down lists, by the parser of the columns that use them."""
    options: dict[str, list[str]] = {
        "category": [value_label(c, lang) for c in CATEGORIES],
        "level": [value_label(c, lang) for c in LEVELS],
        "nature": [value_label(c, lang) for c in NATURES],
        "kind": [config.kind_label(k.code, lang) for k in config.milestone_kinds],
        "bool": [say("yes", lang), say("no", lang)],
    }
    if config.ledger.regions:
        options["region"] = list(config.ledger.regions)
    options["problem_category"] = list(config.problems.categories)
    options["problem_level"] = [level_label(c, lang) for c in ("county", "city", "provincial")]
    options["problem_state"] = [state_label(c, lang) for c in
                                ("pending", "in_progress", "replied", "closed", "withdrawn")]
    return options
