"""The units' answers beside the lights in ``lights show`` and ``lights history``: each
node's latest delay reason with its date, and the project's open problems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from engine.cli.common import App
from engine.config import Config
from engine.delays import DelayReason, latest_reasons
from engine.problems.notices import problem_line
from engine.problems.queries import open_problems
from rules.reasons import format_day

WORDS = {
    "said": {"zh": "单位说明：", "en": "What the units say:"},
    "line": {"zh": "  {milestone}（{date}{by}）：{text}",
             "en": "  {milestone} ({date}{by}): {text}"},
    "history": {"zh": "单位说明（{n}条）：", "en": "What the unit said ({n}):"},
    "entry": {"zh": "  {date}{by}［{source}］：{text}", "en": "  {date}{by} [{source}]: {text}"},
    "problems": {"zh": "未销号问题：", "en": "Open problems:"},
    "source.progress": {"zh": "进展报送", "en": "progress report"},
    "source.replan": {"zh": "调整计划", "en": "re-plan"},
    "source.ack": {"zh": "确认", "en": "acknowledgement"},
    "source.ledger": {"zh": "台账", "en": "ledger"},
    "source.web": {"zh": "网页", "en": "web"},
    "source.mail": {"zh": "邮件", "en": "mail"},
}


@dataclass
class Answers:
    reasons: dict[int, DelayReason] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)


def answers_of(conn: Connection, config: Config, project_id: int, ids: Sequence[int],
               as_of: date) -> Answers:
    return Answers(latest_reasons(conn, ids),
                   open_problems(conn, config, [project_id], as_of).get(project_id, []))


def _by(author: str, lang: str) -> str:
    return (f"，{author}" if lang == "zh" else f", {author}") if author else ""


def print_answers(app: App, answers: Answers, names: dict[int, str]) -> None:
    lang = app.lang
    if answers.reasons:
        app.console.print(WORDS["said"][lang], markup=False)
        for mid, name in names.items():
            r = answers.reasons.get(mid)
            if r is not None:
                app.console.print(WORDS["line"][lang].format(
                    milestone=name, date=format_day(r.as_of, lang), by=_by(r.author, lang),
                    text=r.text), markup=False)
    if answers.problems:
        app.console.print(WORDS["problems"][lang], markup=False)
        for p in answers.problems:
            app.console.print(f"  {problem_line(p, lang, app.config)}", markup=False)


def print_reasons(app: App, said: Sequence[DelayReason]) -> None:
    lang = app.lang
    app.console.print(WORDS["history"][lang].format(n=len(said)), markup=False)
    for r in said:
        source = WORDS.get(f"source.{r.source}", {}).get(lang, r.source)
        app.console.print(WORDS["entry"][lang].format(
            date=format_day(r.as_of, lang), by=_by(r.author, lang), source=source,
            text=r.text), markup=False)
