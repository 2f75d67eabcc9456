"""The ``ledger:`` section of config.yaml: known regions and local header variants."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.ledger.headers import HeaderTable


class LedgerConfig(BaseModel):
    """``regions``: when given, a project's 所属地区 must be one of them (typos are the
    commonest ledger error); ``header_aliases``: column (its key or standard header)
    → the local headers that mean it, e.g. ``项目编号: [项目代码, 统一编号]``."""

    model_config = ConfigDict(extra="forbid")
    regions: list[str] = Field(default_factory=list)
    header_aliases: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("regions")
    @classmethod
    def _strip(cls, value: list[str]) -> list[str]:
        return [r.strip() for r in value if r.strip()]

    @field_validator("header_aliases")
    @classmethod
    def _usable(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        HeaderTable(value)  # AliasError (a ValueError) names the alias
        return value

    def headers(self) -> HeaderTable:
        return HeaderTable(self.header_aliases)
