"""The ``problems:`` section of config.yaml: categories, time limits, the ladder.

Defaults from published city rules: 协办 answer within 3 working days, 主办 within 7,
an extension asked at least 1 working day before the deadline; an objection to the
assignment within 1 working day. ``reason_days``: a red or listed milestone whose unit
has given no reason after this many working days is a finding of its own
(逾期未说明原因) in its notice.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rules.problems import ProblemStep, default_ladder

DEFAULT_CATEGORIES = ["要素保障", "用地", "资金", "审批服务", "政策支持", "规划设计", "征地拆迁",
                      "施工环境", "其他"]
CATEGORY_EN = {"要素保障": "Factor supply", "用地": "Land", "资金": "Funding",
               "审批服务": "Approvals", "政策支持": "Policy support",
               "规划设计": "Planning and design", "征地拆迁": "Land acquisition",
               "施工环境": "Site environment", "其他": "Other"}


class ProblemsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES),
                                  min_length=1)
    lead_days: int = Field(7, ge=1, le=250, description="主办单位办理时限（工作日）")
    assist_days: int = Field(3, ge=1, le=250, description="协办单位答复时限（工作日）")
    extension_notice_days: int = Field(1, ge=0, le=30,
                                       description="延期至少提前几个工作日申请")
    objection_days: int = Field(1, ge=0, le=30, description="对交办有异议的提出时限")
    reason_days: int = Field(3, ge=1, le=60,
                             description="红灯或挂牌节点几个工作日未说明原因即为一项问题")
    code_prefix: str = Field("WT", min_length=1, max_length=8, pattern=r"^[A-Za-z0-9-]+$")
    ladder: list[ProblemStep] = Field(default_factory=default_ladder, min_length=1)

    @field_validator("categories")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        out = [c.strip() for c in value if c.strip()]
        if len(set(out)) != len(out):
            raise ValueError("categories must be different")
        return out

    @model_validator(mode="after")
    def _steps(self) -> ProblemsConfig:
        names = [s.step for s in self.ladder]
        if len(set(names)) != len(names):
            raise ValueError("ladder: step names must be unique")
        if self.assist_days > self.lead_days:
            raise ValueError("assist_days: the helping units answer before the lead unit")
        return self

    def category(self, text: str) -> str | None:
        """The configured category for a name in either language (None: unknown)."""
        text = text.strip()
        for name in self.categories:
            if text in (name, CATEGORY_EN.get(name)):
                return name
        return None
