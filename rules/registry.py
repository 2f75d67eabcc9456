"""Rules registered by name, each with the pydantic model of its parameters.

A city picks and orders rules in config.yaml by these names; a new rule is a new
function with the :func:`rule` decorator, not an edit elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from rules.lights import Finding


class RuleParams(BaseModel):
    """Base for a rule's parameters: unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


RuleFunc = Callable[[Any, Any, Any], Finding | None]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    name: str
    func: RuleFunc
    params: type[RuleParams]
    description: str


REGISTRY: dict[str, RuleSpec] = {}


def rule(name: str, params: type[RuleParams]) -> Callable[[RuleFunc], RuleFunc]:
    """Register ``func(facts, ctx, params) -> Finding | None`` under ``name``."""

    def register(func: RuleFunc) -> RuleFunc:
        if name in REGISTRY:
            raise ValueError(f"rule {name!r} is registered twice")
        doc = (func.__doc__ or "").strip().splitlines()
        REGISTRY[name] = RuleSpec(name, func, params, doc[0] if doc else "")
        return func

    return register
