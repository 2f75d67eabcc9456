"""The demo's problem list (问题清单): sixteen problems in every state and at every level.

Raised on the demo's projects that are late (a node past its date and not finished),
each with the history a real one would have had by :data:`DEMO_AS_OF`: raised,
assigned, answered, extended, checked, sent back, raised a level. The nights before
the demo's climbed the ladder as every night does (run here without notices: those
went out long ago); the demo's own night then climbs what it brings and writes the
notices: a blue reminder, an orange and a red supervision, and a proposal to raise a
level, each worded for its readers.

Some of the late nodes also get their unit's reason as the ledger's 存在问题及原因
says it, so that the digests show a unit's words beside the light.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.delays import record_reason
from engine.demo.data import DEMO_AS_OF
from engine.problems import actions as act
from engine.problems.night import move_problems
from engine.store.db import writer
from engine.store.tables import M, P

D = date
FIRST_NIGHT = D(2026, 10, 12)  # the working nights before the demo's, without notices


@dataclass(frozen=True)
class Story:
    """One problem: what it is, and what happened to it, in date order."""

    title: str
    category: str
    level: str
    lead: str
    assist: tuple[str, ...]
    raised: date
    events: tuple[tuple[date, str, dict[str, Any]], ...] = ()
    assign: bool = True
    reason: str = ""  # the node's 存在问题及原因 in the ledger


STORIES: tuple[Story, ...] = (
    Story("施工用地指标尚未落实，影响主体开工", "用地", "county", "市自然资源局", ("{region}政府",),
          D(2026, 11, 19), assign=False,
          reason="施工用地指标未落实，已向区政府申请调剂"),
    Story("配套资金缺口约3000万元", "资金", "city", "市财政局", ("市发改委",), D(2026, 11, 16)),
    Story("施工许可审批材料退回补正", "审批服务", "county", "市住建局", ("{region}政府",),
          D(2026, 11, 10), reason="施工许可审批材料退回补正，正在补充消防设计审查意见"),
    Story("供电线路迁改未完成", "要素保障", "city", "市发改委", ("市住建局",), D(2026, 11, 4)),
    Story("征地拆迁剩余3户未签约", "征地拆迁", "city", "{region}政府", ("市自然资源局",),
          D(2026, 10, 29), reason="征地拆迁剩余3户未签约，区政府正在做工作"),
    Story("施工便道占用农田补偿争议", "施工环境", "county", "{region}政府", ("市农业农村局",),
          D(2026, 10, 23)),
    Story("环评批复需补充专家论证", "审批服务", "county", "市生态环境局", (),
          D(2026, 11, 12), events=(
              (D(2026, 11, 19), "extend", {"to": D(2026, 12, 4),
                                           "reason": "专家论证会定于12月1日召开"}),)),
    Story("设备进口关税减免政策未明确", "政策支持", "city", "市商务局", ("市发改委",),
          D(2026, 11, 5), events=(
              (D(2026, 11, 13), "reply", {"text": "已协调海关出具减免意见，待企业申报"}),)),
    Story("规划条件调整未批复", "规划设计", "county", "市自然资源局", (),
          D(2026, 10, 20), events=(
              (D(2026, 10, 27), "reply", {"text": "规划条件调整已批复"}),
              (D(2026, 10, 28), "close", {"result": "解决"}))),
    Story("燃气接入方案未确定", "要素保障", "city", "市城管局", ("市住建局",),
          D(2026, 10, 15), events=(
              (D(2026, 11, 2), "reply", {"text": "已确定临时接入方案"}),
              (D(2026, 11, 4), "close", {"result": "部分解决",
                                         "reason": "永久接入待管网改造完成"}))),
    Story("跨省输电通道接入受限", "要素保障", "city", "市发改委", ("市工信局",),
          D(2026, 10, 12), events=(
              (D(2026, 10, 26), "raise", {"reason": "需省级协调电网公司"}),
              (D(2026, 11, 18), "close", {"result": "无法解决",
                                          "reason": "通道容量已满，改为就地消纳方案"}))),
    Story("重复提出的用地问题", "用地", "county", "市自然资源局", (),
          D(2026, 11, 3), events=(
              (D(2026, 11, 6), "withdraw", {"reason": "与已交办问题重复"}),)),
    Story("施工噪声扰民投诉", "施工环境", "city", "市生态环境局", ("{region}政府",),
          D(2026, 10, 26), events=(
              (D(2026, 11, 5), "reply", {"text": "已调整夜间施工时间"}),
              (D(2026, 11, 6), "close", {"result": "解决"}),
              (D(2026, 11, 17), "reopen", {"reason": "回访仍有投诉，问题未解决"}))),
    Story("区级无法协调的水源接入", "要素保障", "county", "市水务局", ("{region}政府",),
          D(2026, 10, 19), events=(
              (D(2026, 11, 11), "raise", {"reason": "区级无法协调，提请市级挂牌督办"}),)),
    Story("省级审批权限事项办理缓慢", "审批服务", "provincial", "市发改委", ("市工信局",),
          D(2026, 11, 10)),
    Story("专项债额度未下达", "资金", "city", "市财政局", (), D(2026, 11, 20), assign=False),
)


def late_nodes(engine: Engine, as_of: date = DEMO_AS_OF) -> list[Any]:
    """The demo's nodes past their date and not finished, one per project, by code."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(M.c.id, M.c.name, P.c.code, P.c.region)
            .select_from(M.join(P))
            .where(M.c.planned_date < as_of, M.c.actual_date.is_(None), M.c.percent < 100)
            .order_by(P.c.code, M.c.planned_date, M.c.id)).all()
    seen: set[str] = set()
    out = []
    for row in rows:
        if row.code not in seen:
            seen.add(row.code)
            out.append(row)
    return out


