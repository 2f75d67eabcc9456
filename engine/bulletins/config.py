"""The ``bulletins:`` section of config.yaml: investment preset, start nodes, recipients.

Hooked into :class:`engine.config.Config` as one field; imports nothing from
:mod:`engine.config` (which imports this module).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from rules.investment import DEFAULT_PRESET, PRESETS, InvestmentParams, resolve

# The rates a campaign may target or a combined score may weigh, by code and by the
# names the offices write (开复工率 …); the problem rates come from the problem list.
RATE_NAMES: dict[str, str] = {
    "开复工率": "start", "投资完成率": "investment", "完成序时进度": "schedule",
    "资金到位率": "funds", "按期投产率": "production", "节点完成率": "node",
    "办结率": "closed", "按期办结率": "closed_on_time", "销号率": "cleared"}
RATE_CODES = tuple(dict.fromkeys(RATE_NAMES.values()))
SCORE_PARTS = ("node", "investment", "closed")
_MONTH_DAY = re.compile(r"^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recipient(_Section):
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


def rate_code(name: str) -> str:
    """A rate's code from its code or its Chinese name; ValueError names the known ones."""
    code = RATE_NAMES.get(name.strip(), name.strip())
    if code not in RATE_CODES:
        known = "、".join(RATE_NAMES)
        raise ValueError(f"unknown rate {name!r} (known: {known} or {', '.join(RATE_CODES)})")
    return code


def _share(value: float) -> float:
    """A target as a fraction: 0.9 or 90 (a number above 1 is a percentage)."""
    if not 0 < value <= 100:
        raise ValueError(f"a target must be above 0 and at most 100%, not {value}")
    return value / 100 if value > 1 else value


class Campaign(_Section):
    """A campaign (专项行动, 百日攻坚) with its window and its targets for some rates."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(min_length=1)
    from_: str = Field(alias="from", description="MM-DD (each year) or YYYY-MM-DD")
    to: str = Field(description="MM-DD or YYYY-MM-DD; before from: the next year's")
    targets: dict[str, float] = Field(default_factory=dict)

    @field_validator("from_", "to")
    @classmethod
    def _day(cls, value: str) -> str:
        match = _MONTH_DAY.match(str(value).strip())
        try:
            if match is None:
                raise ValueError
            date(int(match.group(1) or 2024), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValueError(f"{value!r} is not a day like 07-10 or 2026-07-10") from None
        return str(value).strip()

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, float]) -> dict[str, float]:
        return {rate_code(name): _share(float(v)) for name, v in value.items()}

    def window(self, year: int) -> tuple[date, date]:
        """The campaign's first and last day, the year given where the config has none."""
        def day(text: str, default_year: int) -> date:
            match = _MONTH_DAY.match(text)
            assert match is not None  # checked on load
            return date(int(match.group(1) or default_year), int(match.group(2)),
                        int(match.group(3)))

        first = day(self.from_, year)
        last = day(self.to, first.year)
        if last < first:
            last = day(self.to, first.year + 1)
        return first, last


class Issuer(_Section):
    """The 红头 of a Word bulletin: who issues it, its number and its addressees."""

    office: str = Field(min_length=1, description="发文机关, e.g. 白桦县重点项目建设指挥部办公室")
    number: str = Field("", description="文号: {year} {month} {quarter} {n}, e.g. "
                                        "白重项办〔{year}〕{n}号")
    to: list[str] = Field(default_factory=list, description="主送")
    cc: list[str] = Field(default_factory=list, description="抄送")
    red_head: bool = Field(True, description="the office's name in red over a red line")
    signed: str = Field("", description="落款 (default: the office)")

    @field_validator("number")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            value.format(year=2026, month=1, quarter=1, n=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{value!r}: only {{year}} {{month}} {{quarter}} {{n}} may be "
                             f"filled in ({exc})") from None
        return value


class Fonts(_Section):
    """The fonts of a Word bulletin by name (GB/T 9704: 小标宋 title, 仿宋 body)."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"


class Judgement(_Section):
    """Who a bulletin praises (表扬) and names (通报), among the ranked units."""

    praise_top: int = Field(3, ge=0, description="at most this many praised")
    praise_min: float = Field(90, ge=0, le=100, description="with a rate or score of at least")
    praise_max_red: int = Field(0, ge=0, description="and holding at most this many red nodes")
    name_bottom: int = Field(3, ge=0, description="at most this many named")
    name_below: float = Field(60, ge=0, le=100, description="with a rate or score below")
    name_red: int | None = Field(3, ge=1, description="or holding at least this many red nodes")


class Score(_Section):
    """The combined score a bulletin ranks by: weighted rates less points per red node."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {"node": 0.5, "investment": 0.3, "closed": 0.2})
    red_points: float = Field(1.0, ge=0, description="points taken off per red node")

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, weight in value.items():
            code = rate_code(name)
            if code not in SCORE_PARTS:
                raise ValueError(f"{name!r} cannot be weighed "
                                 "(only 节点完成率, 投资完成率, 办结率)")
            if weight < 0:
                raise ValueError(f"{name}: a weight must not be negative")
            out[code] = float(weight)
        if not any(out.values()):
            raise ValueError("at least one weight must be above 0")
        return out


class BulletinsConfig(_Section):
    """Bulletins and investment lights; config.yaml documents every key."""

    preset: str = DEFAULT_PRESET
    overrides: dict[str, Any] = Field(default_factory=dict)
    start_kinds: list[str] = Field(default_factory=lambda: ["start"])
    start_words: list[str] = Field(default_factory=lambda: ["开工", "复工"])
    production_kinds: list[str] = Field(default_factory=lambda: ["production"])
    top: int = Field(5, ge=1, le=50)
    min_due: int = Field(3, ge=1, description="fewer nodes due: listed, not ranked")
    score: Score | None = None
    judgement: Judgement = Field(default_factory=Judgement)
    requirements: list[str] | None = None
    issuer: Issuer | None = None
    fonts: Fonts = Field(default_factory=Fonts)
    campaigns: list[Campaign] = Field(default_factory=list)
    send_to: list[Recipient] = Field(default_factory=list)

    @model_validator(mode="after")
    def _campaign_names(self) -> BulletinsConfig:
        names = [c.name for c in self.campaigns]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"campaigns: the name {twice[0]!r} is used twice")
        return self

    def campaign(self, name: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.name == name), None)

    @field_validator("preset")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r} (known: {', '.join(sorted(PRESETS))})")
        return value

    @field_validator("overrides")
    @classmethod
    def _valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        name = info.data.get("preset", DEFAULT_PRESET)
        if name in PRESETS and value:
            try:
                resolve(name, value)
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                errors = getattr(exc, "errors", None)
                if errors:
                    err = errors()[0]
                    key = ".".join(str(x) for x in err["loc"])
                    msg = err["msg"].removeprefix("Value error, ")
                    if err["type"] == "extra_forbidden":
                        msg = "unknown key"
                    raise ValueError(f"{key}: {msg}" if key else msg) from None
                raise
        return value

    @cached_property
    def params(self) -> InvestmentParams:
        """The preset's parameters with the overrides applied."""
        return resolve(self.preset, self.overrides)
