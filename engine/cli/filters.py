"""The filters shared by `lights status` and `lights export` (milestones) and
`lights investment` (projects): one set of options, one way to read them."""

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
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

# Options that pick projects, and those that pick milestones of them.
PROJECT_OPTIONS: dict[str, Decorator] = {
    "region": click.option("--region", help="所属地区"),
    "department": click.option("--department", help="责任单位"),
    "leader": click.option("--leader", help="包保领导"),
    "level": click.option("--level", help="provincial|city|county / 省级|市级|县区级"),
    "category": click.option("--category", help="industrial|infrastructure|… / 产业|基础设施|…"),
    "project": click.option("--project", help="project code / 项目编号"),
}
MILESTONE_OPTIONS: dict[str, Decorator] = {
    "lights_": click.option("--light", "lights_", multiple=True,
                            help="one of / 之一: " + ", ".join(LIGHT_CHOICES)),
    "kind": click.option("--kind", help="milestone kind / 节点类型 (开工, start, …)"),
    "due_before": click.option("--due-before", type=DATE,
                               help="planned date on or before / 计划完成不晚于"),
    "due_after": click.option("--due-after", type=DATE,
                              help="planned date on or after / 计划完成不早于"),
    "open_only": click.option("--open", "open_only", is_flag=True,
                              help="open milestones only / 只含未完成节点"),
}


def _grouped(options: dict[str, Decorator]) -> Decorator:
    """Add ``options``; the command receives their values together as ``filters``."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            filters = {key: kwargs.pop(key) for key in options}
            return func(filters=filters, **kwargs)

        for option in reversed(options.values()):
            wrapper = option(wrapper)
        return wrapper

    return decorate


milestone_filters = _grouped(PROJECT_OPTIONS | MILESTONE_OPTIONS)
project_filters = _grouped(PROJECT_OPTIONS)


def project_codes(filters: dict[str, Any]) -> dict[str, Any]:
    """The project filters with level and category as codes (labels in either language
    are accepted: 省级 or provincial)."""
    out = {key: filters[key] for key in PROJECT_OPTIONS}
    for key in ("level", "category"):
        out[key] = value_code(out[key]) if out[key] else None
    return out


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
    return StatusFilter(**project_codes(filters), lights=chosen, kind=kind_code,
                        due_before=filters["due_before"], due_after=filters["due_after"],
                        open_only=filters["open_only"], limit=limit)
