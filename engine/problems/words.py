"""The problem list's words, in Chinese and English (states, levels, results, errors)."""

from __future__ import annotations

from engine.i18n import lookup

STATE_LABELS: dict[str, dict[str, str]] = {
    "pending": {"zh": "待交办", "en": "pending"},
    "in_progress": {"zh": "办理中", "en": "in progress"},
    "extension_requested": {"zh": "申请延期", "en": "extension requested"},
    "replied": {"zh": "已办复", "en": "replied"},
    "closed": {"zh": "已销号", "en": "closed"},
    "withdrawn": {"zh": "已撤销", "en": "withdrawn"},
}

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "county": {"zh": "县区级", "en": "county"},
    "city": {"zh": "市级", "en": "city"},
    "provincial": {"zh": "省级", "en": "provincial"},
}

# How a level supervises: 限时解决 in the district, 挂牌督办 by the city, 省级协调 above.
LEVEL_WAYS: dict[str, dict[str, str]] = {
    "county": {"zh": "限时解决", "en": "solved within a time limit"},
    "city": {"zh": "挂牌督办", "en": "listed supervision by the city"},
    "provincial": {"zh": "提请省级协调", "en": "referred to the province"},
}

RESULT_LABELS: dict[str, dict[str, str]] = {
    "solved": {"zh": "解决", "en": "solved"},
    "partly": {"zh": "部分解决", "en": "partly solved"},
    "unsolved": {"zh": "无法解决", "en": "cannot be solved"},
}

EVENT_LABELS: dict[str, dict[str, str]] = {
    "add": {"zh": "提出", "en": "raised"},
    "assign": {"zh": "交办", "en": "assigned"},
    "reply": {"zh": "办复", "en": "replied"},
    "assist_reply": {"zh": "协办答复", "en": "helping unit replied"},
    "request_extension": {"zh": "申请延期", "en": "extension asked"},
    "grant_extension": {"zh": "同意延期", "en": "extension granted"},
    "refuse_extension": {"zh": "不同意延期", "en": "extension refused"},
    "close": {"zh": "销号", "en": "closed"},
    "reopen": {"zh": "退回", "en": "sent back"},
    "raise_level": {"zh": "提级", "en": "raised a level"},
    "escalate": {"zh": "督办升级", "en": "escalated"},
    "propose_raise": {"zh": "建议提级", "en": "proposed for raising"},
    "withdraw": {"zh": "撤销", "en": "withdrawn"},
    "edit": {"zh": "修改", "en": "edited"},
}

