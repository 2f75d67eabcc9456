"""The milestone filters shared by `lights status` and `lights export`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from engine.cli.common import DATE, App
from engine.i18n import value_code
from engine.queries import StatusFilter
from rules.lights import Light

LIGHT_CHOICES = [light.value for light in Light]
_KEYS = ("region", "department", "leader", "level", "category", "lights_", "kind", "project",
         "due_before", "due_after", "open_only")


def milestone_filters(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the filter options; the command receives them together as ``filters``."""

    @click.option("--region", help="所属地区")
    @click.option("--department", help="责任单位")
    @click.option("--leader", help="包保领导")
    @click.option("--level", help="provincial|city|county / 省级|市级|县区级")
    @click.option("--category", help="industrial|infrastructure|… / 产业|基础设施|…")
    @click.option("--light", "lights_", multiple=True,
                  help="one of / 之一: " + ", ".join(LIGHT_CHOICES))
    @click.option("--kind", help="milestone kind / 节点类型 (开工, start, …)")
    @click.option("--project", help="project code / 项目编号")
    @click.option("--due-before", type=DATE, help="planned date on or before / 计划完成不晚于")
    @click.option("--due-after", type=DATE, help="planned date on or after / 计划完成不早于")
    @click.option("--open", "open_only", is_flag=True,
                  help="open milestones only / 只含未完成节点")
    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        filters = {key: kwargs.pop(key) for key in _KEYS}
        return func(filters=filters, **kwargs)

    return wrapper


def status_filter(app: App, filters: dict[str, Any], limit: int | None = None) -> StatusFilter:
    """The filter the options ask for, codes checked (labels in either language accepted)."""
    chosen = tuple(value_code(x) for x in filters["lights_"])
    for light in chosen:
        if light not in LIGHT_CHOICES:
            raise click.BadParameter(f"{light!r}: not one of {', '.join(LIGHT_CHOICES)}",
                                     param_hint="--light")
    kind = filters["kind"]
    kind_code = app.config.kind_code(kind) if kind else None
    if kind and kind_code is None:
        raise click.BadParameter(f"{kind!r}: not in the milestone kind catalogue",
                                 param_hint="--kind")
    level, category = filters["level"], filters["category"]
    return StatusFilter(
        region=filters["region"], department=filters["department"], leader=filters["leader"],
        level=value_code(level) if level else None,
        category=value_code(category) if category else None, lights=chosen, kind=kind_code,
        project=filters["project"], due_before=filters["due_before"],
        due_after=filters["due_after"], open_only=filters["open_only"], limit=limit)