def add_demo_problems(engine: Engine, config: Config) -> int:
    """Raise the demo's problems with their histories; returns how many."""
    nodes = late_nodes(engine)
    quiet = config.model_copy(deep=True)
    quiet.notices.enabled = False  # the earlier night's notices went out long ago
    with writer(engine).begin() as conn:
        for story, node in zip(STORIES, nodes[::max(1, len(nodes) // len(STORIES))],
                               strict=False):
            unit = {"region": node.region}
            move = act.add(conn, config, node.code, title=story.title, category=story.category,
                           level=story.level, lead=story.lead.format(**unit),
                           assist=[a.format(**unit) for a in story.assist],
                           milestone=str(node.id), by="市重点项目办", as_of=story.raised,
                           assign=story.assign, source="demo")
            if story.reason:
                record_reason(conn, node.id, story.reason, story.raised, author="项目单位",
                              source="ledger")
            for day, what, values in story.events:
                _event(conn, config, move.code, day, what, values)
        calendar = config.new_calendar()
        day = FIRST_NIGHT
        while day < DEMO_AS_OF:  # the working nights before the demo's
            if calendar.is_working_day(day):
                move_problems(conn, quiet, day)
            day += timedelta(days=1)
    return len(STORIES)


def _event(conn: Any, config: Config, code: str, day: date, what: str,
           values: dict[str, Any]) -> None:
    if what == "extend":
        act.request_extension(conn, config, code, by="项目单位", as_of=day, **values)
    elif what == "reply":
        act.reply(conn, config, code, by="主办单位", as_of=day, **values)
    elif what == "close":
        act.close(conn, config, code, by="市督查室", as_of=day, **values)
    elif what == "reopen":
        act.reopen(conn, config, code, by="市督查室", as_of=day, **values)
    elif what == "raise":
        act.raise_level(conn, config, code, by="市督查室", as_of=day, **values)
    elif what == "withdraw":
        act.withdraw(conn, config, code, by="市重点项目办", as_of=day, **values)