WORDS: dict[str, dict[str, str]] = {
    "col.code": {"zh": "问题编号", "en": "Code"},
    "col.project": {"zh": "项目", "en": "Project"},
    "col.milestone": {"zh": "节点", "en": "Milestone"},
    "col.title": {"zh": "问题", "en": "Problem"},
    "col.category": {"zh": "类别", "en": "Category"},
    "col.level": {"zh": "层级", "en": "Level"},
    "col.lead": {"zh": "主办单位", "en": "Lead unit"},
    "col.assist": {"zh": "协办单位", "en": "Helping units"},
    "col.state": {"zh": "状态", "en": "State"},
    "col.deadline": {"zh": "办理时限", "en": "Deadline"},
    "col.step": {"zh": "督办", "en": "Step"},
    "col.overdue": {"zh": "逾期", "en": "Late"},
    "col.date": {"zh": "日期", "en": "Date"},
    "col.event": {"zh": "事项", "en": "Event"},
    "col.who": {"zh": "办理人", "en": "By"},
    "col.text": {"zh": "内容", "en": "Text"},
    "overdue_days": {"zh": "逾期{n}个工作日", "en": "{n} working day(s) late"},
    "title.list": {"zh": "问题清单（{n}项）", "en": "Problem list ({n})"},
    "title.show": {"zh": "问题 {code}：{title}", "en": "Problem {code}: {title}"},
    "title.rates": {"zh": "问题办理情况（{start}至{end}）", "en": "Problems, {start} to {end}"},
    "none": {"zh": "没有符合条件的问题", "en": "no problems match"},
    "done.add": {"zh": "已提出问题 {code}（{state}，办理时限 {deadline}）",
                 "en": "problem {code} raised ({state}, due {deadline})"},
    "done.move": {"zh": "问题 {code}：{event}，现为{state}{deadline}",
                  "en": "problem {code}: {event}, now {state}{deadline}"},
    "done.deadline": {"zh": "，办理时限 {deadline}", "en": ", due {deadline}"},
    # refusals (one sentence each)
    "bad.title": {"zh": "问题标题不能为空（200字以内）",
                  "en": "title: give the problem in up to 200 characters"},
    "bad.category": {"zh": "问题类别“{value}”不在配置的类别中（{known}）",
                     "en": "category {value!r} is not configured (known: {known})"},
    "bad.level": {"zh": "层级“{value}”应为 县区级、市级 或 省级",
                  "en": "level {value!r} should be county, city or provincial"},
    "bad.lead": {"zh": "请指定主办单位", "en": "lead: name the lead unit"},
    "bad.assist_is_lead": {"zh": "协办单位“{unit}”就是主办单位",
                           "en": "helping unit {unit!r} is the lead unit"},
    "bad.days": {"zh": "办理时限应为1至250个工作日（{value}）",
                 "en": "days: {value} is not between 1 and 250 working days"},
    "bad.code": {"zh": "问题编号 {code} 已存在", "en": "problem code {code} already exists"},
    "bad.no_problem": {"zh": "没有问题 {code}", "en": "no problem {code!r}"},
    "bad.milestone_project": {"zh": "节点“{milestone}”不属于项目 {project}",
                              "en": "milestone {milestone!r} is not of project {project}"},
    "bad.text": {"zh": "请填写办理情况", "en": "text: say what was done"},
    "bad.reason": {"zh": "请说明理由", "en": "reason: give a reason"},
    "bad.unit": {"zh": "“{unit}”不是问题 {code} 的主办或协办单位（主办：{lead}）",
                 "en": "{unit!r} is neither the lead nor a helping unit of {code} (lead: {lead})"},
    "bad.ext_late": {"zh": "延期须在办理时限（{deadline}）前至少{n}个工作日提出，最迟{latest}",
                     "en": "an extension must be asked at least {n} working day(s) before the "
                           "deadline ({deadline}), by {latest} at the latest"},
    "bad.ext_not_later": {"zh": "延期至 {to} 不晚于现办理时限 {deadline}",
                          "en": "extending to {to} is not after the deadline {deadline}"},
    "bad.ext_none": {"zh": "问题尚未交办，没有办理时限可延期",
                     "en": "the problem is not assigned yet: there is no deadline to extend"},
    "bad.result": {"zh": "办理结果“{value}”应为 解决、部分解决 或 无法解决",
                   "en": "result {value!r} should be solved, partly or unsolved"},
    "bad.result_reason": {"zh": "“{result}”须说明原因（--reason）",
                          "en": "{result}: give the reason (--reason)"},
    "bad.top_level": {"zh": "问题已在省级，无法再提级",
                      "en": "the problem is at the provincial level already: nothing to raise to"},
    "bad.state": {"zh": "状态“{value}”应为 {known}", "en": "state {value!r}: one of {known}"},
    "bad.grant_refuse": {"zh": "--grant 与 --refuse 只能选一个",
                         "en": "--grant or --refuse, not both"},
    "bad.extend_to": {"zh": "请用 --to 指定申请延期至的日期（或用 --grant / --refuse 审批）",
                      "en": "give the date asked for with --to (or decide with --grant / "
                            "--refuse)"},
    "bad.no_reason": {"zh": "节点“{milestone}”没有单位说明的原因：请用 --title 写明问题",
                      "en": "milestone {milestone!r} has no reason from its unit: give --title"},
    "rate.rank": {"zh": "排名", "en": "Rank"},
    "rate.unit": {"zh": "单位", "en": "Unit"},
    "rate.due": {"zh": "应办结", "en": "Due"},
    "rate.closed": {"zh": "已办结", "en": "Closed"},
    "rate.closing_rate": {"zh": "办结率", "en": "Closing rate"},
    "rate.on_time_rate": {"zh": "按期办结率", "en": "On-time rate"},
    "rate.raised": {"zh": "新提出", "en": "Raised"},
    "rate.cancel_rate": {"zh": "销号率", "en": "Cancel rate"},
    "rate.overdue_open": {"zh": "逾期未办结", "en": "Late, open"},
    "bad.refused": {"zh": "问题{state}，不能{event}",
                    "en": "cannot {event} a problem that is {state}"},
}

say = lookup(WORDS)


def label(table: dict[str, dict[str, str]], code: str | None, lang: str) -> str:
    if not code:
        return ""
    return table.get(code, {}).get(lang, code)


def state_label(code: str, lang: str) -> str:
    return label(STATE_LABELS, code, lang)


def level_label(code: str, lang: str) -> str:
    return label(LEVEL_LABELS, code, lang)


def result_label(code: str, lang: str) -> str:
    return label(RESULT_LABELS, code, lang)


def event_label(code: str, lang: str) -> str:
    return label(EVENT_LABELS, code, lang)


def code_of(table: dict[str, dict[str, str]], text: str) -> str | None:
    """A stored code from the code or its label in either language (None: unknown)."""
    text = text.strip()
    for code, labels in table.items():
        if text == code or text in labels.values():
            return code
    return None
