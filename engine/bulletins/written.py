"""The written part of a bulletin, generated from its numbers (完成投资X亿元，占年度计划X%…).

An office's 通报 says in sentences how the programme stands, which units did best and
worst, where the red nodes are, whom it praises (表扬) and whom it names (通报), and what
is required next. Every sentence here is built from the bulletin's figures, in either
language; nothing is invented and nothing is rounded differently from the tables.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from engine.bulletins.build import Bulletin
from engine.bulletins.judge import value
from engine.bulletins.problems import rate_of as problem_rate
from engine.bulletins.ranking import Ranked
from engine.bulletins.rates import Figures, Rate
from engine.bulletins.words import w, yi
from engine.i18n import lookup, value_label
from rules.reasons import format_day

WORDS: dict[str, dict[str, str]] = {
    "programme": {
        "zh": "截至{as_of}，{scope}纳入调度的重点项目{n}个（新建{new}个、续建{cont}个），"
              "总投资{total}亿元（新建{total_new}亿元、续建{total_cont}亿元），"
              "年度计划投资{plan}亿元。",
        "en": "As of {as_of}, {scope}{n} key projects are supervised ({new} new, {cont} "
              "continuing), total investment {total} hundred million yuan ({total_new} new, "
              "{total_cont} continuing), annual plan {plan}."},
    "investment": {"zh": "本年累计完成投资{done}亿元，占年度计划的{rate}，{versus}；"
                         "本期完成投资{period}亿元，到位资金{funds}亿元，资金到位率{funds_rate}。",
                   "en": "{done} hundred million yuan invested this year, {rate} of the annual "
                         "plan, {versus}; {period} in the period; funds in place {funds} "
                         "({funds_rate})."},
    "ahead": {"zh": "超过时间进度{d}个百分点", "en": "{d} points ahead of the time elapsed"},
    "behind": {"zh": "低于时间进度{d}个百分点", "en": "{d} points behind the time elapsed"},
    "level": {"zh": "与时间进度持平", "en": "level with the time elapsed"},
    "no_investment": {"zh": "截至统计日尚无完成投资报送（投资完成率按0计）。",
                      "en": "No investment has been reported yet (completion counts as 0)."},
    "no_plan": {"zh": "本{scope}无年度计划投资，不计算投资完成率。",
                "en": "No annual plan: no investment completion rate."},
    "starts": {"zh": "计划开复工项目{planned}个，已开复工{done}个，开复工率{rate}。",
               "en": "{done} of the {planned} projects due to start or resume have done so "
                     "(start/resume rate {rate})."},
    "production": {"zh": "到期投产节点{due}个，按期投产{done}个，按期投产率{rate}。",
                   "en": "{done} of {due} production nodes due were on time ({rate})."},
    "nodes": {"zh": "本期到期节点{due}个，按期完成{done}个，节点完成率{rate}{change}；"
                    "目前红灯节点{red}个、黄灯节点{yellow}个。",
              "en": "{done} of the {due} nodes due in the period were finished on time "
                    "({rate}){change}; {red} nodes are red and {yellow} yellow."},
    "change_up": {"zh": "，较上期提高{d}个百分点", "en": ", {d} points up on the last period"},
    "change_down": {"zh": "，较上期下降{d}个百分点", "en": ", {d} points down on the last period"},
    "change_same": {"zh": "，与上期持平", "en": ", as in the last period"},
    "no_due": {"zh": "本期无到期节点；目前红灯节点{red}个、黄灯节点{yellow}个。",
               "en": "No node fell due in the period; {red} nodes are red and {yellow} "
                     "yellow."},
    "best_worst": {"zh": "{dim}中，{best}{measure}最高（{best_v}），{worst}最低（{worst_v}）。",
                   "en": "Among {dim}: {best} has the highest {measure} ({best_v}), "
                         "{worst} the lowest ({worst_v})."},
    "measure.rate": {"zh": "节点完成率", "en": "node completion rate"},
    "measure.score": {"zh": "综合得分", "en": "combined score"},
    "dims.region": {"zh": "各县（市）区", "en": "the regions"},
    "dims.department": {"zh": "各责任单位", "en": "the departments"},
    "red_by": {"zh": "红灯节点{n}个，按责任单位：{departments}；按县（市）区：{regions}。",
               "en": "{n} red nodes; by department: {departments}; by region: {regions}."},
    "red_none": {"zh": "目前无红灯节点。", "en": "No node is red."},
    "count": {"zh": "{name}{n}个", "en": "{name} {n}"},
    "praise": {"zh": "对{names}予以表扬。", "en": "Praised: {names}."},
    "name": {"zh": "对{names}予以通报，请其认真分析原因，明确整改措施和完成时限。",
             "en": "Named: {names}; they are to find the causes and set out their "
                   "corrections with dates."},
    "nobody_praised": {"zh": "本期无单位达到表扬条件（{rule}）。",
                       "en": "No unit met the rule for praise ({rule})."},
    "nobody_named": {"zh": "本期无单位达到通报条件（{rule}）。",
                     "en": "No unit met the rule for naming ({rule})."},
    "praise_rule": {"zh": "{measure}不低于{min}{unit}且{red}的前{top}名",
                    "en": "the first {top} with a {measure} of {min}{unit} or more and {red}"},
    "praise_red": {"zh": "红灯节点不超过{n}个", "en": "at most {n} red nodes"},
    "praise_no_red": {"zh": "无红灯节点", "en": "no red node"},
    "name_rule": {"zh": "{measure}低于{below}{unit}{red}的，至多{bottom}个",
                  "en": "{measure} below {below}{unit}{red}, at most {bottom}"},
    "name_rule_red": {"zh": "或红灯节点{n}个以上", "en": " or {n} red nodes or more"},
    "why.rate": {"zh": "节点完成率{v}", "en": "node completion {v}"},
    "why.score": {"zh": "综合得分{v}", "en": "score {v}"},
    "why.red": {"zh": "红灯节点{n}个", "en": "{n} red nodes"},
    "pct": {"zh": "%", "en": "%"},
    "pts": {"zh": "分", "en": " points"},
    "campaign": {"zh": "{name}开展以来，{items}。", "en": "Since {name} began: {items}."},
    "camp.item": {"zh": "{rate}由{start}变为{now}（目标{target}，{state}）",
                  "en": "{rate} went from {start} to {now} (target {target}, {state})"},
    "camp.met": {"zh": "已达标", "en": "met"},
    "camp.gap": {"zh": "尚差{d}个百分点", "en": "{d} points short"},
    "camp.no_value": {"zh": "暂无数据", "en": "no figures yet"},
    "prob.due": {"zh": "本期到期问题{due}个，已办结{closed}个，办结率{closing}，"
                       "按期办结率{on_time}",
                 "en": "{closed} of the {due} problems due in the period were closed "
                       "({closing}; on time {on_time})"},
    "prob.none_due": {"zh": "本期无到期问题", "en": "no problem fell due in the period"},
    "prob.raised": {"zh": "本期新增问题{raised}个，已销号{cleared}个，销号率{rate}",
                    "en": "{raised} raised, {cleared} of them closed ({rate})"},
    "prob.overdue": {"zh": "逾期未办结问题{n}个，按主办单位：{by}",
                     "en": "{n} overdue and open; by lead unit: {by}"},
    "prob.no_overdue": {"zh": "无逾期未办结问题", "en": "none overdue"},
    "req.1": {"zh": "加快红灯节点整改。各责任单位对本通报列出的红灯节点逐一分析原因，明确整改措施和"
                    "完成时限，于5个工作日内报送整改情况。",
              "en": "Put the red nodes right: each department finds the cause of each red node "
                    "listed here and reports its corrections and their dates within 5 working "
                    "days."},
    "req.2": {"zh": "加强投资调度。对投资完成低于时间进度的项目，包保领导要靠前协调、跟踪问效，"
                    "确保完成年度投资目标。",
              "en": "Push investment: the guaranteeing leaders of projects behind the time "
                    "elapsed step in so that the annual plan is met."},
    "req.3": {"zh": "提高报送质量。各单位按时、如实报送项目进展，"
                    "对“数据核查”所列情况及时核实更正。",
              "en": "Report on time and truly; correct the figures listed under \"Figures to "
                    "check\"."},
    "req.4": {"zh": "提前谋划下期节点。对下期到期节点倒排工期、压实责任，确保按期完成。",
              "en": "Prepare the nodes due next: plan backwards from their dates so that they "
                    "finish on time."},
}
_say = lookup(WORDS)
DEFAULT_REQUIREMENTS = ("req.1", "req.2", "req.3", "req.4")


def say(key: str, lang: str, **values: Any) -> str:
    return _say(key, lang, **values)


def _join(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _points(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def _scope_words(b: Bulletin, lang: str) -> str:
    if b.scope.whole:
        return ""
    given = b.scope.given()
    parts = [given["region"]] if "region" in given else []
    parts += [value_label(given[k], lang) for k in ("level", "category") if k in given]
    return ("".join(parts) if lang == "zh" else " ".join(parts) + ": ")


def overall(b: Bulletin, lang: str) -> list[str]:
    """The overall judgement: programme, investment, starts, nodes, best and worst."""
    f, before = b.programme, b.programme_before
    natures = b.now.groups["nature"]
    out = [say("programme", lang, as_of=format_day(b.as_of, lang), scope=_scope_words(b, lang),
               n=f.projects, new=f.new, cont=f.continuing, total=yi(f.total_investment),
               total_new=yi(natures.get("new", Figures()).total_investment),
               total_cont=yi(natures.get("continuing", Figures()).total_investment),
               plan=yi(f.annual_plan))]
    if f.annual_plan > 0 and f.completed == 0 and f.funds == 0:
        out.append(say("no_investment", lang, plan=yi(f.annual_plan)))
    elif f.annual_plan > 0:
        out.append(say("investment", lang, done=yi(f.completed), rate=f.investment_rate.text(),
                       versus=_versus(f, lang), period=yi(_in_period(b)), funds=yi(f.funds),
                       funds_rate=f.funds_rate.text()))
    else:
        out.append(say("no_plan", lang, scope="范围" if not b.scope.whole else "期"))
    if f.starts_planned:
        out.append(say("starts", lang, planned=f.starts_planned, done=f.starts_done,
                       rate=f.start_rate.text()))
    if f.production_due:
        out.append(say("production", lang, due=f.production_due, done=f.production_on_time,
                       rate=f.production_rate.text()))
    red, yellow = f.lights.get("red", 0), f.lights.get("yellow", 0)
    if f.nodes_due:
        out.append(say("nodes", lang, due=f.nodes_due, done=f.nodes_on_time,
                       rate=f.node_rate.text(), red=red, yellow=yellow,
                       change=_change(f.node_rate, before.node_rate, b.compared, lang)))
    else:
        out.append(say("no_due", lang, red=red, yellow=yellow))
    for dim, ranking in b.rankings.items():
        sentence = _best_worst(b, dim, ranking, lang)
        if sentence:
            out.append(sentence)
    return out


def _versus(f: Figures, lang: str) -> str:
    diff = _points(f.investment_rate.percent, f.expected_rate.percent)
    if diff is None or diff == 0:
        return say("level", lang)
    return say("ahead" if diff > 0 else "behind", lang, d=f"{abs(diff):.1f}")


def _change(now: Rate, before: Rate, compared: bool, lang: str) -> str:
    diff = _points(now.percent, before.percent) if compared else None
    if diff is None:
        return ""
    if diff == 0:
        return say("change_same", lang)
    return say("change_up" if diff > 0 else "change_down", lang, d=f"{abs(diff):.1f}")


def _in_period(b: Bulletin) -> Decimal:
    if b.previous.end.year != b.as_of.year:
        return b.programme.completed
    return b.programme.completed - b.programme_before.completed


def _shown(r: Ranked, b: Bulletin, lang: str) -> str:
    if b.score is not None:
        return f"{r.score:.2f}{say('pts', lang)}" if r.score is not None else "—"
    return r.rate.text()


def _best_worst(b: Bulletin, dim: str, ranking: list[Ranked], lang: str) -> str:
    ranked = [r for r in ranking if r.rank is not None]
    if len(ranked) < 2 or ranked[0].rank == ranked[-1].rank:
        return ""
    best = [r.name for r in ranked if r.rank == ranked[0].rank]
    worst = [r.name for r in ranked if r.rank == ranked[-1].rank]
    return say("best_worst", lang, dim=say(f"dims.{dim}", lang), best=_join(best, lang),
               worst=_join(worst, lang), best_v=_shown(ranked[0], b, lang),
               worst_v=_shown(ranked[-1], b, lang),
               measure=say("measure.score" if b.score else "measure.rate", lang))


def red_by_unit(b: Bulletin, lang: str, most: int = 8) -> str:
    """Where the red nodes are, by department and by region, most first."""
    if not b.red_nodes:
        return say("red_none", lang)

    def counted(key: str) -> str:
        counts = Counter(getattr(r, key) for r in b.red_nodes)
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = [say("count", lang, name=name, n=n) for name, n in items[:most]]
        if len(items) > most:
            shown.append("…")
        return _join(shown, lang)

    return say("red_by", lang, n=len(b.red_nodes), departments=counted("department"),
               regions=counted("region"))


def _why(r: Ranked, why: tuple[str, ...], b: Bulletin, lang: str) -> str:
    red = b.now.groups["region" if r.name in b.now.groups["region"] else "department"]
    parts = []
    if "low" in why:
        parts.append(say("why.score" if b.score else "why.rate", lang, v=_shown(r, b, lang)))
    if "red" in why:
        parts.append(say("why.red", lang, n=red[r.name].lights.get("red", 0)))
    sep = "，" if lang == "zh" else ", "
    return f"{r.name}（{sep.join(parts)}）" if lang == "zh" else f"{r.name} ({sep.join(parts)})"


def judgement(b: Bulletin, lang: str) -> list[str]:
    """表扬 for the best, 通报 for the worst, by the configured rule; the rule said when
    nobody meets it."""
    rule = b.judgement
    measure = say("measure.score" if b.score else "measure.rate", lang)
    unit = say("pts" if b.score else "pct", lang)
    praised = [r for dim in b.rankings for r in b.judged[dim].praised]
    named = [(r, why) for dim in b.rankings for r, why in b.judged[dim].named]
    out = []
    if praised:
        out.append(say("praise", lang, names=_join(
            [f"{r.name}（{_shown(r, b, lang)}）" if lang == "zh"
             else f"{r.name} ({_shown(r, b, lang)})" for r in praised], lang)))
    else:
        out.append(say("nobody_praised", lang, rule=say(
            "praise_rule", lang, measure=measure, min=f"{rule.praise_min:g}", unit=unit,
            red=say("praise_red", lang, n=rule.praise_max_red) if rule.praise_max_red
            else say("praise_no_red", lang), top=rule.praise_top)))
    if named:
        out.append(say("name", lang, names=_join([_why(r, why, b, lang) for r, why in named],
                                                 lang)))
    else:
        red = say("name_rule_red", lang, n=rule.name_red) if rule.name_red else ""
        out.append(say("nobody_named", lang, rule=say(
            "name_rule", lang, measure=measure, below=f"{rule.name_below:g}", unit=unit,
            red=red, bottom=rule.name_bottom)))
    return out


def campaign(b: Bulletin, lang: str) -> str:
    """Progress against the campaign's targets since it began."""
    if b.campaign is None or not b.campaign.targets:
        return ""
    items = []
    for code, target in b.campaign.targets.items():
        now, start = rate_of(b, code), rate_of(b, code, "before")
        if now is None or now.percent is None:
            state = say("camp.no_value", lang)
        elif now.percent >= target * 100:
            state = say("camp.met", lang)
        else:
            state = say("camp.gap", lang, d=f"{target * 100 - now.percent:.1f}")
        items.append(say("camp.item", lang, rate=w(f"rate.{code}", lang),
                         start=start.text() if start else "—", now=now.text() if now else "—",
                         target=f"{target * 100:g}%", state=state))
    sep = "；" if lang == "zh" else "; "
    return say("campaign", lang, name=b.campaign.name, items=sep.join(items))


