"""The notices' part of the night, called by :func:`engine.nightly.nightly`.

During the run, :func:`notices_stage` writes the notices the moves cause (in each
chunk's transaction). After it, :func:`after_run` plans what time alone brings (ladder
steps by days held, reminders, recoveries past the anti-flap window), composes the
digests, and sends them when ``notices.send_after_run`` is on. Its findings are
added to the run's warnings, which every caller shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from engine.config import Config
from notifications.digest import ComposeResult, compose
from notifications.dispatch import SendResult, dispatch
from notifications.plan import Planner, PlanResult, coverage, plan_stage
from notifications.render import TemplateProblem
from notifications.transports.base import Transport


@dataclass
class NightNotices:
    planned: PlanResult = field(default_factory=PlanResult)
    composed: ComposeResult = field(default_factory=ComposeResult)
    sent: SendResult | None = None
    warnings: list[str] = field(default_factory=list)


def notices_stage(config: Config) -> list[Any]:
    """The run stages of the notices (none when ``notices.enabled`` is off)."""
    stage = plan_stage(config)
    return [stage] if stage is not None else []


def after_run(engine: Engine, config: Config, summary: Any,
              transport: Transport | None = None, send: bool | None = None) -> NightNotices:
    """Plan the time-based notices, compose the digests, deliver; see the module doc."""
    out = NightNotices()
    if not config.notices.enabled or summary.run_id is None:
        return out
    with engine.begin() as conn:
        out.planned = Planner(config, summary.as_of, summary.run_id).followups(conn)
    try:
        with engine.begin() as conn:
            out.composed = compose(conn, config, summary.as_of)
    except TemplateProblem as exc:  # the notices stay pending; the run is not undone
        out.warnings.append(f"notices: {exc} (notices kept pending; fix it, then lights send)")
        summary.warnings.extend(out.warnings)
        return out
    with engine.connect() as conn:
        gaps = coverage(conn, config)
    out.warnings += [f"notices: {problem} ({n} milestone{'s' if n != 1 else ''})"
                     for problem, n in sorted(gaps.items())]
    out.warnings += [f"notices: {w}" for w in out.composed.warnings]
    if out.composed.storm:
        out.warnings.append(f"notices: storm: {out.composed.held} digests held for "
                            f"confirmation (lights send --confirm)")
    if config.notices.send_after_run if send is None else send:
        out.sent = dispatch(engine, config, transport)
        if out.sent.failed:
            out.warnings.append(f"notices: {out.sent.failed} deliveries failed "
                                f"(lights notices --status failed)")
    summary.warnings.extend(out.warnings)
    return out
