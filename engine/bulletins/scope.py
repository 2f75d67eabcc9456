"""A bulletin's scope: one county's, one level's or one category's projects (--region …).

A county office issues the bulletin of its own projects, a city the one of its
provincial projects; every figure, ranking and list of the bulletin is then taken
over the projects in scope only, as if the others did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, literal
from sqlalchemy.sql import ColumnElement

from engine.i18n import value_label
from engine.store.tables import P


@dataclass(frozen=True, slots=True)
class Scope:
    region: str | None = None
    level: str | None = None  # a code: provincial, city, county
    category: str | None = None  # a code: industrial, …

    @property
    def whole(self) -> bool:
        return self.region is None and self.level is None and self.category is None

    def given(self) -> dict[str, str]:
        return {k: v for k, v in (("region", self.region), ("level", self.level),
                                  ("category", self.category)) if v is not None}

    def clause(self) -> ColumnElement[bool]:
        """The projects in scope (true for the whole programme)."""
        parts = [getattr(P.c, key) == value for key, value in self.given().items()]
        return and_(*parts) if parts else literal(True)

    def label(self, lang: str) -> str:
        """县（市）区：城关镇，级别：县区级 — the words a title carries; '' for all."""
        names = {"region": {"zh": "地区", "en": "region"},
                 "level": {"zh": "级别", "en": "level"},
                 "category": {"zh": "类别", "en": "category"}}
        shown = [(names[k][lang], v if k == "region" else value_label(v, lang))
                 for k, v in self.given().items()]
        if lang == "zh":
            return "，".join(f"{k}：{v}" for k, v in shown)
        return ", ".join(f"{k}: {v}" for k, v in shown)


WHOLE = Scope()  # the whole programme
