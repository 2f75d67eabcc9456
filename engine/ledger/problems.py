"""A problem found in a ledger: where it is (file, sheet, row, column), the value, why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.ledger.words import say, why


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    sheet: str | None = None
    row: int | None = None
    letter: str | None = None
    header: str | None = None

    def at(self, lang: str) -> str:
        """Short, to point at another row: 「节点」第5行 / 节点 row 5."""
        sheet = f"「{self.sheet}」" if lang == "zh" else f"sheet {self.sheet}"
        return say("where.at", lang, sheet=sheet, row=self.row)

    def text(self, lang: str) -> str:
        parts = [say("where.sheet", lang, file=self.file, sheet=self.sheet) if self.sheet
                 else self.file]
        if self.row is not None:
            parts.append(say("where.row", lang, row=self.row))
        if self.header is not None:
            parts.append(say("where.column", lang, letter=self.letter or "—", header=self.header))
        return say("where.sep", lang).join(parts)


def shown(value: Any) -> str:
    """A cell value as the person typed or saw it."""
    if type(value) is date:  # most of them: every date of a ledger's change lines
        return value.isoformat()
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Problem:
    where: Where
    why: str
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, lang: str) -> str:
        params = {k: v.at(lang) if isinstance(v, Where)
                  else v[lang] if isinstance(v, dict) else v
                  for k, v in self.params.items()}
        return why(self.why, lang, **params)

    def text(self, lang: str) -> str:
        out = self.where.text(lang)
        if self.value is not None and shown(self.value) != "":
            out += say("where.sep", lang) + say("where.value", lang, value=shown(self.value))
        return out + say("where.why", lang, why=self.reason(lang))

    def as_json(self, lang: str) -> dict[str, Any]:
        w = self.where
        return {"file": w.file, "sheet": w.sheet, "row": w.row, "column": w.letter,
                "header": w.header, "value": None if self.value is None else shown(self.value),
                "problem": self.why, "why": self.reason(lang)}

    def sort_key(self) -> tuple[Any, ...]:
        w = self.where
        return (w.file, w.sheet or "", w.row or 0, len(w.letter or ""), w.letter or "")


class LedgerInvalid(Exception):
    """The ledger has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems, key=Problem.sort_key)
