"""Who reads a notice, and so how it speaks: pure choices, no database, no templates.

A notice reaches two kinds of readers. The **actor** (the node's 责任人, the 责任单位,
the service secretary, a problem's 主办/协办 units) must do something by a date and
is told what. The **overseer** (the 包保领导, the supervision office, the leaders'
office) is told what is being supervised, who is late and by when they must answer;
a leader's subject never reads as if the leader were summoned. Someone with both
kinds of roles is an actor: what they must do comes first.

The salutation is the 公文's (``市发改委：``), not a letter's (``市发改委，您好``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Reader = Literal["actor", "overseer"]

ACTOR_ROLES = frozenset({"owner", "department", "secretary", "lead", "assist"})
UNIT_ROLES = frozenset({"department", "lead", "assist", "supervision_office", "leaders_office"})
PERSON_ROLES = frozenset({"owner", "secretary"})

# The subject's tag for an overseer, by the ladder step's light: what is reported to
# them, never the step that summons the late unit.
OVERSEER_TAGS = {"yellow": {"zh": "进度提醒", "en": "Progress reminder"},
                 "red": {"zh": "督办情况", "en": "Supervision report"},
                 "resolved": {"zh": "已解除", "en": "Resolved"}}


def reader_of(roles: Iterable[str]) -> Reader:
    """Actor when any role must act; overseer otherwise (leaders, offices, admins)."""
    return "actor" if set(roles) & ACTOR_ROLES else "overseer"


def salutation(name: str, roles: Iterable[str], lang: str) -> str:
    """``市发改委：`` for a unit or an office, ``张三同志：`` for a person named in the
    ledger as 责任人 or 服务秘书, ``张副市长：`` for a leader (named by title)."""
    name = name.strip()
    roles = set(roles)
    if lang != "zh":
        return f"Dear {name},"
    if roles & PERSON_ROLES and not roles & UNIT_ROLES and not name.endswith(("同志", "长")):
        return f"{name}同志："
    return f"{name}："


def subject_tag(step_zh: str, step_en: str, light: str, reader: Reader, lang: str) -> str:
    """The subject's bracketed tag: the step itself for an actor (【约谈】 tells the late
    unit it is summoned), what is reported for an overseer (【督办情况】)."""
    if reader == "actor":
        return step_zh if lang == "zh" else step_en
    return OVERSEER_TAGS.get(light, OVERSEER_TAGS["red"])[lang]


# Why a node stands at a step reached by repetition (a ladder step's after_consecutive);
# a step reached by the days held needs no sentence: the light's reason counts them.
CLIMBED = {"streak": {"zh": "本节点连续{n}个月亮{light}（以各月末的灯色计）",
                      "en": "this milestone has been {light} at {n} month ends in a row"},
           "project_streak": {"zh": "所属项目连续{n}个月亮{light}"
                                    "（以各月末未完成节点中最差的灯色计）",
                              "en": "the project has been {light} at {n} month ends in a row "
                                    "(its worst open milestone's light)"}}


def climb_reason(climbed_by: str, months: int, light_text: str, lang: str) -> str:
    """The sentence saying why a notice's step was reached by a streak of month ends,
    the node's own or its project's ("" when reached by the days held)."""
    words = CLIMBED.get(climbed_by)
    return words[lang].format(n=months, light=light_text) if words and months else ""
