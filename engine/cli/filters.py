"""The filters shared by `lights status` and `lights export` (milestones) and
`lights investment` (projects): one set of options, one way to read them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from engine.cli.common import DATE, App
from engine.cli.usage import Bad
from engine.i18n import light_label, value_code
from engine.queries import StatusFilter
from engine.store.db import read_only
from engine.store.lookups import NAMED, known_names
from engine.store.near import near
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


def project_codes(filters: dict[str, Any], app: App | None = None) -> dict[str, Any]:
    """The project filters with level and category as codes (labels in either language
    are accepted: 省级 or provincial). With ``app``, region, department, leader and
    project are looked up as stored (a leader without his title found; an unknown name
    refused with the nearest known ones)."""
    out = {key: filters[key] for key in PROJECT_OPTIONS}
    for key in ("level", "category"):
        out[key] = value_code(out[key]) if out[key] else None
    named = {key: out[key] for key in NAMED if out.get(key)}
    if app is not None and named:
        with read_only(app.database()).connect() as conn:
            out.update(known_names(conn, named))
    return out


def _bad(hint: str, typed: str, zh: list[str], en: list[str]) -> Bad:
    """A value not among the choices, refused with the nearest of them (or all)."""
    shown_zh = near(typed, zh) or zh
    shown_en = near(typed, en) or en
    error = Bad(f"“{typed}”不是可选的值；可选：{'、'.join(shown_zh)}",
                f"{typed!r} is not one of: {', '.join(shown_en)}")
    error.param_hint = hint
    return error


def status_filter(app: App, filters: dict[str, Any], limit: int | None = None) -> StatusFilter:
    """The filter the options ask for, codes checked (labels in either language accepted)."""
    chosen = tuple(value_code(x) for x in filters["lights_"])
    for light in chosen:
        if light not in LIGHT_CHOICES:
            raise _bad("--light", light, [light_label(c, "zh") for c in LIGHT_CHOICES],
                       LIGHT_CHOICES)
    kind = filters["kind"]
    kind_code = app.config.kind_code(kind) if kind else None
    if kind and kind_code is None:
        kinds = app.config.milestone_kinds
        raise _bad("--kind", kind, [k.zh for k in kinds], [k.code for k in kinds])
    return StatusFilter(**project_codes(filters, app), lights=chosen, kind=kind_code,
                        due_before=filters["due_before"], due_after=filters["due_after"],
                        open_only=filters["open_only"], limit=limit)
