"""The bulletin's words in Chinese (default) and English, and how its numbers are written.

Money is kept in 万元 and shown in 亿元 for totals (as the ledgers and the bulletins
write it: 39.98 亿元), in 万元 for a single project. A rate without a denominator is
"—", never a division error.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2 import Undefined

from engine.i18n import light_label, lookup, value_label
from rules.investment import describe_investment
from rules.reasons import describe_all, format_day

WORDS: dict[str, dict[str, str]] = {
    "title": {"zh": "重点项目推进情况{noun}", "en": "Key projects: {noun}"},
    "subtitle": {"zh": "{label}　数据截至{as_of}", "en": "{label} · figures as of {as_of}"},
    "compared_with": {"zh": "与{label}（截至{as_of}）比较",
                      "en": "compared with {label} (as of {as_of})"},
    "subtitle_scope": {"zh": "{label}　{scope}　数据截至{as_of}",
                       "en": "{label} · {scope} · figures as of {as_of}"},
    # sections, numbered where they are printed (一、二、… / 1. 2. …)
    "sec.overview": {"zh": "总体情况", "en": "Overview"},
    "sec.campaign": {"zh": "专项行动进展", "en": "The campaign"},
    "sec.rankings": {"zh": "节点完成情况排名", "en": "Rankings by node completion"},
    "sec.rankings_score": {"zh": "综合排名", "en": "Rankings by combined score"},
    "sec.charts": {"zh": "图表", "en": "Charts"},
    "sec.groups": {"zh": "分类指标", "en": "Rates by group"},
    "sec.red": {"zh": "红灯节点", "en": "Red nodes"},
    "sec.problems": {"zh": "问题办理情况", "en": "Problems"},
    "sec.invest": {"zh": "投资与开工预警", "en": "Investment and start-of-works warnings"},
    "sec.due": {"zh": "下期到期节点", "en": "Nodes due next"},
    "sec.checks": {"zh": "数据核查", "en": "Figures to check"},
    "sec.judgement": {"zh": "表扬与通报", "en": "Praised and named"},
    "sec.requirements": {"zh": "下一步工作要求", "en": "Next steps"},
    "sec.closing": {"zh": "说明", "en": "Notes"},
    "s.rates": {"zh": "主要指标", "en": "The rates"},
    "s.lights": {"zh": "节点红黄绿灯", "en": "Node lights"},
    "s.rank.region": {"zh": "县（市）区排名", "en": "Regions"},
    "s.rank.department": {"zh": "责任单位排名", "en": "Departments"},
    "chart.lights": {"zh": "各县（市）区节点红黄绿灯", "en": "Node lights per region"},
    "chart.rank": {"zh": "县（市）区节点完成率", "en": "Node completion rate per region"},
    "chart.rank_dept": {"zh": "责任单位节点完成率", "en": "Node completion rate per department"},
    "chart.invest": {"zh": "各县（市）区投资完成率与序时进度",
                     "en": "Investment completed against 序时进度 per region"},
    "chart.completed": {"zh": "投资完成率", "en": "completed"},
    "chart.expected": {"zh": "序时进度", "en": "序时进度 (expected)"},
    # overview
    "o.projects": {"zh": "项目数", "en": "Projects"},
    "o.projects_split": {"zh": "{n}个（新建{new}个，续建{cont}个）",
                         "en": "{n} ({new} new, {cont} continuing)"},
    "o.total": {"zh": "总投资", "en": "Total investment"},
    "o.plan": {"zh": "年度计划投资", "en": "Annual planned investment"},
    "o.completed": {"zh": "本年累计完成投资", "en": "Completed this year"},
    "o.period_completed": {"zh": "本期完成投资", "en": "Completed in the period"},
    "o.expected": {"zh": "序时进度投资", "en": "序时进度 (expected by now)"},
    "o.funds": {"zh": "到位资金", "en": "Funds in place"},
    "o.yi": {"zh": "{v}亿元", "en": "{v} hundred million yuan"},
    "col.item": {"zh": "指标", "en": "Measure"},
    "col.now": {"zh": "本期", "en": "This period"},
    "col.before": {"zh": "上期", "en": "Last period"},
    "col.change": {"zh": "变化", "en": "Change"},
    "col.rank": {"zh": "排名", "en": "Rank"},
    "col.move": {"zh": "升降", "en": "Move"},
    "col.name": {"zh": "名称", "en": "Name"},
    "col.region": {"zh": "县（市）区", "en": "Region"},
    "col.department": {"zh": "责任单位", "en": "Department"},
    "col.category": {"zh": "项目类别", "en": "Category"},
    "col.level": {"zh": "项目级别", "en": "Level"},
    "col.nature": {"zh": "建设性质", "en": "New or continuing"},
    "o.total_split": {"zh": "{all}（新建{new}，续建{cont}）",
                      "en": "{all} ({new} new, {cont} continuing)"},
    "col.programme": {"zh": "全部项目", "en": "Programme"},
    "col.due": {"zh": "到期节点", "en": "Nodes due"},
    "col.on_time": {"zh": "按期完成", "en": "Done on time"},
    "col.projects": {"zh": "项目数", "en": "Projects"},
    "col.plan_yi": {"zh": "年度计划（亿元）", "en": "Annual plan (100M yuan)"},
    "col.completed_yi": {"zh": "累计完成（亿元）", "en": "Completed (100M yuan)"},
    "col.total_yi": {"zh": "总投资（亿元）", "en": "Total (100M yuan)"},
    "col.project": {"zh": "项目", "en": "Project"},
    "col.milestone": {"zh": "节点", "en": "Node"},
    "col.leader": {"zh": "包保领导", "en": "Guaranteeing leader"},
    "col.planned": {"zh": "计划完成", "en": "Planned"},
    "col.days_late": {"zh": "逾期天数", "en": "Days late"},
    "col.reason": {"zh": "原因", "en": "Reason"},
    "col.light": {"zh": "灯", "en": "Light"},
    "col.plan_wan": {"zh": "年度计划（万元）", "en": "Annual plan (10k yuan)"},
    "col.completed_wan": {"zh": "累计完成（万元）", "en": "Completed (10k yuan)"},
    "col.dimension": {"zh": "维度", "en": "Dimension"},
    "col.lights": {"zh": "红/黄/绿", "en": "Red/yellow/green"},
    "rate.start": {"zh": "开复工率", "en": "Start/resume rate (开复工率)"},
    "rate.investment": {"zh": "投资完成率", "en": "Investment completion (投资完成率)"},
    "rate.schedule": {"zh": "完成序时进度", "en": "Against 序时进度"},
    "rate.expected": {"zh": "序时进度", "en": "序时进度"},
    "rate.funds": {"zh": "资金到位率", "en": "Funds in place (资金到位率)"},
    "rate.production": {"zh": "按期投产率", "en": "On-time production (按期投产率)"},
    "rate.node": {"zh": "节点完成率", "en": "Node completion rate"},
    "rate.closed": {"zh": "办结率", "en": "Problems closed (办结率)"},
    "rate.closed_on_time": {"zh": "按期办结率", "en": "Closed on time (按期办结率)"},
    "rate.cleared": {"zh": "销号率", "en": "Raised and closed (销号率)"},
    "col.lead": {"zh": "主办单位", "en": "Lead unit"},
    "col.p_due": {"zh": "到期问题", "en": "Due"},
    "col.p_closed": {"zh": "已办结", "en": "Closed"},
    "col.p_on_time": {"zh": "按期办结", "en": "On time"},
    "col.p_raised": {"zh": "新增问题", "en": "Raised"},
    "col.p_cleared": {"zh": "已销号", "en": "Raised, closed"},
    "col.p_overdue": {"zh": "逾期未办结", "en": "Overdue"},
    "invest_lights": {"zh": "投资红黄绿灯（项目）", "en": "Investment lights (projects)"},
    "top": {"zh": "前{n}名", "en": "Top {n}"},
    "bottom": {"zh": "后{n}名", "en": "Bottom {n}"},
    "points": {"zh": "{sign}{v}个百分点", "en": "{sign}{v} points"},
    "none": {"zh": "无", "en": "none"},
    "no_red": {"zh": "本期无红灯节点。", "en": "No red node."},
    "unit_reason": {"zh": "单位说明（{date}）：{text}", "en": "The unit says ({date}): {text}"},
    "no_flagged": {"zh": "本期无投资或开工预警项目。", "en": "No investment or start warning."},
    "no_due": {"zh": "下期无到期节点。", "en": "No node falls due next."},
    "due_until": {"zh": "{from_}至{until}到期的未完成节点",
                  "en": "Open nodes due {from_} to {until}"},
    "red_count": {"zh": "共{n}个红灯节点，按逾期天数排列。",
                  "en": "{n} red nodes, longest overdue first."},
    # closing
    "c.preset": {"zh": "投资预警规则：{name}——{desc}",
                 "en": "Investment light preset: {name} — {desc}"},
    "c.basis": {"zh": "序时进度按{basis}计算。", "en": "序时进度 is counted in {basis}."},
    "basis.calendar_days": {"zh": "日历天", "en": "calendar days"},
    "basis.working_days": {"zh": "工作日（冬季停工期不计）",
                           "en": "working days (winter pause not counted)"},
    "c.rules": {"zh": "节点红黄绿灯规则：{rules}", "en": "Node light rules: {rules}"},
    "c.definitions": {"zh": "指标口径", "en": "Definitions"},
    "def.start": {"zh": "开复工率＝已开工（复工）项目数÷本年计划截至统计日开工（复工）项目数；",
                  "en": "start/resume rate = projects started or resumed ÷ projects whose start "
                        "or resumption is planned this year by the date;"},
    "def.investment": {"zh": "投资完成率＝本年累计完成投资÷年度计划投资；"
                             "完成序时进度＝本年累计完成投资÷（年度计划投资×本年已过时间占比）；",
                       "en": "investment completion = completed this year ÷ annual plan; against "
                             "序时进度 = completed ÷ (annual plan × share of the year elapsed);"},
    "def.funds": {"zh": "资金到位率＝本年到位资金÷年度计划投资；",
                  "en": "funds in place = funds in place this year ÷ annual plan;"},
    "def.production": {"zh": "按期投产率＝本年截至统计日到期的投产节点中按期完成数÷到期数；",
                       "en": "on-time production = production nodes due this year by the date "
                             "and done on time ÷ those due;"},
    "def.node": {"zh": "节点完成率＝本期截至统计日到期节点中按期完成数÷到期数"
                       "（不含暂停、取消节点）。完成率相同者并列。",
                 "en": "node completion rate = nodes due in the period by the date and done on "
                       "time ÷ nodes due (suspended and cancelled nodes left out). Equal rates "
                       "share a rank; a group with no node due is not ranked (\"—\")."},
    "def.history": {"zh": "本通报按统计日当时的记录生成（截至该日的评估、报送与调整），"
                          "之后的变化不影响本期数字。",
                    "en": "Computed from the records as they stood on the date (evaluations, "
                          "reports and re-plans up to it): later changes do not alter it."},
    "note.partial": {"zh": "本期尚未结束：数据截至{as_of}（本期至{end}）。",
                     "en": "The period has not ended: figures as of {as_of} (it ends {end})."},
    "note.no_run": {"zh": "截至{as_of}尚无红黄绿灯评估记录，节点均按未开始计。",
                    "en": "No evaluation on or before {as_of}: every node counts as planned."},
    "note.no_previous": {"zh": "上期（截至{end}）无评估记录，排名升降无法比较。",
                         "en": "No evaluation on or before {end}: no movement in the rankings."},
    "note.later_projects": {"zh": "另有{n}个项目于{as_of}之后录入，未计入本期。",
                            "en": "{n} projects entered after {as_of} are not counted."},
    "note.calendar": {"zh": "注意：{text}", "en": "Warning: {text}"},
    "csv.section": {"zh": "维度", "en": "dimension"},
    "csv.light": {"zh": "{label}节点数", "en": "nodes {label}"},
    "csv.pct": {"zh": "{label}（%）", "en": "{label} (%)"},
    "csv.score": {"zh": "综合得分", "en": "combined score"},
    # rankings that mean something
    "rank.too_few": {"zh": "到期节点少于{n}个的单位列出但不参加排名（排名栏为“—”）。",
                     "en": "Units with fewer than {n} nodes due are listed but not ranked "
                           "(rank \"—\")."},
    "col.score": {"zh": "综合得分", "en": "Score"},
    "score.formula": {"zh": "综合得分＝{parts}－红灯节点数×{red}分；某项无数据（如无到期问题）时，"
                            "其权重按比例分给其余各项。",
                      "en": "score = {parts} − {red} points per red node; a part without "
                            "figures (no problem due, say) gives its weight to the others in "
                            "proportion."},
    "score.part.node": {"zh": "节点完成率", "en": "node completion rate"},
    "score.part.investment": {"zh": "投资完成序时进度（最高100%）",
                              "en": "investment against 序时进度 (at most 100%)"},
    "score.part.closed": {"zh": "问题办结率", "en": "problems closed (办结率)"},
    # the campaign
    "camp.target": {"zh": "目标", "en": "Target"},
    "camp.start": {"zh": "行动开始时", "en": "At the start"},
    "camp.gap": {"zh": "差距", "en": "Gap"},
    "camp.met": {"zh": "达标", "en": "Met"},
    "camp.yes": {"zh": "已达标", "en": "met"},
    "camp.no": {"zh": "未达标", "en": "not met"},
    "camp.window": {"zh": "{name}：{first}至{last}，数据截至{as_of}。",
                    "en": "{name}: {first} to {last}, figures as of {as_of}."},
    "camp.none": {"zh": "未设定目标。", "en": "No target set."},
    # figures to check
    "check.invest_no_start": {
        "zh": "本年已完成投资{completed}万元，但计划{planned_start}开工（复工），"
              "已过{months}个月仍未报开工",
        "en": "{completed} (10k yuan) invested this year, yet the start of works planned "
              "for {planned_start} has not been reported {months} months later"},
    "check.done_at_zero": {"zh": "节点“{milestone}”已于{actual_date}完成，但报送进度为0%",
                           "en": "node \"{milestone}\" finished on {actual_date} with its "
                                 "progress reported as 0%"},
    "check.intro": {"zh": "以下数据相互矛盾，请责任单位核实更正后再引用：",
                    "en": "These figures contradict each other; the units should correct "
                          "them before they are quoted:"},
    "col.check": {"zh": "需核实的情况", "en": "What to check"},
    # the notes in words
    "c.preset_words": {"zh": "投资红黄绿灯：{desc}。", "en": "Investment lights: {desc}."},
    "c.rules_words": {"zh": "节点红黄绿灯：{rules}。", "en": "Node lights: {rules}."},
    "rule.finished": {"zh": "节点按计划完成为“按期完成”，晚于计划完成为“逾期完成”",
                      "en": "a node finished by its planned date is done, after it done late"},
    "rule.overdue": {"zh": "超过计划完成时间仍未完成亮红灯",
                     "en": "open past its planned date: red"},
    "rule.overdue_grace": {"zh": "超过计划完成时间{grace_days}天仍未完成亮红灯",
                           "en": "open more than {grace_days} days past its planned date: red"},
    "rule.schedule_lag": {"zh": "实际进度落后序时进度{yellow_points}个百分点亮黄灯、"
                                "{red_points}个百分点亮红灯",
                          "en": "progress {yellow_points} points behind 序时进度 yellow, "
                                "{red_points} points red"},
    "rule.due_soon": {"zh": "距计划完成不足{working_days}个工作日而进度低于{min_percent}%亮黄灯",
                      "en": "due within {working_days} working days below {min_percent}%: "
                            "yellow"},
    "rule.stale_report": {"zh": "开工后超过{days}天未报送进度亮黄灯",
                          "en": "no progress report for more than {days} days: yellow"},
    "note.evaluated_on": {"zh": "红黄绿灯为{day}评估的结果：{day}至{as_of}之间未再评估，"
                                "此后完成或逾期的节点未反映在本通报中。",
                          "en": "The lights are those of the evaluation of {day}: none ran "
                                "between it and {as_of}, so nodes finished or missed since "
                                "are not reflected."},
    "note.checks": {"zh": "有{n}处数据相互矛盾，见“数据核查”。",
                    "en": "{n} figures contradict each other: see \"Figures to check\"."},
    # the command line
    "cli.one_period": {"zh": "请给出一个期间：--week、--half、--month、--quarter 或 --year 之一",
                       "en": "give one period: one of --week, --half, --month, --quarter or "
                             "--year"},
    "cli.bad_period": {"zh": "--{kind}：{text!r} 不是有效的{what}，格式如 {example}",
                       "en": "--{kind}: {text!r} is not a {what} like {example}"},
    "kind.week": {"zh": "周", "en": "week"},
    "kind.half": {"zh": "半月", "en": "half month"},
    "kind.month": {"zh": "月份", "en": "month"},
    "kind.quarter": {"zh": "季度", "en": "quarter"},
    "kind.year": {"zh": "年份", "en": "year"},
    "cli.campaign_period": {"zh": "--campaign 自带期间，不能再给 --{option}"
                                  "（可用 --year 指定年份）",
                            "en": "--campaign is a period of its own: no --{option} with it "
                                  "(--year picks the year)"},
    "cli.no_campaign": {"zh": "config.yaml 的 bulletins.campaigns 中没有 {name!r}（已有：{known}）",
                        "en": "no campaign {name!r} in bulletins.campaigns (there are: {known})"},
    "cli.bad_scope": {"zh": "{option} {value!r} 不存在（可选：{known}）",
                      "en": "{option} {value!r} matches nothing (known: {known})"},
    "cli.docx_out": {"zh": "Word 通报须写入文件：请加 --out 文件名.docx",
                     "en": "a Word bulletin goes to a file: add --out NAME.docx"},
    "cli.not_begun": {"zh": "{period}尚未开始（{start}起），无法生成通报",
                      "en": "{period} has not begun yet (it starts {start}): no bulletin"},
    "cli.written": {"zh": "已生成{label}通报：{path}（数据截至{as_of}）",
                    "en": "Bulletin for {label} written to {path} (figures as of {as_of})"},
    "cli.queued": {"zh": "已加入发送队列：{n}封（已在队列中而跳过{skipped}封）；"
                         "用 lights send 发送",
                   "en": "Queued {n} messages ({skipped} already queued); lights send delivers "
                         "them"},
    "cli.no_recipients": {"zh": "config.yaml 的 bulletins.send_to 为空：没有收件人",
                          "en": "bulletins.send_to in the configuration is empty: nobody to "
                                "send to"},
    "cli.invested": {"zh": "已记录：{project} {day} 本月完成{month}万元，本年累计{ytd}万元，"
                           "到位资金{funds}万元，实际开工{started}",
                     "en": "Recorded: {project} on {day}: {month} this month, {ytd} this year, "
                           "{funds} funds in place (10k yuan), started {started}"},
    "inv.title": {"zh": "项目投资红黄绿灯（截至{as_of}）",
                  "en": "Investment lights of the projects (as of {as_of})"},
    "inv.footer": {"zh": "共 {n} 个项目", "en": "{n} projects"},
    "inv.empty": {"zh": "没有符合条件的项目", "en": "No project matches"},
    "inv.none": {"zh": "无法评价（无年度计划、本年无开工节点）",
                 "en": "not judged (no annual plan, no start planned this year)"},
    "col.completion": {"zh": "完成率", "en": "% of plan"},
    "col.expected": {"zh": "序时进度", "en": "Expected by now"},
    "col.funds_wan": {"zh": "到位资金（万元）", "en": "Funds in place (10k yuan)"},
    "demo.bulletin_docx": {"zh": "Word 通报：{path}", "en": "As a Word document: {path}"},
    "demo.bulletin": {"zh": "月度通报（{label}）：{path}",
                      "en": "Monthly bulletin ({label}): {path}"},
}

_words = lookup(WORDS)
RATE_KEYS = ("start", "investment", "schedule", "funds", "production", "node")
LIGHT_ORDER = ("red", "yellow", "green", "planned", "done", "done_late", "suspended",
               "cancelled")
DIM_LABEL = {"programme": "col.programme", "region": "col.region",
             "department": "col.department", "category": "col.category", "level": "col.level",
             "nature": "col.nature"}


def w(key: str, lang: str, **values: Any) -> str:
    """The words for ``key`` in ``lang``, filled in (dates written for the language)."""
    filled = {k: format_day(v, lang) if isinstance(v, date) else v for k, v in values.items()}
    return _words(key, lang, **filled)


def _check(value: Any) -> Any:
    if isinstance(value, Undefined):
        raise ValueError("a bulletin template printed an undefined value")
    return value


def yi(wan: Decimal | int | float) -> str:
    """万元 → 亿元 with two decimals: 399800 → 39.98."""
    value = (Decimal(_check(wan)) / Decimal(10_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value:,.2f}"


def wan(value: Decimal | int | float) -> str:
    """万元 as written in a ledger: 12,345.6 (no trailing zeros)."""
    text = f"{Decimal(_check(value)).quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    return text.rstrip("0").rstrip(".")


def points(now: float | None, before: float | None, lang: str) -> str:
    """The change of a rate in percentage points, or "—"."""
    if now is None or before is None:
        return "—"
    diff = round(now - before, 1)
    sign = "+" if diff > 0 else ""
    return WORDS["points"][lang].format(sign=sign, v=f"{diff:.1f}")


def count_change(now: int, before: int) -> str:
    diff = now - before
    return f"+{diff}" if diff > 0 else str(diff) if diff else "0"


def group_label(dim: str, value: str, lang: str) -> str:
    """A group's name: category and level codes in words, names as they are."""
    if dim == "programme":
        return WORDS["col.programme"][lang]
    if dim in ("category", "level", "nature"):
        return value_label(value, lang)
    return value


def reason(findings: list[tuple[str, dict[str, Any]]], stored: str, lang: str) -> str:
    """A node's reason at the date, in ``lang``; the stored text for manual moves."""
    return describe_all(findings, lang) if findings else stored


def invest_reason(findings: Any, lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(describe_investment(f.rule, f.numbers, lang) for f in findings)


__all__ = ["LIGHT_ORDER", "RATE_KEYS", "WORDS", "count_change", "group_label",
           "invest_reason", "light_label", "points", "reason", "w", "wan", "yi"]