def rate_of(b: Bulletin, code: str, when: str = "now", region: str | None = None
            ) -> Rate | None:
    """A rate by its code, now or ``before`` (a campaign's start), of the programme or of
    a region: the node and money rates from the figures, the problem rates (办结率 …)
    from the problem list; None where the bulletin has no such figure."""
    if code in ("closed", "closed_on_time", "cleared"):
        if b.problems is None:
            return None
        groups = b.problems.groups if when == "now" else b.problems.before_groups
        r = (b.problems.now if when == "now" else b.problems.before) if region is None \
            else groups["region"].get(region)
        return None if r is None else problem_rate(r, code)
    snap = b.now if when == "now" else b.before
    f = snap.programme if region is None else snap.groups["region"].get(region)
    return None if f is None else f.rates().get(code)


def problems(b: Bulletin, lang: str) -> str:
    """The problems due and closed in the period, and who holds the overdue ones."""
    if b.problems is None:
        return ""
    r = b.problems.now
    overdue = b.problems.overdue_by_lead()
    by = _join([say("count", lang, name=name, n=n) for name, n in overdue[:8]]
               + (["…"] if len(overdue) > 8 else []), lang)
    due = say("prob.due", lang, due=r.due, closed=r.closed,
              closing=problem_rate(r, "closed").text(),
              on_time=problem_rate(r, "closed_on_time").text()) if r.due else \
        say("prob.none_due", lang)
    raised = say("prob.raised", lang, raised=r.raised, cleared=r.raised_closed,
                 rate=problem_rate(r, "cleared").text())
    late = say("prob.overdue", lang, n=r.overdue, by=by) if r.overdue else \
        say("prob.no_overdue", lang)
    sep = "；" if lang == "zh" else "; "
    return sep.join((due, raised, late)) + ("。" if lang == "zh" else ".")


def requirements(b: Bulletin, lang: str) -> list[str]:
    """Next steps: the configured text (``bulletins.requirements``), else the defaults."""
    if b.requirements:
        return list(b.requirements)
    return [say(key, lang) for key in DEFAULT_REQUIREMENTS]


__all__ = ["campaign", "judgement", "overall", "problems", "rate_of", "red_by_unit",
           "requirements",
           "value"]
