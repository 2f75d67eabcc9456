"""What a ledger carries: one table of columns, the sheets they appear in, their parsers.

Every column names its header as ledgers write it in Chinese and in English, the local
variants we know of (more come from ``ledger.header_aliases`` in config.yaml), how its
cells are read (:mod:`engine.ledger.values`) and which record it fills:

- ``key``: the project code and the milestone name, which identify the rows;
- ``project``: written to the project table's column ``field``;
- ``milestone``: written to the milestone table's column ``field``;
- ``report``: a progress report (进展报送): percent, completion date, report date;
- ``investment``: the project's investment report (投资报送), dated by 投资报送日期 or,
  without one, the day of the import; what is left blank carries forward as
  ``lights invest`` does it (:func:`engine.investment.fill`);
- ``reason``: the unit's words on a milestone (存在问题及原因): its delay reason;
- ``problem``: a row of the problem list (问题清单, the 问题 sheet);
- ``info``: written on export (the light, its reason), ignored on import.

Adding a column is one entry in :data:`COLUMNS` (and, for a new database column, the
field on the model): e.g. ``Column("month_investment", "project", "本月完成投资（万元）",
"Investment this month (10k yuan)", "amount")`` is read, validated, upserted, exported
and put in the template without any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Record = Literal["key", "project", "milestone", "report", "investment", "reason", "problem",
                 "info"]
SheetKind = Literal["projects", "milestones", "progress", "problems"]
Parser = Literal["code", "text", "email", "date", "amount", "percent", "int", "weight",
                 "bool", "category", "level", "nature", "kind", "region", "pause"]


@dataclass(frozen=True)
class Column:
    key: str
    record: Record
    zh: str
    en: str
    parse: Parser
    aliases: tuple[str, ...] = ()
    field: str = ""  # the database column; the key when empty
    # A date column that takes a month (2026年10月): "end" reads it as its last day (a
    # deadline), "start" as its first; "" wants a full date (what happened, and when).
    month: Literal["", "end", "start"] = ""

    @property
    def target(self) -> str:
        return self.field or self.key

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


COLUMNS: tuple[Column, ...] = (
    # -- keys ------------------------------------------------------------------------
    Column("code", "key", "项目编号", "Project code", "code",
           ("项目代码", "项目编码", "编号", "code", "project")),
    Column("milestone", "key", "节点名称", "Milestone", "text",
           ("节点", "节点任务", "任务名称", "节点任务名称", "milestone name", "node")),
    # -- the project (重点项目台账) ---------------------------------------------------------
    Column("project_name", "project", "项目名称", "Project name", "text", ("project name",),
           field="name"),
    Column("owner_company", "project", "建设单位", "Owner company", "text",
           ("项目单位", "业主单位", "项目建设单位", "owner unit")),
    Column("department", "project", "责任单位", "Responsible department", "text",
           ("牵头单位", "责任部门", "主管部门", "牵头责任单位", "department")),
    Column("region", "project", "所属地区", "Region", "region",
           ("地区", "县(市)区", "所在地区", "属地", "区县", "县市区", "所在地")),
    Column("category", "project", "项目类别", "Category", "category",
           ("类别", "项目类型", "产业类别")),
    Column("nature", "project", "建设性质", "Nature", "nature",
           ("性质", "新建/续建", "新建续建", "新建或续建", "new or continuing")),
    Column("level", "project", "项目级别", "Level", "level", ("级别", "项目层级")),
    Column("total_investment", "project", "总投资（万元）", "Total investment (10k yuan)",
           "amount", ("总投资", "计划总投资", "项目总投资", "total investment")),
    Column("annual_plan", "project", "年度计划投资（万元）",
           "Annual planned investment (10k yuan)", "amount",
           ("年度计划投资", "年度投资计划", "年计划投资", "本年计划投资", "年度计划",
            "annual plan", "annual planned investment")),
    Column("leader", "project", "包保领导", "Guaranteeing leader", "text",
           ("包保市领导", "包联领导", "包保县级领导", "包保责任领导", "leader")),
    Column("leader_email", "project", "包保领导邮箱", "Leader e-mail", "email",
           ("leader email",)),
    Column("secretary", "project", "服务秘书", "Service secretary", "text",
           ("服务专员", "secretary")),
    Column("secretary_email", "project", "服务秘书邮箱", "Secretary e-mail", "email",
           ("secretary email",)),
    Column("department_email", "project", "责任单位邮箱", "Department e-mail", "email",
           ("department email",)),
    Column("outdoor", "project", "室外作业", "Outdoor works", "bool",
           ("是否室外作业", "outdoor")),
    Column("winter_pause", "project", "冬季停工期", "Winter pause", "pause",
           ("冬休期", "冬季停工", "winter pause")),
    # -- the project's investment report (投资报送) -------------------------------------------
    Column("invest_date", "investment", "投资报送日期", "Investment report date", "date",
           ("投资填报日期", "投资统计日期", "统计截止日期", "数据截止日期", "截止日期",
            "investment reported on")),
    Column("month_amount", "investment", "本月完成投资（万元）",
           "Investment this month (10k yuan)", "amount",
           ("本月完成投资", "当月完成投资", "月度完成投资", "本月投资", "investment this month")),
    Column("ytd_amount", "investment", "累计完成投资（万元）",
           "Investment this year to date (10k yuan)", "amount",
           ("累计完成投资", "本年累计完成投资", "年度累计完成投资", "本年完成投资",
            "年度完成投资", "今年累计完成投资", "investment year to date",
            "investment this year")),
    Column("funds_in_place", "investment", "到位资金（万元）", "Funds in place (10k yuan)",
           "amount", ("到位资金", "本年到位资金", "年度到位资金", "资金到位", "到位资金额",
                      "funds in place")),
    Column("actual_start", "investment", "实际开工时间", "Actual start", "date",
           ("实际开工日期", "实际开工", "开工时间", "开工日期", "实际开（复）工时间",
            "实际开复工时间", "实际复工时间", "actual start date", "started on")),
    # -- the milestone (节点任务) ------------------------------------------------------------
    Column("seq", "milestone", "节点序号", "Order", "int", ("序号", "seq")),
    Column("kind", "milestone", "节点类型", "Kind", "kind", ("节点类别", "kind")),
    Column("planned_start", "milestone", "计划开始时间", "Planned start", "date",
           ("计划开始日期", "计划开始", "开始时间", "planned start date", "start"),
           month="start"),
    Column("planned_date", "milestone", "计划完成时间", "Planned date", "date",
           ("计划完成日期", "计划完成", "完成时限", "时间节点", "完成时间节点",
            "planned finish", "due date", "planned"), month="end"),
    Column("baseline_date", "milestone", "原计划完成时间", "Baseline date", "date",
           ("原计划完成日期", "基准完成时间", "baseline"), month="end"),
    Column("owner", "milestone", "责任人", "Owner", "text", ("节点责任人",)),
    Column("owner_email", "milestone", "责任人邮箱", "Owner e-mail", "email",
           ("owner email",)),
    Column("owner_mobile", "milestone", "责任人手机", "Owner mobile", "text",
           ("责任人电话", "责任人联系电话", "责任人手机号", "owner mobile")),
    Column("weight", "milestone", "权重", "Weight", "weight"),
    # -- progress (进展报送) ---------------------------------------------------------------
    Column("percent", "report", "完成进度", "Progress", "percent",
           ("形象进度", "进度", "完成比例", "完成率", "完成百分比", "percent", "progress (%)")),
    Column("completed_on", "report", "实际完成时间", "Actual date", "date",
           ("实际完成日期", "完成日期", "actual finish", "completed on", "actual")),
    Column("report_date", "report", "报送日期", "Report date", "date",
           ("最近报送日期", "填报日期", "上报日期", "报送时间", "last report", "reported on")),
    Column("note", "report", "备注", "Note", "text", ("进展情况", "进展说明", "remarks")),
    Column("reporter", "report", "报送人", "Reporter", "text", ("填报人", "上报人")),
    # -- the unit's words on a milestone, and the problem list (问题清单) -----------------------
    Column("delay_reason", "reason", "存在问题及原因", "Problems and reasons", "text",
           ("存在的问题及原因", "问题及原因", "滞后原因", "存在问题及下步措施", "delay reason")),
    Column("problem_code", "problem", "问题编号", "Problem code", "code",
           ("问题序号", "problem code")),
    Column("problem_title", "problem", "问题描述", "Problem", "text",
           ("问题内容", "问题名称", "具体问题", "problem")),
    Column("problem_category", "problem", "问题类别", "Problem category", "text",
           ("问题类型", "problem category")),
    Column("problem_level", "problem", "层级", "Level solved at", "text",
           ("问题层级", "办理层级", "level solved at")),
    Column("lead", "problem", "主办单位", "Lead unit", "text", ("主办", "lead unit")),
    Column("assist", "problem", "协办单位", "Helping units", "text",
           ("协办", "配合单位", "helping units")),
    Column("raised_on", "problem", "提出日期", "Raised on", "date", ("提出时间", "raised on")),
    Column("problem_due", "problem", "办理时限", "Deadline", "date",
           ("办结时限", "办理期限", "deadline"), month="end"),
    Column("handling", "problem", "办理情况", "What was done", "text",
           ("办理进展", "办复情况", "what was done")),
    Column("problem_state", "problem", "状态", "State", "text",
           ("办理状态", "问题状态", "state")),
    # -- written on export, ignored on import ---------------------------------------------
    Column("light", "info", "灯", "Light", "text", ("红黄绿灯", "灯色", "亮灯", "灯号")),
    Column("reason", "info", "原因", "Reason", "text", ("亮灯原因",)),
    Column("days_late", "info", "逾期天数", "Days late", "int"),
    Column("invest_light", "info", "投资灯", "Investment light", "text", ("投资红黄绿灯",)),
    Column("invest_reason", "info", "投资灯原因", "Investment light reason", "text"),
)

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
# The figures of an investment report (its date aside): a row with any of them reports.
INVESTMENT_FIGURES = ("month_amount", "ytd_amount", "funds_in_place", "actual_start")

# What each kind of sheet takes from its rows; other recognised columns are ignored
# with a warning (a progress sheet does not change project details, for instance).
SHEET_RECORDS: dict[SheetKind, frozenset[Record]] = {
    "projects": frozenset({"key", "project", "investment", "info"}),
    "milestones": frozenset({"key", "project", "investment", "milestone", "report", "reason",
                             "info"}),
    "progress": frozenset({"key", "report", "info"}),
    "problems": frozenset({"key", "problem"}),
}
# Columns a sheet cannot do without; a progress sheet also needs 完成进度 or 实际完成时间.
REQUIRED_COLUMNS: dict[SheetKind, tuple[str, ...]] = {
    "projects": ("code",),
    "milestones": ("code", "milestone"),
    "progress": ("code", "milestone", "report_date"),
    "problems": ("code", "problem_title"),
}
# Values a new project or milestone needs (an existing one may leave them blank).
REQUIRED_FOR_NEW: dict[str, tuple[str, ...]] = {
    "project": ("project_name", "region", "department"),
    "milestone": ("planned_date",),
}

# Sheet names that say what a sheet is (compared without spaces, case-insensitively).
SHEET_NAMES: dict[SheetKind, tuple[str, ...]] = {
    "projects": ("项目", "项目表", "项目台账", "项目清单", "项目信息", "projects", "project"),
    "milestones": ("节点", "节点任务", "节点表", "节点台账", "milestones", "milestone", "nodes"),
    "progress": ("进展", "进展报送", "进展情况", "进度报送", "progress", "reports"),
    "problems": ("问题", "问题清单", "问题台账", "问题表", "problems", "problem", "issues"),
}

# The order of columns on export and in the template.
EXPORT_COLUMNS: dict[SheetKind, tuple[str, ...]] = {
    "projects": ("code", "project_name", "region", "department", "owner_company", "category",
                 "level", "nature", "total_investment", "annual_plan", "leader", "secretary",
                 "outdoor", "winter_pause", "leader_email", "secretary_email",
                 "department_email", "invest_date", "month_amount", "ytd_amount",
                 "funds_in_place", "actual_start", "invest_light", "invest_reason"),
    "milestones": ("code", "project_name", "region", "seq", "milestone", "kind",
                   "planned_start", "planned_date", "percent", "completed_on", "light",
                   "reason", "days_late", "delay_reason", "baseline_date", "report_date",
                   "owner", "owner_email", "owner_mobile", "weight"),
    "progress": ("code", "milestone", "report_date", "percent", "completed_on", "note",
                 "reporter"),
    "problems": ("problem_code", "code", "milestone", "problem_title", "problem_category",
                 "problem_level", "lead", "assist", "raised_on", "problem_due", "handling",
                 "problem_state"),
}


# Columns not named above are appended on export in table order: these records' columns.
_EXPORT_REST: dict[SheetKind, Record] = {"projects": "project", "milestones": "milestone",
                                         "progress": "report", "problems": "problem"}


def columns_for(kind: SheetKind) -> list[Column]:
    """Every column a sheet of this kind takes, in table order (new columns included)."""
    return [c for c in COLUMNS if c.record in SHEET_RECORDS[kind]]


def export_columns(kind: SheetKind, flat: bool = False) -> list[Column]:
    """The columns written for a sheet, in order; ``flat`` adds every project column and
    its investment report to a milestone sheet (a CSV holds one sheet, so it carries
    the projects too)."""
    keys = list(EXPORT_COLUMNS[kind])
    rest = {_EXPORT_REST[kind]} | ({"project", "investment"} if flat else set())
    keys += [c.key for c in COLUMNS if c.record in rest and c.key not in keys]
    return [BY_KEY[k] for k in keys]
